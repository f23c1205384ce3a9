"""The service's overdue elements week by week, aged in ChAT's bands from the change log and due dates."""

from __future__ import annotations

from datetime import date, timedelta

from dashboard.changes import StatusChange
from dashboard.overdue_weeks import OVERDUE_BANDS, band_of, weekly_bands
from dashboard.trends import CaseSpan
from mapping.schema import Status

MONDAY = date(2026, 11, 2)
ENDINGS = [MONDAY + timedelta(days=7 * n) for n in range(3)]


def calendar_days(start: date, end: date) -> int:
    """A stand-in count that makes each band's edge easy to place: every day is a working day."""
    return max((end - start).days, 0)


def spell(
    ref: str, status: Status, start: date, end: date | None = None, element: str = "mapping"
) -> StatusChange:
    return StatusChange("la", ref, element, status, start, end)


def test_an_overdue_element_moves_up_the_bands_as_its_weeks_pass() -> None:
    due = MONDAY - timedelta(days=3)
    weeks = weekly_bands(
        [
            spell("C1", Status.NOT_STARTED, MONDAY - timedelta(days=30), due + timedelta(days=1)),
            spell("C1", Status.OVERDUE, due + timedelta(days=1)),
        ],
        [CaseSpan("la", "C1", MONDAY - timedelta(days=30))],
        ["mapping"],
        {("la", "C1", "mapping"): due},
        ENDINGS,
        calendar_days,
    )
    assert [w.bands for w in weeks] == [(1, 0, 0), (0, 1, 0), (0, 1, 0)]
    assert [w.age_not_known for w in weeks] == [0, 0, 0]
    assert [w.overdue for w in weeks] == [1, 1, 1]


def test_an_age_the_due_date_cannot_give_is_counted_as_not_known_never_guessed() -> None:
    start = MONDAY - timedelta(days=40)
    changes = [
        spell("NO-DUE", Status.OVERDUE, start),
        spell("DUE-MOVED", Status.OVERDUE, start),
    ]
    due = {("la", "DUE-MOVED", "mapping"): start}
    cases = [CaseSpan("la", ref, start) for ref in ("NO-DUE", "DUE-MOVED")]
    [week] = weekly_bands(changes, cases, ["mapping"], due, ENDINGS[:1], calendar_days)
    assert week.bands == (0, 0, 0)
    assert week.age_not_known == 2


def test_a_week_the_log_does_not_reach_is_unrecorded_and_a_closed_case_counts_only_while_open() -> None:
    first_seen = ENDINGS[1]
    changes = [
        spell("LATE-LOG", Status.OVERDUE, first_seen),
        spell("CLOSED", Status.OVERDUE, MONDAY - timedelta(days=60)),
    ]
    cases = [
        CaseSpan("la", "LATE-LOG", MONDAY - timedelta(days=90)),
        CaseSpan("la", "CLOSED", MONDAY - timedelta(days=90), closed_on=ENDINGS[1]),
    ]
    due = {("la", ref, "mapping"): MONDAY - timedelta(days=70) for ref in ("LATE-LOG", "CLOSED")}
    weeks = weekly_bands(changes, cases, ["mapping"], due, ENDINGS, calendar_days)
    assert [w.recorded for w in weeks] == [1, 1, 1]
    assert [w.overdue for w in weeks] == [1, 1, 1], "the closed case's week, then the other's"
    [before] = weekly_bands(changes, cases[:1], ["mapping"], due, ENDINGS[:1], calendar_days)
    assert before.recorded == 0, "no figure, not a zero"


def test_evidenced_and_other_statuses_are_recorded_but_not_overdue() -> None:
    changes = [
        spell("C1", Status.EVIDENCED, MONDAY - timedelta(days=9)),
        spell("C1", Status.OVERDUE, MONDAY - timedelta(days=9), element="safety_plan"),
    ]
    due = {("la", "C1", "safety_plan"): MONDAY - timedelta(days=40)}
    [week] = weekly_bands(
        changes,
        [CaseSpan("la", "C1", MONDAY - timedelta(days=50))],
        ["mapping", "safety_plan"],
        due,
        ENDINGS[:1],
        calendar_days,
    )
    assert week.recorded == 2
    assert week.bands == (0, 0, 1)


def test_the_bands_meet_at_five_and_twenty_working_days_as_chat_draws_them() -> None:
    assert [band_of(n) for n in (0, 5, 6, 20, 21, 400)] == [0, 0, 1, 1, 2, 2]
    assert [label for label, _, _ in OVERDUE_BANDS] == [
        "within 5 working days",
        "6 to 20 working days",
        "over 20 working days",
    ]
