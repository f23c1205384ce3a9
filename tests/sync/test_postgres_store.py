"""The store on PostgreSQL, as production runs it: schema through Alembic, sync, resync, one writer."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, inspect

import sync.run.batch
import sync.run.runner
from store.read import queries
from store.schema.upgrade import current_revision, head_revision, upgrade
from store.write.lease import LeaseHeld, StoreLease
from store.write.runs import Counts
from sync.run.runner import Mode, RunOutcome, RunRequest, SyncRunner, Trigger
from tests.sync.memory import MemoryConnector, a_case_record, a_form, memory_config

pytestmark = pytest.mark.postgres


def test_alembic_makes_every_table_and_view_on_postgres_and_upgrading_again_is_harmless(
    postgres_store: Engine,
) -> None:
    upgrade(postgres_store)
    inspector = inspect(postgres_store)
    assert {
        "cases",
        "evidence",
        "case_element_status",
        "sync_runs",
        "quarantine",
        "audit_log",
        "leases",
        "status_changes",
        "touched_cases",
    } <= set(inspector.get_table_names())
    assert set(inspector.get_view_names()) == {"whiteboard", "team_summary"}
    assert current_revision(postgres_store) == head_revision()


def test_sync_and_resync_on_postgres_give_the_whiteboard_and_deletions(
    tmp_path: Path, postgres_store: Engine
) -> None:
    config = memory_config(tmp_path / "config")
    data = {
        "cases": [a_case_record("C1"), a_case_record("C2", team="South")],
        "evidence": [a_form("F1", "C1", "Safety Plan"), a_form("F2", "C2", "Danger Statement v1")],
    }
    runner = SyncRunner(
        config,
        postgres_store,
        today=lambda: date(2026, 2, 1),
        connector_factory=lambda _a: MemoryConnector(data=data),
    )
    first = runner.run("mem-la", RunRequest(Trigger.CLI, "tester"))
    assert first.outcome is RunOutcome.SUCCEEDED
    assert {r["case_ref"]: r["safety_plan"] for r in queries.whiteboard(postgres_store)} == {
        "C1": "evidenced",
        "C2": "not_started",
    }
    data["evidence"] = data["evidence"][:1]
    again = runner.run(
        "mem-la", RunRequest(Trigger.MANUAL, "admin", Mode.FULL, reason="cleanup", allow_deletions=True)
    )
    assert again.counts.deleted == 1
    assert again.counts.unchanged == 3
    summary = {(r["team"], r["element"]): r for r in queries.team_summary(postgres_store)}
    assert summary[("South", "danger_statement")]["not_started"] == 1


def test_only_one_of_many_racing_writers_gets_the_lease_on_postgres(postgres_store: Engine) -> None:
    winners: list[str] = []
    losers: list[str] = []
    barrier = threading.Barrier(6)

    def contend(name: str) -> None:
        lease = StoreLease(postgres_store, "authority:race")
        barrier.wait()
        try:
            lease.acquire()
            winners.append(name)
        except LeaseHeld:
            losers.append(name)

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    assert len(losers) == 5


def test_batches_commit_without_waiting_for_disk_and_the_run_record_waits(
    tmp_path: Path, postgres_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch commits with its position, so a server crash that loses it loses the position too;
    # the run's own record is written durably, which flushes the batches committed before it.
    in_batches: list[str] = []
    record_counts = sync.run.batch.record_counts

    def noting_the_setting(conn: Connection, run_id: int, counts: Counts) -> None:
        in_batches.append(conn.exec_driver_sql("SHOW synchronous_commit").scalar_one())
        record_counts(conn, run_id, counts)

    monkeypatch.setattr(sync.run.batch, "record_counts", noting_the_setting)
    with postgres_store.begin() as conn:  # the test cluster's own default is off, production's on
        database = conn.dialect.identifier_preparer.quote(
            conn.exec_driver_sql("SELECT current_database()").scalar_one()
        )
        conn.exec_driver_sql(f"ALTER DATABASE {database} SET synchronous_commit = on")
    postgres_store.dispose()
    data = {"cases": [a_case_record("C1")], "evidence": [a_form("F1", "C1", "Safety Plan")]}
    runner = SyncRunner(
        memory_config(tmp_path / "config"),
        postgres_store,
        connector_factory=lambda _a: MemoryConnector(data=data, batch_size=1),
    )
    assert runner.run("mem-la", RunRequest(Trigger.CLI, "tester")).outcome is RunOutcome.SUCCEEDED
    assert in_batches == ["off", "off"]
    with postgres_store.begin() as conn:
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
