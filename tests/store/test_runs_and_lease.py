"""Every run is recorded with who asked and why, its counts as they stood at each batch and at its
end, and audit rows; one writer per stream at a time, by a lease the store keeps."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from store.read import queries
from store.write.lease import LeaseHeld, LeaseLost, StoreLease
from store.write.runs import Counts, audit, finish_run, record_counts
from tests.store.conftest import AUTHORITY, NOW, a_run
from tests.store.orm import AuditEntry


def test_a_run_is_recorded_running_then_with_its_counts_and_outcome(store: Engine) -> None:
    run_id = a_run(store, trigger="schedule", requested_by="scheduler", mode="full")
    [running] = queries.runs(store)
    assert (running["id"], running["outcome"], running["read_count"]) == (run_id, "running", 0)
    midway = Counts(read=5, written=3, quarantined=1, not_evidence=1)
    with store.begin() as conn:
        record_counts(conn, run_id, midway)
    assert Counts.of_columns(queries.runs(store)[0]) == midway
    final = Counts(
        read=9,
        written=4,
        inserted=3,
        updated=1,
        unchanged=2,
        quarantined=1,
        not_evidence=1,
        orphaned=1,
        deleted=3,
    )
    finish_run(store, run_id, "succeeded", NOW + timedelta(minutes=2), final)
    [done] = queries.runs(store)
    assert (done["outcome"], done["trigger"], done["mode"], done["error"]) == (
        "succeeded",
        "schedule",
        "full",
        None,
    )
    assert datetime.fromisoformat(done["finished_at"]) == NOW + timedelta(minutes=2)
    assert Counts.of_columns(done) == final
    assert final.adds_up()
    assert queries.last_runs(store)[AUTHORITY]["last_success_at"] == done["finished_at"]


def test_counts_add_up_only_when_every_record_read_is_accounted_for() -> None:
    assert Counts(
        read=7,
        written=1,
        inserted=1,
        unchanged=1,
        quarantined=1,
        not_evidence=1,
        orphaned=1,
        superseded=1,
        duplicates=1,
    ).adds_up()
    assert not Counts(read=6, written=5, inserted=5, deleted=1).adds_up(), "a deletion is not a record read"
    assert not Counts(read=2, written=2, inserted=1).adds_up(), "written is what was inserted or updated"


def test_an_audit_row_keeps_who_did_what_to_which_scope_and_why(store: Engine) -> None:
    run_id = a_run(store, mode="full", reason="new mapping")
    with store.begin() as conn:
        audit(
            conn,
            at=NOW,
            actor="ops",
            action="resync",
            authority=AUTHORITY,
            scope="authority",
            reason="new mapping",
            run_id=run_id,
        )
    with store.connect() as conn:
        row = conn.execute(select(AuditEntry)).one()
    assert (row.actor, row.action, row.authority, row.scope, row.reason, row.run_id) == (
        "ops",
        "resync",
        AUTHORITY,
        "authority",
        "new mapping",
        run_id,
    )
    assert row.at == NOW


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_a_lease_is_taken_held_against_others_and_taken_over_once_expired(store: Engine) -> None:
    clock = Clock()
    first = StoreLease(store, "authority:test-la", clock=clock, seconds=60)
    second = StoreLease(store, "authority:test-la", clock=clock, seconds=60)
    first.acquire()
    with pytest.raises(LeaseHeld) as held:
        second.acquire()
    assert held.value.holder.owner == first.owner
    clock.now += timedelta(seconds=30)
    first.renew()  # renewed: good for another minute from now
    clock.now += timedelta(seconds=45)
    with pytest.raises(LeaseHeld):
        second.acquire()
    clock.now += timedelta(seconds=16)
    second.acquire()
    with store.begin() as conn, pytest.raises(LeaseLost):
        first.confirm(conn)
    second.release()
    first.acquire()
    first.release()
