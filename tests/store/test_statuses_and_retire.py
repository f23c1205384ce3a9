"""Element statuses are written only where they differ, every change of status opens a row of the
change log and closes the one before; retiring an authority deletes its data, staged reads too, and
leaves its runs and audit rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from mapping.schema import Status
from mapping.status import StatusValues
from store.schema.staged import STAGED_CASES
from store.schema.tables import CHANGES, STATUSES, TOUCHED
from store.write import staging, statuses
from store.write.retire import retire_authority
from store.write.staging import Stage
from tests.builders import a_case, evidence
from tests.store.conftest import AUTHORITY, a_run
from tests.store.orm import SyncRun
from tests.store.publishing import a_published_run, stage

DAY1, DAY2, DAY3 = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
NOT_STARTED: StatusValues = (Status.NOT_STARTED, None, None, date(2026, 3, 10), 0, None)
EVIDENCED: StatusValues = (Status.EVIDENCED, DAY2, DAY2, date(2026, 3, 10), 1, 6)


def settle(
    store: Engine, on: date, by_case: dict[str, list[tuple[str, StatusValues]]], run_id: int | None = None
) -> int:
    rows = [(ref, el, values[0].value, *values[1:]) for ref, items in by_case.items() for el, values in items]
    with store.begin() as conn:
        return statuses.apply_statuses(conn, AUTHORITY, by_case, rows, on, run_id)


def change_log(store: Engine) -> list[tuple[Any, ...]]:
    c = CHANGES.c
    with store.connect() as conn:
        query = select(c.case_ref, c.element, c.status, c.from_date, c.to_date).order_by(c.id)
        return [tuple(row) for row in conn.execute(query)]


def test_first_statuses_open_the_change_log_and_forget_the_touched_cases(store: Engine) -> None:
    with store.begin() as conn:
        statuses.touch_cases(conn, AUTHORITY, ["C1", "C1", "C2"])
        assert statuses.touched_case_refs(conn, AUTHORITY) == ["C1", "C2"]
    written = settle(store, DAY1, {"C1": [("mapping", NOT_STARTED)], "C2": [("mapping", NOT_STARTED)]})
    assert written == 2
    assert change_log(store) == [
        ("C1", "mapping", "not_started", DAY1, None),
        ("C2", "mapping", "not_started", DAY1, None),
    ]
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TOUCHED)).scalar_one() == 0


def test_first_statuses_open_the_change_log_in_the_order_of_their_rows(store: Engine) -> None:
    """The first spells are copied set-wise from the status rows, yet take their ids as if each row
    were written in turn: by case (as Python orders text, whatever the database's collation), then
    element in the order given."""
    elements = ["safety_plan", "mapping", "danger_statement"]
    refs = ["C1", "b", "c-2"]
    settle(store, DAY1, {ref: [(el, NOT_STARTED) for el in elements] for ref in refs}, run_id=7)
    assert change_log(store) == [(ref, el, "not_started", DAY1, None) for ref in refs for el in elements]
    with store.connect() as conn:
        assert set(conn.execute(select(CHANGES.c.run_id)).scalars()) == {7}


def test_first_statuses_of_cases_given_out_of_order_open_the_change_log_as_given(store: Engine) -> None:
    settle(store, DAY1, {ref: [("mapping", NOT_STARTED)] for ref in ["C2", "C10", "C1"]})
    assert [row[0] for row in change_log(store)] == ["C2", "C10", "C1"]


def test_first_statuses_whose_cases_list_elements_in_different_orders_keep_each_cases_order(
    store: Engine,
) -> None:
    settle(
        store,
        DAY1,
        {
            "C1": [("mapping", NOT_STARTED), ("safety_plan", EVIDENCED)],
            "C2": [("safety_plan", NOT_STARTED), ("mapping", EVIDENCED)],
        },
    )
    assert change_log(store) == [
        ("C1", "mapping", "not_started", DAY1, None),
        ("C1", "safety_plan", "evidenced", DAY1, None),
        ("C2", "safety_plan", "not_started", DAY1, None),
        ("C2", "mapping", "evidenced", DAY1, None),
    ]


def test_an_unchanged_status_writes_nothing_and_a_changed_one_closes_and_opens_a_spell(store: Engine) -> None:
    settle(store, DAY1, {"C1": [("mapping", NOT_STARTED)]})
    assert settle(store, DAY2, {"C1": [("mapping", NOT_STARTED)]}) == 0
    assert settle(store, DAY3, {"C1": [("mapping", EVIDENCED)]}) == 1
    assert change_log(store) == [
        ("C1", "mapping", "not_started", DAY1, DAY3),
        ("C1", "mapping", "evidenced", DAY3, None),
    ]
    with store.connect() as conn:
        row = conn.execute(select(STATUSES).where(STATUSES.c.case_ref == "C1")).one()
    assert (row.status, row.first_evidenced_on, row.latest_scale_value, row.computed_on) == (
        "evidenced",
        DAY2,
        6,
        DAY3,
    )


def test_new_dates_under_the_same_status_rewrite_the_row_without_a_new_spell(store: Engine) -> None:
    settle(store, DAY1, {"C1": [("mapping", EVIDENCED)]})
    later: StatusValues = (Status.EVIDENCED, DAY2, DAY3, date(2026, 3, 10), 2, 7)
    assert settle(store, DAY3, {"C1": [("mapping", later)]}) == 1
    assert change_log(store) == [("C1", "mapping", "evidenced", DAY1, None)]


def test_a_case_that_went_loses_its_statuses_and_its_spells_end(store: Engine) -> None:
    settle(store, DAY1, {"C1": [("mapping", NOT_STARTED), ("safety_plan", NOT_STARTED)]})
    assert settle(store, DAY2, {"C1": []}) == 2
    assert change_log(store) == [
        ("C1", "mapping", "not_started", DAY1, DAY2),
        ("C1", "safety_plan", "not_started", DAY1, DAY2),
    ]
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(STATUSES)).scalar_one() == 0


def test_retiring_an_authority_deletes_its_data_and_keeps_its_runs(store: Engine) -> None:
    run_id = a_published_run(store, [a_case()])
    settle(store, DAY1, {"C1": [("mapping", NOT_STARTED)]})
    with store.begin() as conn:
        deleted = retire_authority(conn, AUTHORITY)
    assert {name: n for name, n in deleted.items() if n} == {
        "authorities": 1,
        "cases": 1,
        "case_element_status": 1,
        "status_changes": 1,
    }
    with store.connect() as conn:
        assert conn.execute(select(SyncRun.id)).scalars().all() == [run_id]


def test_retiring_an_authority_deletes_the_read_its_refused_run_left_staged(store: Engine) -> None:
    refused = a_run(store)
    stage(
        store,
        refused,
        [a_case(), evidence("mapping", DAY1, source_id="F1")],
        positions={"cases": {"page": 2}},
    )
    with store.begin() as conn:
        staging.set_stage(conn, refused, Stage.REFUSED)
        deleted = retire_authority(conn, AUTHORITY)
    assert {name: n for name, n in deleted.items() if n and name.startswith("staged")} == {
        "staged_cases": 1,
        "staged_evidence": 1,
        "staged_streams": 2,
    }
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(STAGED_CASES)).scalar_one() == 0
        assert (
            conn.execute(select(SyncRun.stage).where(SyncRun.id == refused)).scalar_one() == Stage.DISCARDED
        )
