"""The bench's second floor writes as many rows of each kind as a sync does, so the distance it
shows between the raw floor and a store's writes is the distance the store's own rows make."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.run import SOFS_SYNC, configure, raw_rows, rest_connector
from bench.source import Records, serve

TABLES = ("cases", "evidence", "case_element_status", "status_changes")


def counts(store: Path) -> dict[str, int]:
    with sqlite3.connect(store) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def test_the_raw_store_rows_match_a_full_sync_table_by_table(tmp_path: Path) -> None:
    with serve(Records(300)) as url:
        raw_rows(url, tmp_path / "raw")
        settings = configure(tmp_path / "sync", rest_connector(url))
        for command in ("init", "sync"):
            subprocess.run([SOFS_SYNC, "--config", str(settings), command], check=True, capture_output=True)

    synced = counts(tmp_path / "sync" / "store.db")
    assert synced["evidence"] > 0
    assert counts(tmp_path / "raw" / "store.db") == synced


def test_the_raw_side_runs_without_the_project(tmp_path: Path) -> None:
    """A floor that imported the project's code would carry its costs."""
    heavy = "{'store', 'mapping', 'sync', 'config', 'sqlalchemy', 'pydantic'}"
    probe = f"import sys, bench.raw; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
