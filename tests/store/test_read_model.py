"""The read model on both backends: the whiteboard and team summary views over the open cases, and
the history reads the board takes its cells from."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text

from mapping.schema import EvidenceState, Status
from mapping.status import StatusValues
from store.read import history, queries
from store.schema.views import NO_TEAM
from store.write import statuses
from store.write.publish import analyse_staged
from tests.builders import a_case, evidence
from tests.store.conftest import AUTHORITY
from tests.store.publishing import a_published_run

ON = date(2026, 3, 2)
DUE = date(2026, 3, 10)


def a_board(store: Engine) -> None:
    """Three open cases of two teams and none, one closed; evidence of each state, one deleted."""
    cases = [
        a_case(case_ref="C1", team="East"),
        a_case(case_ref="C2", team="East"),
        a_case(case_ref="C3", team=None),
        a_case(case_ref="C4", team="East", closed_on=date(2026, 2, 1)),
    ]
    forms = [
        evidence("safety_plan", date(2026, 2, 3), source_id="F1", case_ref="C1", scale_value=4),
        evidence("safety_plan", date(2026, 2, 9), EvidenceState.DRAFT, source_id="F2", case_ref="C1"),
        evidence("mapping", date(2026, 2, 5), EvidenceState.CANCELLED, source_id="F3", case_ref="C2"),
        evidence("mapping", date(2026, 2, 6), source_id="F4", case_ref="C4"),
    ]
    gone = evidence("mapping", date(2026, 2, 7), source_id="F5", case_ref="C1")
    a_published_run(store, [*cases, *forms, gone])
    a_published_run(store, [cases[0], *forms[:2]], full_read=True, case_ref="C1")
    evidenced: StatusValues = (Status.EVIDENCED, date(2026, 2, 3), date(2026, 2, 3), DUE, 1, 4)
    overdue: StatusValues = (Status.OVERDUE, None, None, date(2026, 2, 20), 0, None)
    waiting: StatusValues = (Status.NOT_STARTED, None, None, DUE, 0, None)
    with store.begin() as conn:
        by_case = {
            "C1": [("safety_plan", evidenced), ("mapping", waiting)],
            "C2": [("safety_plan", overdue), ("mapping", waiting)],
            "C3": [("safety_plan", waiting), ("mapping", waiting)],
            "C4": [("safety_plan", waiting), ("mapping", evidenced)],
        }
        rows = [(ref, el, v[0].value, *v[1:]) for ref, items in by_case.items() for el, v in items]
        statuses.apply_statuses(conn, AUTHORITY, by_case, rows, ON, run_id=1)


def test_the_whiteboard_has_a_row_per_open_case_and_a_column_per_element(store: Engine) -> None:
    a_board(store)
    board = {row["case_ref"]: row for row in queries.whiteboard(store, AUTHORITY)}
    assert {ref: (row["team"], row["safety_plan"], row["mapping"]) for ref, row in board.items()} == {
        "C1": ("East", "evidenced", "not_started"),
        "C2": ("East", "overdue", "not_started"),
        "C3": (None, "not_started", "not_started"),
    }
    assert board["C1"]["danger_statement"] is None, "an element with no status row has none"
    assert [r["case_ref"] for r in queries.whiteboard(store, AUTHORITY, NO_TEAM)] == ["C3"]


def test_the_team_summary_counts_open_cases_by_status(store: Engine) -> None:
    a_board(store)
    summary = {(r["team"], r["element"]): r for r in queries.team_summary(store, AUTHORITY)}
    east = summary[("East", "safety_plan")]
    assert (east["open_cases"], east["evidenced"], east["overdue"], east["not_started"]) == (2, 1, 1, 0)
    assert summary[(NO_TEAM, "mapping")]["not_started"] == 1
    assert set(summary) == {(team, e) for team in ("East", NO_TEAM) for e in ("mapping", "safety_plan")}


def test_the_boards_plain_tuples_are_the_rows_read_through_sqlalchemy(store: Engine) -> None:
    """Fast reads straight from the driver's cursor give what the processed rows give."""
    a_board(store)
    status_keys = ("authority", "case_ref", "element", "status", "due_on")
    status_keys += ("first_evidenced_on", "last_evidenced_on", "evidence_count")
    processed = {tuple(r[k] for k in status_keys) for r in history.open_statuses(store, AUTHORITY)}
    assert set(history.status_tuples(store, AUTHORITY)) == processed
    assert set(history.status_tuples(store, AUTHORITY, case_keys=[(AUTHORITY, "C2")])) == {
        row for row in processed if row[1] == "C2"
    }
    evidence_keys = ("authority", "case_ref", "element", "state", "evidenced_on", "scale_value", "source_id")
    live = {
        tuple(r[k] for k in evidence_keys)
        for r in history.open_evidence(store, AUTHORITY)
        if r["deleted_on"] is None and r["state"] != "cancelled"
    }
    assert set(history.live_evidence_tuples(store, AUTHORITY)) == live
    assert set(history.live_evidence_tuples(store)) == live, "every authority's"
    assert set(history.live_evidence_tuples(store, AUTHORITY, "East")) == live
    assert history.live_evidence_tuples(store, AUTHORITY, NO_TEAM) == []
    assert history.live_evidence_tuples(store, AUTHORITY, case_keys=[(AUTHORITY, "C2")]) == []
    assert set(history.live_evidence_tuples(store, AUTHORITY, case_keys=[(AUTHORITY, "C1")])) == live
    assert {row[-1] for row in live} == {"F1", "F2"}
    assert "F5" in {r["source_id"] for r in history.open_evidence(store, AUTHORITY)}, "deleted, yet read"


def analysed(store: Engine, table: str) -> bool:
    with store.connect() as conn:
        query = text("SELECT reltuples >= 0 FROM pg_class WHERE oid = to_regclass(:name)")
        return bool(conn.execute(query, {"name": table}).scalar_one())


@pytest.mark.postgres
def test_publishing_analyses_the_staged_tables_and_a_fresh_stores_live_ones(postgres_store: Engine) -> None:
    assert not analysed(postgres_store, "evidence")
    with postgres_store.begin() as conn:
        analyse_staged(conn)
    assert analysed(postgres_store, "evidence")
    assert analysed(postgres_store, "staged_evidence")


def test_on_sqlite_publishing_analyses_nothing(sqlite_store: Engine) -> None:
    with sqlite_store.begin() as conn:
        analyse_staged(conn)  # no ANALYZE statement: SQLite's planner needs none for these joins


def test_the_boards_rows_from_one_read_of_the_statuses_are_the_whiteboard_views(store: Engine) -> None:
    """The board works the `whiteboard` view's rows out of the status rows it reads for its cells;
    the two must agree on every open case and column, an authority's own element included."""
    from dashboard.whiteboard import whiteboard_rows

    a_board(store)
    own: StatusValues = (Status.NOT_STARTED, None, None, DUE, 0, None)
    with store.begin() as conn:
        row = ("C2", "family_meeting", own[0].value, *own[1:])
        statuses.apply_statuses(conn, AUTHORITY, ["C2"], [row], ON, run_id=2)
    rows, elements = whiteboard_rows(
        history.open_cases(store, AUTHORITY), history.status_tuples(store, AUTHORITY)
    )
    view = queries.whiteboard(store, AUTHORITY)
    assert [r["case_ref"] for r in rows] == [r["case_ref"] for r in view]
    assert sorted(r["case_ref"] for r in rows) == ["C1", "C2", "C3"]
    for row, from_view in zip(rows, view, strict=True):
        assert {k: row.get(k) for k in elements} == {k: from_view.get(k) for k in elements}
    by_ref = {r["case_ref"]: r for r in rows}
    assert by_ref["C2"]["family_meeting"] == "not_started"
    assert "family_meeting" not in by_ref["C1"], "an added element only where a case has it"
