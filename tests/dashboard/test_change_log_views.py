"""What changed since a date, and a team's weeks, read from the status change log alone."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from dashboard.changes import StatusChange, status_on
from dashboard.since import BETTER, NEW, WORSE, changes_since, log_starts, print_since
from dashboard.trends import CaseSpan, week_endings, weekly
from mapping.elements import DEFAULT_ELEMENTS
from mapping.schema import Status

SUPERVISION = date(2026, 11, 2)
ELEMENTS = ("mapping", "safety_plan")


def spell(
    case_ref: str, element: str, status: Status, from_date: date, to_date: date | None = None
) -> StatusChange:
    return StatusChange("la", case_ref, element, status, from_date, to_date, run_id=1)


def whiteboard_row(case_ref: str, team: str = "North") -> dict[str, object]:
    return {"authority": "la", "case_ref": case_ref, "team": team, "case_type": "cp"}


def test_status_on_a_day_comes_from_the_spell_covering_it() -> None:
    history = [
        spell("C1", "mapping", Status.NOT_STARTED, date(2026, 10, 1), date(2026, 10, 10)),
        spell("C1", "mapping", Status.EVIDENCED, date(2026, 10, 10)),
    ]
    assert status_on(history, date(2026, 9, 30)) is None
    assert status_on(history, date(2026, 10, 9)) is Status.NOT_STARTED
    assert status_on(history, date(2026, 10, 10)) is Status.EVIDENCED


def test_since_lists_each_element_that_moved_with_from_and_to() -> None:
    log = [
        spell("C1", "safety_plan", Status.OVERDUE, date(2026, 10, 20), date(2026, 11, 5)),
        spell("C1", "safety_plan", Status.EVIDENCED, date(2026, 11, 5)),
        spell("C1", "mapping", Status.EVIDENCED, date(2026, 9, 1), date(2026, 11, 9)),
        spell("C1", "mapping", Status.REVIEW_DUE, date(2026, 11, 9)),
        spell("C2", "mapping", Status.EVIDENCED, date(2026, 9, 1)),
    ]
    [team] = changes_since(log, SUPERVISION, [whiteboard_row("C1"), whiteboard_row("C2")], ELEMENTS)
    assert (team.team, team.open_cases) == ("North", 2)
    [case] = team.cases
    assert case.case_ref == "C1"
    moved = {c.element: (c.before, c.after, c.on, c.direction) for c in case.changes}
    assert moved == {
        "safety_plan": (Status.OVERDUE, Status.EVIDENCED, date(2026, 11, 5), BETTER),
        "mapping": (Status.EVIDENCED, Status.REVIEW_DUE, date(2026, 11, 9), WORSE),
    }
    # Counted in cases: the one case moved both ways.
    assert team.as_json()["cases_by_direction"] == {"better": 1, "worse": 1, "level": 0, "new": 0}


def test_since_says_a_new_case_in_one_line_and_counts_it_once_with_its_scale_moves() -> None:
    log = [spell("C3", element, Status.NOT_STARTED, date(2026, 11, 20)) for element in ELEMENTS]
    judged = [
        {
            "element": "safety_scale",
            "state": "completed",
            "evidenced_on": day,
            "scale_value": value,
            "source_id": f"S{value}",
            "deleted_on": None,
        }
        for day, value in (("2026-11-21", 3), ("2026-11-28", 5))
    ]
    case = whiteboard_row("C3") | {"opened_on": "2026-11-19"}
    [team] = changes_since(log, SUPERVISION, [case], ELEMENTS, {("la", "C3"): judged}, date(2026, 12, 1))
    assert team.as_json()["cases_by_direction"] == {"better": 1, "worse": 0, "level": 0, "new": 1}
    console = Console(width=80, record=True)
    print_since([team], SUPERVISION, DEFAULT_ELEMENTS, {}, console)
    lines = console.export_text().splitlines()
    assert f"  C3  + new case: {len(ELEMENTS)} elements first seen (20 Nov)" in lines
    assert "      + Safety scale first judged 3 (21 Nov)" in lines
    assert "      ▲ Safety scale 3 → 5 (28 Nov)" in lines
    assert max(len(line) for line in lines) <= 80


def test_a_status_that_moved_and_came_back_is_not_a_change() -> None:
    log = [
        spell("C1", "mapping", Status.IN_PROGRESS, date(2026, 10, 1), date(2026, 11, 3)),
        spell("C1", "mapping", Status.OVERDUE, date(2026, 11, 3), date(2026, 11, 4)),
        spell("C1", "mapping", Status.IN_PROGRESS, date(2026, 11, 4)),
    ]
    [team] = changes_since(log, SUPERVISION, [whiteboard_row("C1")], ELEMENTS)
    assert team.cases == ()


def test_a_case_the_log_did_not_cover_on_the_day_says_so_rather_than_guessing() -> None:
    log = [spell("C9", "mapping", Status.NOT_STARTED, date(2026, 11, 10))]
    [team] = changes_since(log, SUPERVISION, [whiteboard_row("C9")], ELEMENTS)
    [change] = team.cases[0].changes
    assert change.before is None
    assert change.direction == NEW
    assert change.as_json()["from"] is None
    assert log_starts(log) == date(2026, 11, 10)


def test_every_team_is_listed_even_with_nothing_changed() -> None:
    views = changes_since(
        [], SUPERVISION, [whiteboard_row("C1", "North"), whiteboard_row("C2", "South")], ELEMENTS
    )
    assert [(t.team, t.cases) for t in views] == [("North", ()), ("South", ())]


def test_weeks_count_open_cases_by_the_status_held_at_each_week_end() -> None:
    cases = [
        CaseSpan("la", "C1", opened_on=date(2026, 10, 1)),
        CaseSpan("la", "C2", opened_on=date(2026, 10, 5)),
        CaseSpan("la", "C3", opened_on=date(2026, 10, 20), closed_on=date(2026, 11, 20)),
    ]
    log = [
        spell("C1", "mapping", Status.NOT_STARTED, date(2026, 10, 1), date(2026, 10, 15)),
        spell("C1", "mapping", Status.EVIDENCED, date(2026, 10, 15)),
        spell("C2", "mapping", Status.OVERDUE, date(2026, 10, 5), date(2026, 11, 24)),
        spell("C2", "mapping", Status.EVIDENCED, date(2026, 11, 24)),
        spell("C3", "mapping", Status.EVIDENCED, date(2026, 10, 22)),
    ]
    endings = week_endings(date(2026, 11, 29), 8)
    assert endings[0] == date(2026, 10, 11)
    weeks = {w.ending: w for w in weekly(log, cases, ["mapping"], endings)["mapping"]}
    first = weeks[date(2026, 10, 11)]
    assert (first.recorded, first.evidenced, first.overdue) == (2, 0, 1)
    assert first.share_evidenced == 0.0
    assert weeks[date(2026, 10, 18)].days_to_evidence == (14,)
    assert weeks[date(2026, 10, 25)].share_evidenced == 2 / 3
    after_close = weeks[date(2026, 11, 22)]
    assert (after_close.recorded, after_close.evidenced, after_close.overdue) == (2, 1, 1)
    last = weeks[date(2026, 11, 29)]
    assert last.share_evidenced == 1.0
    assert last.median_days_to_evidence == 50.0


def test_a_week_the_log_does_not_reach_has_no_figure_not_a_zero() -> None:
    cases = [CaseSpan("la", "C1", opened_on=date(2026, 1, 5))]
    log = [spell("C1", "mapping", Status.EVIDENCED, date(2026, 11, 20))]
    [early, late] = weekly(log, cases, ["mapping"], [date(2026, 11, 15), date(2026, 11, 22)])["mapping"]
    assert early.recorded == 0
    assert early.share_evidenced is None
    assert early.as_json()["share_evidenced"] is None
    assert late.share_evidenced == 1.0


def test_a_case_opened_after_the_day_is_new_not_changed() -> None:
    log = [spell("C5", "mapping", Status.NOT_STARTED, date(2026, 10, 1), date(2026, 11, 12))]
    log.append(spell("C5", "mapping", Status.EVIDENCED, date(2026, 11, 12)))
    row = whiteboard_row("C5") | {"opened_on": "2026-11-10"}
    [team] = changes_since(log, SUPERVISION, [row], ELEMENTS)
    [change] = team.cases[0].changes
    assert (change.before, change.after, change.direction) == (None, Status.EVIDENCED, NEW)


def test_an_element_evidenced_before_the_log_began_gives_no_days_to_evidence() -> None:
    cases = [
        CaseSpan("la", "C1", opened_on=date(2026, 3, 1)),
        CaseSpan("la", "C2", opened_on=date(2026, 11, 2)),
    ]
    log = [
        spell("C1", "mapping", Status.EVIDENCED, date(2026, 11, 10)),
        spell("C2", "mapping", Status.NOT_STARTED, date(2026, 11, 10), date(2026, 11, 12)),
        spell("C2", "mapping", Status.EVIDENCED, date(2026, 11, 12)),
    ]
    [week] = weekly(log, cases, ["mapping"], [date(2026, 11, 15)])["mapping"]
    assert week.days_to_evidence == (10,)
    assert week.evidenced == 2
