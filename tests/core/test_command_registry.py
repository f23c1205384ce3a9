"""Every command is one entry in the registry; `--help` lists them without importing them."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from sync.cli.main import COMMANDS, load_command
from tests.conftest import run_cli
from tests.test_layout import ROOT, imported_modules


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_registered_command_loads_under_its_name_with_its_own_summary(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert COMMANDS[name].summary == inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")


def test_help_lists_every_registered_command_and_nothing_else() -> None:
    listed = run_cli("--help").output.split("Commands:")[1]
    names = {line.split()[0] for line in listed.splitlines() if line.startswith("  ") and line[2] != " "}
    assert names == set(COMMANDS)


def test_help_imports_no_command_module() -> None:
    probe = (
        "import sys; from sync.cli.main import cli\n"
        "try: cli.main(['--help'], prog_name='sofs-sync')\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sync.cli.commands.', 'demo.', 'dashboard'))))"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert shown.stdout.strip().splitlines()[-1] == "[]"


def test_no_command_module_imports_the_command_line_that_loads_it() -> None:
    modules = [*(ROOT / "sync" / "cli" / "commands").glob("*.py"), ROOT / "demo" / "command.py"]
    assert {p.name for p in modules if "sync.cli.main" in imported_modules(p)} == set()
