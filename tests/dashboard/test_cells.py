"""Cells carry the evidence behind a status word: lateness, scale trajectory, drafts, bookings, deadlines."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dashboard.cells import DOWN, SAME, UP, SourceRecord, build_cell, element_evidence
from mapping.schema import Status
from mapping.status import element_status
from mapping.timeliness import ElementRule
from tests.builders import a_case, evidence

NO_HOLIDAYS: frozenset[date] = frozenset()
TODAY = date(2026, 6, 1)  # a Monday


def status_row(status: str, **fields: object) -> dict[str, object]:
    return {"element": "safety_plan", "status": status, **fields}


def record(
    element: str,
    on: date,
    state: str = "completed",
    scale_value: int | None = None,
    deleted_on: date | None = None,
) -> SourceRecord:
    return SourceRecord(f"{element}-{on}-{state}", element, None, state, on, scale_value, deleted_on)


def test_evidence_after_the_due_date_is_marked_late_by_working_days() -> None:
    # Due Friday 1 May; first evidenced Friday 8 May: Mon-Fri of the next week is 5 working days.
    row = status_row(
        "evidenced", due_on="2026-05-01", first_evidenced_on="2026-05-08", last_evidenced_on="2026-05-08"
    )
    cell = build_cell(row, None, None, TODAY, NO_HOLIDAYS)
    assert cell.late
    assert cell.late_working_days == 5
    assert "late 5 wd" in cell.marks()
    assert "5 working days late" in cell.words()


def test_a_bank_holiday_is_not_a_day_late() -> None:
    # Due Friday 22 May 2026; Monday 25 May is the spring bank holiday; evidenced Tuesday 26 May.
    row = status_row("evidenced", due_on="2026-05-22", first_evidenced_on="2026-05-26")
    assert build_cell(row, None, None, TODAY, NO_HOLIDAYS).late_working_days == 2
    assert build_cell(row, None, None, TODAY, {date(2026, 5, 25)}).late_working_days == 1


def test_evidence_on_or_before_the_due_date_is_not_late() -> None:
    row = status_row("evidenced", due_on="2026-05-08", first_evidenced_on="2026-05-08")
    cell = build_cell(row, None, None, TODAY, NO_HOLIDAYS)
    assert not cell.late
    assert cell.late_working_days is None
    assert not any(m.startswith("late") for m in cell.marks())


def test_the_scale_is_a_trajectory_with_its_latest_value_and_direction() -> None:
    values = [2, 3, 5, 6, 6]
    records = [record("safety_scale", date(2026, 1 + n, 5), scale_value=v) for n, v in enumerate(values)]
    found = element_evidence(records, TODAY)["safety_scale"]
    cell = build_cell(status_row("evidenced", element="safety_scale"), found, None, TODAY, NO_HOLIDAYS)
    assert cell.scale == (2, 3, 5, 6, 6)
    assert cell.scale_value == 6
    assert cell.scale_direction == SAME
    assert "scale 2 → 3 → 5 → 6 → 6" in cell.words()
    assert "6 →" in cell.marks()
    assert cell.as_json()["scale_trajectory"] == values


def test_scale_direction_against_the_judgement_before() -> None:
    def direction(values: list[int]) -> str | None:
        records = [record("safety_scale", date(2026, 2, 1 + n), scale_value=v) for n, v in enumerate(values)]
        found = element_evidence(records, TODAY)["safety_scale"]
        return build_cell(status_row("evidenced"), found, None, TODAY, NO_HOLIDAYS).scale_direction

    assert direction([4, 6]) == UP
    assert direction([6, 3]) == DOWN
    assert direction([5]) is None


def test_cancelled_drafts_deleted_and_future_records_leave_the_trajectory_alone() -> None:
    records = [
        record("safety_scale", date(2026, 3, 1), scale_value=2),
        record("safety_scale", date(2026, 3, 8), "cancelled", scale_value=9),
        record("safety_scale", date(2026, 3, 9), "draft", scale_value=8),
        record("safety_scale", date(2026, 3, 15), scale_value=7, deleted_on=date(2026, 4, 1)),
        record("safety_scale", date(2026, 3, 22), "authorised", scale_value=4),
        record("safety_scale", date(2026, 7, 1), scale_value=10),
    ]
    assert element_evidence(records, TODAY)["safety_scale"].scale == (2, 4)


def test_an_overdue_element_with_a_draft_says_a_draft_is_in_progress() -> None:
    found = element_evidence([record("safety_plan", date(2026, 5, 20), "draft")], TODAY)["safety_plan"]
    cell = build_cell(status_row("overdue", due_on="2026-05-15"), found, None, TODAY, NO_HOLIDAYS)
    assert cell.status is Status.OVERDUE
    assert cell.draft_on == date(2026, 5, 20)
    assert "draft" in cell.marks()
    assert "draft in progress since 20 May 2026" in cell.words()
    assert cell.overdue_working_days == 11


def test_a_draft_older_than_the_last_completed_record_is_not_in_progress() -> None:
    records = [record("mapping", date(2026, 2, 1), "draft"), record("mapping", date(2026, 3, 1))]
    assert element_evidence(records, TODAY)["mapping"].draft_on is None


def test_no_deadline_set_is_never_shown_as_not_yet_due() -> None:
    cell = build_cell(status_row("not_started"), None, None, TODAY, NO_HOLIDAYS)
    assert not cell.deadline_set
    assert cell.as_json()["deadline_set"] is False
    assert "no deadline" in cell.marks()
    assert "no deadline set" in cell.words()
    assert "not yet due" not in cell.words()


def test_a_deadline_set_says_when() -> None:
    cell = build_cell(status_row("not_started", due_on="2026-06-12"), None, None, TODAY, NO_HOLIDAYS)
    assert cell.deadline_set
    assert cell.words() == "not started; due 12 Jun 2026"


def test_a_record_dated_after_today_shows_as_planned() -> None:
    found = element_evidence([record("safety_network", date(2026, 6, 8), "draft")], TODAY)["safety_network"]
    cell = build_cell(status_row("not_started", element="safety_network"), found, None, TODAY, NO_HOLIDAYS)
    assert cell.planned_on == date(2026, 6, 8)
    assert "planned 8 Jun" in cell.marks()
    assert "planned for 8 Jun 2026" in cell.words()


def test_review_date_comes_from_the_rule_and_the_last_evidence() -> None:
    rule = ElementRule(review_every_days=90)
    row = status_row("review_due", first_evidenced_on="2026-01-10", last_evidenced_on="2026-02-01")
    cell = build_cell(row, None, rule, TODAY, NO_HOLIDAYS)
    assert cell.review_due_on == date(2026, 5, 3)
    assert cell.words().startswith("review due since 3 May 2026")


def test_done_at_the_weekend_after_a_friday_deadline_is_not_late() -> None:
    row = status_row("evidenced", due_on="2026-08-07", first_evidenced_on="2026-08-08")
    assert not build_cell(row, None, None, TODAY, NO_HOLIDAYS).late


@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(min_value=1, max_value=400),
    st.lists(st.tuples(st.integers(0, 60), st.none() | st.integers(0, 10)), min_size=1, max_size=6),
)
def test_a_cell_explains_its_status_with_the_status_rule_itself(
    first: date, review_every: int, later: list[tuple[int, int | None]]
) -> None:
    """The review date a cell shows is the first day the status rule says review due, and its
    scale trajectory ends on the scale value the status row holds."""
    rule = ElementRule(review_every_days=review_every)
    records = [
        evidence("safety_plan", first + timedelta(days=days), scale_value=scale, source_id=f"F{n}")
        for n, (days, scale) in enumerate(later)
    ]
    last = max(r.evidenced_on for r in records)
    shown = build_cell(status_row("evidenced", last_evidenced_on=last), None, rule, TODAY, NO_HOLIDAYS)
    assert shown.review_due_on is not None
    before = element_status("safety_plan", a_case(), records, rule, shown.review_due_on - timedelta(days=1))
    on_the_day = element_status("safety_plan", a_case(), records, rule, shown.review_due_on)
    assert (before.status, on_the_day.status) == (Status.EVIDENCED, Status.REVIEW_DUE)
    trajectory = element_evidence(
        [SourceRecord(r.source_id, r.element, None, r.state, r.evidenced_on, r.scale_value) for r in records],
        last,
    )["safety_plan"].scale
    assert (trajectory[-1] if trajectory else None) == on_the_day.latest_scale_value
