"""The dlt side reads what the other sides read and merges it by key, without dlt in the project.

dlt itself is installed only by `make bench` (in bench/.venv-dlt), so these tests hold how its run
is set up, not the run."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.dlt_side import DLT_VERSION, STREAMS, rest_api_config, row_counts
from bench.run import DLT_SIDE, dlt_command, dlt_python, rest_connector
from bench.source import PAGE_SIZE


def test_every_stream_is_merged_by_its_primary_key() -> None:
    config = rest_api_config("http://127.0.0.1:8000")
    assert config["resource_defaults"]["write_disposition"] == "merge"
    keys = {r["name"]: (r["endpoint"]["path"], r["primary_key"]) for r in config["resources"]}
    assert keys == {"cases": ("cases", "id"), "forms": ("forms", "form_id")}


def test_it_pages_the_source_as_the_sync_does() -> None:
    config = rest_api_config("http://127.0.0.1:8000")
    paginator = config["client"]["paginator"]
    assert (paginator["type"], paginator["base_page"], paginator["page_param"]) == ("page_number", 1, "page")
    assert config["resource_defaults"]["endpoint"]["params"] == {"per_page": PAGE_SIZE}
    assert config["resource_defaults"]["endpoint"]["data_selector"] == "items"
    sync_side = rest_connector("http://127.0.0.1:8000")
    assert f"size: {PAGE_SIZE}" in sync_side
    assert "records_path: items" in sync_side
    for path, _key in STREAMS.values():
        assert f"path: /{path}\n" in sync_side


def test_the_command_runs_the_side_in_its_own_environment_without_reporting(tmp_path: Path) -> None:
    python = tmp_path / ".venv-dlt" / "bin" / "python"
    command, env = dlt_command(python, "http://127.0.0.1:8000", tmp_path / "dlt0")
    assert command == [str(python), str(DLT_SIDE), "http://127.0.0.1:8000", str(tmp_path / "dlt0")]
    assert env["RUNTIME__DLTHUB_TELEMETRY"] == "false"
    assert env["DLT_DATA_DIR"] == str(tmp_path / "dlt0" / "dlt-data")


def test_an_environment_already_made_for_the_pinned_version_is_used_as_it_is(tmp_path: Path) -> None:
    venv = tmp_path / ".venv-dlt"
    venv.mkdir()
    (venv / f".dlt-{DLT_VERSION}").touch()
    assert dlt_python(venv) == venv / "bin" / "python"
    assert sorted(p.name for p in venv.iterdir()) == [f".dlt-{DLT_VERSION}"]


def test_row_counts_find_the_merged_tables_in_any_database_of_the_folder(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "dlt__bench.db") as db:
        db.execute("CREATE TABLE cases (id TEXT PRIMARY KEY)")
        db.execute("CREATE TABLE forms (form_id TEXT PRIMARY KEY)")
        db.executemany("INSERT INTO cases VALUES (?)", [("C1",), ("C2",)])
        db.execute("INSERT INTO forms VALUES ('F1')")
    with sqlite3.connect(tmp_path / "dlt.db") as db:
        db.execute("CREATE TABLE _dlt_version (version INTEGER)")
    assert row_counts(tmp_path) == {"cases": 2, "forms": 1}


def test_the_side_imports_neither_dlt_nor_the_project_until_it_runs() -> None:
    """The project's environment can build its configuration; only its run needs dlt."""
    heavy = "{'dlt', 'store', 'mapping', 'sync', 'config', 'sqlalchemy', 'pydantic'}"
    probe = f"import sys, bench.dlt_side; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
