"""Start-up imports only what a command needs: loading the configuration sends no request, so it
imports no HTTP client; a command that only reads and prints sets up no logging; `status` leaves out
the whiteboard, the run engine and the scheduler, which it never uses; no config model reads its own
source file to find field descriptions."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from sync.cli.main import COMMANDS
from tests.conftest import run_cli
from tests.sources import loopback_api, rest_authority_yaml, synthetic

PROJECT_PACKAGES = ("config", "connectors", "mapping", "sync", "store", "dashboard", "demo")
HTTP_CLIENT = ("requests", "tenacity", "urllib3")
LOGGING = ("structlog",)
NOT_FOR_STATUS = (
    *HTTP_CLIENT,
    *LOGGING,
    "alembic",  # the store's revision is compared with a constant
    "holidays",  # the bank-holiday calendar is for due dates, which status does not work out
    "sqlalchemy.orm",  # the status queries run on the driver's connection
    "store.schema.tables",  # a run's columns are named in `store.read.status_read`
    "sqlalchemy.dialects.postgresql",  # loaded by the tables' partial index, not by a SQLite store
    "jinja2",
    "dashboard.whiteboard",
    "dashboard.terminal",
    "mapping.mapper",  # what a run compiles, not what a config load validates
    "sync.run",
)
NOT_FOR_A_RUN = (
    "alembic",  # the store's revision is compared with a constant
    "sqlalchemy.orm",  # a run's statements are on the Core tables
    "apscheduler.schedulers",  # the daemon's; a schedule's cron is checked with its trigger alone
    "apscheduler.executors",
    "dashboard",
    "jinja2",
    "rich.progress",  # drawn only on a terminal
    "prometheus_client",
)
NOT_FOR_HELP = (
    *NOT_FOR_A_RUN,
    *HTTP_CLIENT,
    *LOGGING,
    "sqlalchemy",
    "pydantic",
    "yaml",
    "config.loader",
    "store",
)


def last_line(probe: str) -> str:
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return shown.stdout.strip().splitlines()[-1]


def imported_by(args: list[str], watched: tuple[str, ...]) -> list[str]:
    """Which of `watched` (modules or packages) a command line imports, run in a fresh interpreter."""
    probe = (
        "import json, sys; from sync.cli.main import cli\n"
        f"try: cli.main({args!r}, prog_name='sofs-sync')\n"
        "except SystemExit as exc: assert exc.code == 0, exc.code\n"
        f"print(json.dumps(sorted(w for w in {watched!r} if any(m == w or m.startswith(w + '.') "
        "for m in sys.modules))))"
    )
    found: list[str] = json.loads(last_line(probe))
    return found


@pytest.fixture
def initialised(example: Path) -> Path:
    (example.parent / "authorities" / "westshire.yaml").write_text(
        rest_authority_yaml("westshire", "http://127.0.0.1:9")
    )
    assert run_cli("--config", str(example), "init").exit_code == 0
    return example


def test_loading_a_rest_authority_imports_no_http_client(example: Path) -> None:
    rest_file = example.parent / "authorities" / "westshire.yaml"
    rest_file.write_text(rest_authority_yaml("westshire", "http://127.0.0.1:9"))
    probe = (
        "import sys; from pathlib import Path; from config.loader import load_config\n"
        f"config = load_config(Path({str(example)!r}))\n"
        f"print(sorted(config.authorities), sorted(m for m in {HTTP_CLIENT!r} if m in sys.modules))"
    )
    assert last_line(probe) == "['northshire', 'westshire'] []"


@pytest.mark.parametrize("as_json", [False, True])
def test_status_imports_nothing_it_does_not_use(initialised: Path, as_json: bool) -> None:
    args = ["--config", str(initialised), "status", *(["--json"] if as_json else [])]
    assert imported_by(args, NOT_FOR_STATUS) == []


@pytest.mark.parametrize("command", ["status", "dashboard"])
def test_json_output_imports_no_terminal_library(initialised: Path, command: str) -> None:
    assert imported_by(["--config", str(initialised), command, "--json"], ("rich",)) == []


@pytest.mark.parametrize(
    "args",
    [
        ["runs"],
        ["quarantine"],
        ["dashboard", "--json"],
        ["trends", "northshire", "--json"],
    ],
    ids=lambda args: args[0],
)
def test_a_command_that_only_reads_imports_no_logging_library(initialised: Path, args: list[str]) -> None:
    assert not COMMANDS[args[0]].logs
    assert imported_by(["--config", str(initialised), *args], LOGGING) == []


@pytest.mark.parametrize("name", sorted(n for n, entry in COMMANDS.items() if not entry.logs))
def test_a_command_registered_as_not_logging_has_no_logger_among_its_imports(name: str) -> None:
    probe = (
        f"import sys; from sync.cli.main import load_command; load_command({name!r})\n"
        f"print(sorted(m for m in {LOGGING!r} if m in sys.modules))"
    )
    assert last_line(probe) == "[]"


def test_help_imports_no_command_and_no_library_a_command_needs() -> None:
    assert imported_by(["--help"], NOT_FOR_HELP) == []


def test_a_sync_from_a_file_drop_imports_no_http_client_scheduler_migrations_or_pages(
    initialised: Path,
) -> None:
    """Run from cron, with nothing changed the second time: a run needs the store, the config and its
    own connector, nothing of the daemon, the migrations, the published site or another connector."""
    for _ in range(2):
        found = imported_by(["--config", str(initialised), "sync", "northshire"], NOT_FOR_A_RUN + HTTP_CLIENT)
        assert found == []


def test_a_sync_from_a_rest_source_imports_no_orm_scheduler_migrations_or_pages(initialised: Path) -> None:
    """A REST run loads its HTTP client, and still nothing of the ORM, the daemon or the site."""
    cases, forms = synthetic(cases=6, forms_per_case=2)
    with loopback_api(cases, forms) as url:
        (initialised.parent / "authorities" / "westshire.yaml").write_text(
            rest_authority_yaml("westshire", url)
        )
        for _ in range(2):
            found = imported_by(
                ["--config", str(initialised), "sync", "westshire"], NOT_FOR_A_RUN + HTTP_CLIENT
            )
            assert found == list(HTTP_CLIENT)


def test_a_sync_off_a_terminal_loads_no_terminal_library_for_its_log(initialised: Path) -> None:
    """Off a terminal the log is JSON lines: structlog's console renderer, rich tracebacks and the
    syntax highlighter they load are a tenth of a run's start-up and are never used."""
    found = imported_by(["--config", str(initialised), "sync", "northshire"], ("rich", "pygments"))
    assert found == []


def test_rich_stays_importable_after_structlog_is_loaded_without_it() -> None:
    probe = (
        "import sys; from sync.cli.main import load_command; load_command('sync')\n"
        "import rich.progress; print('structlog' in sys.modules, 'rich.progress' in sys.modules)"
    )
    assert last_line(probe) == "True True"


def test_a_command_that_writes_sets_up_its_log(initialised: Path) -> None:
    assert COMMANDS["init"].logs
    assert imported_by(["--config", str(initialised), "init"], LOGGING) == ["structlog"]


def project_models() -> Iterator[type[BaseModel]]:
    """Every pydantic model defined in the project, after importing every project module (the
    Alembic environment aside: it runs a migration when imported)."""
    for name in PROJECT_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not module.name.startswith("store.schema.migrations."):
                importlib.import_module(module.name)
    seen: set[type[BaseModel]] = set()
    pending = [BaseModel]
    while pending:
        for model in pending.pop().__subclasses__():
            if model not in seen:
                seen.add(model)
                pending.append(model)
                if model.__module__.partition(".")[0] in PROJECT_PACKAGES:
                    yield model


def test_no_config_model_reads_its_own_source_at_start_up() -> None:
    """`use_attribute_docstrings` has pydantic read and parse a model's source file in every process
    that defines the model, tens of milliseconds per command; descriptions are `Field` text instead.
    The setting is inherited, so a subclass of a model that sets it pays too."""
    models = {f"{model.__module__}.{model.__qualname__}": model for model in project_models()}
    assert {"mapping.spec.AuthorityMapping", "connectors.rest_config.RestConfig"} <= set(models)
    reading_source = sorted(
        name for name, model in models.items() if model.model_config.get("use_attribute_docstrings")
    )
    assert reading_source == []
