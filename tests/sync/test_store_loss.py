"""Losing the store mid-run: a failed run with a one-line reason, recorded once the store is back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select

from store.schema.engine import make_engine
from store.schema.upgrade import current_revision, head_revision, upgrade
from store.write.lease import LEASE_SECONDS, utc_now
from sync.run.runner import RunOutcome, RunRequest, SyncRunner, Trigger
from tests.pgcluster import PostgresCluster, PostgresUnavailable, start_cluster
from tests.store.orm import CaseRow, EvidenceRow, SyncRun
from tests.sync.memory import MemoryConnector, a_case_record, a_form, memory_config

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A cluster of this test's own, since the test stops and starts it."""
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL not available: {exc}")
    yield cluster
    cluster.stop()


def source() -> dict[str, list[dict[str, object]]]:
    return {
        "cases": [a_case_record(f"C{n}") for n in range(6)],
        "evidence": [a_form(f"F{n}", f"C{n % 6}", "Safety Plan") for n in range(6)],
    }


def test_a_postgres_restart_mid_sync_fails_the_run_and_the_next_run_records_and_completes(
    tmp_path: Path, own_cluster: PostgresCluster
) -> None:
    store = make_engine(own_cluster.create_database("restart"))
    upgrade(store)
    with store.begin() as conn:  # as in production: only batches commit without waiting for the disk
        database = conn.dialect.identifier_preparer.quote(
            conn.exec_driver_sql("SELECT current_database()").scalar_one()
        )
        conn.exec_driver_sql(f"ALTER DATABASE {database} SET synchronous_commit = on")
    store.dispose()
    config = memory_config(tmp_path / "config")
    batches = 0

    def restart_after_two_batches(_code: str, _stream: str, _counts: object) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            own_cluster.halt()

    lost = SyncRunner(
        config,
        store,
        today=lambda: date(2026, 2, 1),
        connector_factory=lambda _a: MemoryConnector(data=source()),
        on_batch=restart_after_two_batches,
    ).run("mem-la", RunRequest(Trigger.CLI, "ops"))

    assert lost.outcome is RunOutcome.FAILED
    assert lost.error is not None
    assert lost.error.startswith("store connection lost (OperationalError)")
    assert "\n" not in lost.error
    own_cluster.resume()

    # The daemon's next run comes after the unreleased lease has expired (a new process need not wait).
    again = SyncRunner(
        config,
        store,
        clock=lambda: utc_now() + timedelta(minutes=LEASE_SECONDS),
        today=lambda: date(2026, 2, 1),
        connector_factory=lambda _a: MemoryConnector(data=source()),
    ).run("mem-la", RunRequest(Trigger.CLI, "ops"))

    assert again.outcome is RunOutcome.SUCCEEDED
    with store.connect() as conn:
        runs = {row.id: row for row in conn.execute(select(SyncRun))}
    assert runs[lost.run_id].outcome == "failed"
    assert "lost the store" in runs[lost.run_id].error
    # The test cluster commits asynchronously, so an immediate stop may lose the last commits; their
    # positions went with them, and the next run reads those batches again.
    assert runs[lost.run_id].read_count <= lost.counts.read
    with store.connect() as conn:
        assert len(conn.execute(select(CaseRow.case_ref)).all()) == 6
        assert len(conn.execute(select(EvidenceRow.source_id)).all()) == 6
    store.dispose()


def test_replicas_running_init_at_once_on_an_empty_store_all_succeed(postgres_database: str) -> None:
    engines = [make_engine(postgres_database) for _ in range(3)]
    barrier = threading.Barrier(len(engines))
    failures: list[BaseException] = []

    def init(engine: Engine) -> None:
        barrier.wait()
        try:
            upgrade(engine)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=init, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert current_revision(engines[0]) == head_revision()
    assert "sync_runs" in inspect(engines[0]).get_table_names()
    for engine in engines:
        engine.dispose()
