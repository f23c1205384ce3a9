"""A SQLite store locked by another writer: a run waits for it, or fails in a line and loses nothing."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import store.schema.engine
from store.schema.engine import make_engine
from store.schema.upgrade import upgrade
from store.write.lease import LEASE_SECONDS, utc_now
from sync.run.runner import RunOutcome, RunRequest, SyncRunner, Trigger
from tests.store.orm import CaseRow, EvidenceRow, SyncRun
from tests.sync.memory import MemoryConnector, a_case_record, a_form, memory_config

TODAY = date(2026, 2, 1)


def source() -> dict[str, list[dict[str, object]]]:
    return {
        "cases": [a_case_record(f"C{n}") for n in range(6)],
        "evidence": [a_form(f"F{n}", f"C{n % 6}", "Safety Plan") for n in range(6)],
    }


class WriteLock:
    """Another process's write transaction on the store file, held until released."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def take(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.db.execute("ROLLBACK")


def stored(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        cases = conn.execute(select(func.count()).select_from(CaseRow)).scalar_one()
        evidence = conn.execute(select(func.count()).select_from(EvidenceRow)).scalar_one()
    return cases, evidence


def a_runner(tmp_path: Path, engine: Engine, **options: object) -> SyncRunner:
    return SyncRunner(
        memory_config(tmp_path / "config"),
        engine,
        today=lambda: TODAY,
        connector_factory=lambda _a: MemoryConnector(data=source()),
        **options,  # type: ignore[arg-type]
    )


def test_a_run_waits_for_a_writer_that_lets_go_and_then_completes(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    lock = WriteLock(path)
    lock.take()
    threading.Timer(0.5, lock.release).start()

    result = a_runner(tmp_path, engine).run("mem-la", RunRequest(Trigger.CLI, "ops"))

    assert result.outcome is RunOutcome.SUCCEEDED, result.error
    assert stored(engine) == (6, 6)
    engine.dispose()


def test_a_store_locked_past_the_busy_timeout_fails_the_run_in_a_line_and_the_next_run_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store.schema.engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    lock = WriteLock(path)
    batches = 0

    def lock_after_the_first_batch(_code: str, _stream: str, _counts: object) -> None:
        nonlocal batches
        batches += 1
        if batches == 1:
            lock.take()

    locked = a_runner(tmp_path, engine, on_batch=lock_after_the_first_batch).run(
        "mem-la", RunRequest(Trigger.CLI, "ops")
    )

    assert locked.outcome is RunOutcome.FAILED
    assert locked.error is not None
    assert "\n" not in locked.error
    assert locked.error.startswith("store busy: another writer held it past the busy timeout")
    lock.release()

    again = a_runner(tmp_path, engine, clock=lambda: utc_now() + timedelta(seconds=LEASE_SECONDS + 1)).run(
        "mem-la", RunRequest(Trigger.CLI, "ops")
    )

    assert again.outcome is RunOutcome.SUCCEEDED, again.error
    assert stored(engine) == (6, 6)
    with engine.connect() as conn:
        outcomes = dict(conn.execute(select(SyncRun.id, SyncRun.outcome)).all())
    assert outcomes == {locked.run_id: "failed", again.run_id: "succeeded"}
    engine.dispose()
