"""The whiteboard and `status` read PostgreSQL as they read SQLite: the same rows, the same cells."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard.whiteboard import load_board
from mapping.elements import DEFAULT_ELEMENTS
from store.read import queries, status_read
from store.schema.engine import make_engine
from store.schema.upgrade import upgrade
from sync.run.runner import RunRequest, SyncRunner, Trigger
from tests.sync.memory import MemoryConnector, a_case_record, a_form, memory_config

pytestmark = pytest.mark.postgres

NOW = date(2026, 2, 1)


def _synced(tmp_path: Path, store: Engine) -> None:
    data = {
        "cases": [a_case_record("C1"), a_case_record("C2", team="South")],
        "evidence": [
            a_form("F1", "C1", "Safety Plan", date="2026-01-20"),
            a_form("F2", "C2", "Danger Statement v1", date="2026-01-10"),
            a_form("F3", "C2", "Mapping", status="D", date="2026-01-12"),
        ],
    }
    config = memory_config(tmp_path)
    runner = SyncRunner(
        config, store, today=lambda: NOW, connector_factory=lambda _a: MemoryConnector(data=data)
    )
    runner.run("mem-la", RunRequest(Trigger.CLI, "tester"))


def test_the_board_and_status_counts_on_postgres_equal_those_on_sqlite(
    tmp_path: Path, postgres_store: Engine
) -> None:
    sqlite_store = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(sqlite_store)
    _synced(tmp_path / "pg", postgres_store)
    _synced(tmp_path / "lite", sqlite_store)
    boards = [load_board(s, DEFAULT_ELEMENTS, {"mem-la": "Memory"}) for s in (postgres_store, sqlite_store)]
    on_postgres, on_sqlite = (json.loads("".join(b.json_chunks())) for b in boards)
    assert on_postgres["cases"] == on_sqlite["cases"]
    assert on_postgres["teams"] == on_sqlite["teams"]
    assert {c["case_ref"]: c["cells"]["mapping"]["draft_on"] for c in on_postgres["cases"]} == {
        "C1": None,
        "C2": "2026-01-12",
    }
    with postgres_store.connect() as conn:
        assert status_read.open_case_count(conn.connection) == {"mem-la": 2}
        runs = status_read.last_runs(conn.connection)
    stamps = ("started_at", "finished_at", "last_success_at")
    on_sqlite_runs = queries.last_runs(sqlite_store)
    assert {k: v for k, v in runs["mem-la"].items() if k not in stamps} == {
        k: v for k, v in on_sqlite_runs["mem-la"].items() if k not in stamps
    }
    assert runs["mem-la"]["started_at"].endswith("+00:00")
    sqlite_store.dispose()
