"""A demo folder built once per module with a small caseload, and ways to look into it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import run_cli

SMALL = "12"


def demo_cli(*args: str) -> Result:
    """`sofs-sync demo ...` in-process; the demo drops a store URL override, restored afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOFS_SYNC_STORE_URL", raising=False)
        return run_cli("demo", *args)


def build_demo(folder: Path, *extra: str, port: str = "0") -> Result:
    """A small demo, by default on any free port so tests never meet a demo someone is running."""
    result = demo_cli("--dir", str(folder), "--cases", SMALL, "--port", port, *extra)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "demo"
    build_demo(folder)
    return folder


def query(store: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store) as db:
        return db.execute(sql).fetchall()
