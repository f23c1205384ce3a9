"""Start-up imports only what a command needs: loading the configuration sends no request, so it
imports no HTTP client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import run_cli
from tests.sources import rest_authority_yaml

HTTP_CLIENT = ("requests", "tenacity", "urllib3")


def last_line(probe: str) -> str:
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return shown.stdout.strip().splitlines()[-1]


def test_loading_a_rest_authority_imports_no_http_client(example: Path) -> None:
    rest_file = example.parent / "authorities" / "westshire.yaml"
    rest_file.write_text(rest_authority_yaml("westshire", "http://127.0.0.1:9"))
    probe = (
        "import sys; from pathlib import Path; from config.loader import load_config\n"
        f"config = load_config(Path({str(example)!r}))\n"
        f"print(sorted(config.authorities), sorted(m for m in {HTTP_CLIENT!r} if m in sys.modules))"
    )
    assert last_line(probe) == "['northshire', 'westshire'] []"


def test_status_imports_no_http_client(example: Path) -> None:
    (example.parent / "authorities" / "westshire.yaml").write_text(
        rest_authority_yaml("westshire", "http://127.0.0.1:9")
    )
    assert run_cli("--config", str(example), "init").exit_code == 0
    probe = (
        "import sys; from sync.cli.main import cli\n"
        f"try: cli.main(['--config', {str(example)!r}, 'status'], prog_name='sofs-sync')\n"
        "except SystemExit as exc: assert exc.code == 0, exc.code\n"
        f"print(sorted(m for m in {HTTP_CLIENT!r} if m in sys.modules))"
    )
    assert last_line(probe) == "[]"
