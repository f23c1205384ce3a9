"""A run's staging area: its rows wait apart from the live ones; a later run adopts an unfinished one
whole, and dropping or discarding a run removes every staged row it had, and only its own."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from store.schema.staged import STAGED_STREAMS, STAGED_TABLES
from store.schema.tables import CASES, EVIDENCE
from store.write import staging
from store.write.staging import Stage, StagedQuarantineItem
from tests.builders import a_case, an_audit, an_episode, evidence
from tests.store.conftest import NOW, a_run
from tests.store.orm import SyncRun
from tests.store.publishing import rows_of, stage


def a_full_stage(store: Engine, run_id: int) -> None:
    """A row in every staging table, and a stream state for each of the four streams."""
    stage(
        store,
        run_id,
        [
            a_case(case_ref=f"C{run_id}"),
            evidence("mapping", NOW.date(), source_id=f"F{run_id}"),
            an_audit(source_id=f"A{run_id}", case_ref=f"C{run_id}"),
            an_episode(source_id=f"P{run_id}", case_ref=f"C{run_id}"),
        ],
        quarantine=[StagedQuarantineItem("evidence", "no date", f"hash-{run_id}", f"Q{run_id}")],
        kept={"cases": [f"K{run_id}"]},
        mapped={"evidence": [f"M{run_id}"]},
        positions={"evidence": {"page": run_id}},
    )
    with store.begin() as conn:
        conn.execute(STAGED_STREAMS.update().values(incomplete="a drop still being written"))


A_FULL_STAGE = {table.name: 1 for table in STAGED_TABLES} | {"staged_streams": 4}
NOTHING = dict.fromkeys(A_FULL_STAGE, 0)


def staged_rows(store: Engine, run_id: int) -> dict[str, int]:
    with store.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).where(table.c.run_id == run_id)).scalar_one()
            for table in STAGED_TABLES
        }


def stage_of(store: Engine, run_id: int) -> tuple[str | None, str | None]:
    with store.connect() as conn:
        stage, notes = conn.execute(select(SyncRun.stage, SyncRun.notes).where(SyncRun.id == run_id)).one()
    return stage, notes


def test_staged_rows_reach_no_live_table(store: Engine) -> None:
    a_full_stage(store, a_run(store))
    assert rows_of(store, CASES) == rows_of(store, EVIDENCE) == {}


def test_a_later_run_adopts_every_staged_row_and_asks_again_for_what_went_unread(store: Engine) -> None:
    earlier, later = a_run(store), a_run(store)
    a_full_stage(store, earlier)
    with store.begin() as conn:
        staging.set_stage(conn, earlier, Stage.OPEN)
        assert staging.open_stage(conn, "test-la", later, "incremental") == staging.WaitingStage(
            earlier, "incremental"
        )
        staging.adopt(conn, earlier, later)
        assert staging.load_streams(conn, later)["evidence"].incomplete is None
        assert staging.next_seq(conn, later) == 5
    assert staged_rows(store, later) == A_FULL_STAGE
    assert staged_rows(store, earlier) == NOTHING
    assert stage_of(store, earlier)[0] == Stage.ADOPTED


def test_dropping_a_run_removes_its_rows_from_every_staging_table_and_no_other_runs(store: Engine) -> None:
    dropped, other = a_run(store), a_run(store)
    a_full_stage(store, dropped)
    a_full_stage(store, other)
    assert staged_rows(store, dropped) == A_FULL_STAGE
    with store.begin() as conn:
        staging.drop(conn, dropped)
    assert staged_rows(store, dropped) == NOTHING
    assert staged_rows(store, other) == A_FULL_STAGE


def test_discarding_a_run_drops_its_rows_and_says_why(store: Engine) -> None:
    run_id = a_run(store)
    a_full_stage(store, run_id)
    with store.begin() as conn:
        staging.set_stage(conn, run_id, Stage.REFUSED)
        assert staging.waiting_runs(conn, "test-la", run_id + 1) == [run_id]
        staging.discard(conn, run_id, "discarded by ops")
        assert staging.waiting_runs(conn, "test-la", run_id + 1) == []
    assert staged_rows(store, run_id) == NOTHING
    assert stage_of(store, run_id) == (Stage.DISCARDED, "discarded by ops")
