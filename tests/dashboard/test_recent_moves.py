"""The team page's changed-lately panel: status changes and scale moves in a window, newest first."""

from __future__ import annotations

from datetime import date

from dashboard.changes import StatusChange
from dashboard.recent import BETTER, FIRST, WORSE, recent_moves
from mapping.schema import Status

ON = date(2026, 12, 6)


def spell(element: str, status: Status, start: date, end: date | None = None) -> StatusChange:
    return StatusChange("la", "C1", element, status, start, end)


def judgement(value: int, on: date, state: str = "completed") -> dict[str, object]:
    return {
        "element": "safety_scale",
        "state": state,
        "evidenced_on": on.isoformat(),
        "scale_value": value,
        "source_id": f"S{value}{on}",
        "deleted_on": None,
    }


def test_moves_in_the_window_say_from_what_to_what_and_the_first_as_first_seen() -> None:
    changes = [
        spell("mapping", Status.NOT_STARTED, date(2026, 9, 1), date(2026, 11, 20)),
        spell("mapping", Status.OVERDUE, date(2026, 11, 20), date(2026, 12, 2)),
        spell("mapping", Status.EVIDENCED, date(2026, 12, 2)),
        spell("safety_plan", Status.OVERDUE, date(2026, 12, 1)),
    ]
    records = [
        judgement(4, date(2026, 10, 1)),
        judgement(6, date(2026, 11, 30)),
        judgement(2, date(2026, 12, 5), "draft"),
    ]
    [case] = recent_moves(["C1"], {"C1": changes}, {"C1": records}, ON, days=14)
    said = [(m.element, m.words, m.direction) for m in case.moves]
    assert said == [
        ("mapping", "overdue → evidenced", BETTER),
        ("safety_plan", "first seen by the sync: overdue", FIRST),
        ("safety_scale", "4 → 6", BETTER),
    ]
    assert not case.only_first_sightings
    [week] = recent_moves(["C1"], {"C1": changes}, {"C1": records}, ON, days=7)
    assert [m.words for m in week.moves] == [
        "overdue → evidenced",
        "first seen by the sync: overdue",
        "4 → 6",
    ]
    assert recent_moves(["C1"], {"C1": changes[:1]}, {}, ON, days=7) == []


def test_a_scale_that_falls_is_worse() -> None:
    records = [judgement(6, date(2026, 11, 1)), judgement(3, date(2026, 12, 1))]
    [case] = recent_moves(["C1"], {}, {"C1": records}, ON)
    assert [(m.words, m.direction) for m in case.moves] == [("6 → 3", WORSE)]
