"""The run history tells the truth at its edges: a run's outcome is in the store before another run
can start, and a store that refuses a run's very first row still gives a failed run in one line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

import store.schema.engine
import sync.run.runner as runner_module
from store.schema.engine import make_engine
from store.schema.upgrade import upgrade
from store.write.lease import StoreLease
from sync.run.runner import RunOutcome, RunRequest, SyncRunner, Trigger
from tests.conftest import run_cli
from tests.daemon.conftest import write_config
from tests.sources import sql_authority_yaml
from tests.store.orm import SyncRun
from tests.sync.memory import MemoryConnector, a_case_record, memory_config
from tests.sync.test_locked_sqlite import WriteLock

TODAY = date(2026, 2, 1)


def a_store(tmp_path: Path) -> tuple[Path, Engine]:
    path = tmp_path / "config" / "store.db"
    path.parent.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return path, engine


def a_runner(tmp_path: Path, engine: Engine) -> SyncRunner:
    return SyncRunner(
        memory_config(tmp_path / "config"),
        engine,
        today=lambda: TODAY,
        connector_factory=lambda _a: MemoryConnector(data={"cases": [a_case_record("C1")], "evidence": []}),
    )


def recorded_runs(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return {row.id: row.outcome for row in conn.execute(select(SyncRun.id, SyncRun.outcome))}


def test_a_runs_outcome_is_recorded_before_its_lease_is_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, engine = a_store(tmp_path)
    at_release: list[dict[int, str]] = []

    class WatchedLease(StoreLease):
        def __exit__(self, *exc: Any) -> None:
            at_release.append(recorded_runs(engine))
            super().__exit__(*exc)

    monkeypatch.setattr(runner_module, "StoreLease", WatchedLease)
    result = a_runner(tmp_path, engine).run("mem-la", RunRequest(Trigger.CLI, "ops"))

    assert result.outcome is RunOutcome.SUCCEEDED, result.error
    assert at_release == [{result.run_id: "succeeded"}]


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store.schema.engine, "SQLITE_BUSY_TIMEOUT_MS", 200)


@pytest.mark.usefixtures("short_busy_timeout")
def test_a_store_locked_before_the_run_starts_fails_the_run_in_one_line_and_exits_1(tmp_path: Path) -> None:
    path, engine = a_store(tmp_path)
    lock = WriteLock(path)
    lock.take()
    result = a_runner(tmp_path, engine).run("mem-la", RunRequest(Trigger.CLI, "ops"))
    assert result.outcome is RunOutcome.FAILED
    assert result.error == "store busy: another writer held it past the busy timeout; the run did not start"
    assert result.run_id is None  # the store took no row, and says nothing it did not do
    lock.release()
    assert recorded_runs(engine) == {}


@pytest.mark.usefixtures("short_busy_timeout")
def test_sync_on_a_locked_store_exits_1_with_the_reason_not_as_a_config_error(tmp_path: Path) -> None:
    settings = write_config(
        tmp_path / "config", {"sql-la": sql_authority_yaml("sql-la", "sqlite:///none.db")}
    )
    lock = WriteLock(settings.parent / "store.db")
    lock.take()
    synced = run_cli("--config", str(settings), "sync", "sql-la")
    lock.release()
    assert synced.exit_code == 1, synced.output
    assert "store busy: another writer held it past the busy timeout; the run did not start" in synced.output


@pytest.mark.usefixtures("short_busy_timeout")
def test_a_run_the_store_refused_is_recorded_failed_once_the_store_takes_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, engine = a_store(tmp_path)
    lock = WriteLock(path)
    lock.take()
    starts = 0
    start = SyncRunner._start_run

    def let_go_before_the_second_try(self: SyncRunner, *args: Any) -> int:
        nonlocal starts
        starts += 1
        if starts == 2:
            lock.release()
        return start(self, *args)

    monkeypatch.setattr(SyncRunner, "_start_run", let_go_before_the_second_try)
    result = a_runner(tmp_path, engine).run("mem-la", RunRequest(Trigger.CLI, "ops"))

    assert result.outcome is RunOutcome.FAILED
    assert result.run_id is not None
    assert recorded_runs(engine) == {result.run_id: "failed"}
    with engine.connect() as conn:
        error = conn.execute(select(SyncRun.error).where(SyncRun.id == result.run_id)).scalar_one()
    assert error == "store busy: another writer held it past the busy timeout; the run did not start"
