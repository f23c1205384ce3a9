"""What changed since a date (the last supervision): per team, the cases whose element statuses moved.

Built from the status change log alone: the status an element held on the day against the one it
holds now. Where the log does not reach back to the day, the change says so ("no status then")
instead of guessing one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.console import Console
from rich.text import Text

from dashboard.changes import StatusChange, current, spells, status_on
from mapping.elements import Element
from mapping.schema import Status
from store.schema.views import NO_TEAM

BETTER, WORSE, NEW, LEVEL = "better", "worse", "new", "level"


@dataclass(frozen=True)
class ElementChange:
    element: str
    before: Status | None
    """What the element held on the day; None where the log has no status for it then."""
    after: Status
    on: date
    """The day the present status took effect."""

    @property
    def direction(self) -> str:
        if self.before is None:
            return NEW
        if self.after.rank == self.before.rank:
            return LEVEL
        return BETTER if self.after.rank > self.before.rank else WORSE

    def as_json(self) -> dict[str, Any]:
        return {
            "element": self.element,
            "from": self.before.value if self.before else None,
            "to": self.after.value,
            "on": self.on.isoformat(),
            "direction": self.direction,
        }


@dataclass(frozen=True)
class CaseChanges:
    authority: str
    case_ref: str
    case_type: str
    changes: tuple[ElementChange, ...]


@dataclass(frozen=True)
class TeamChanges:
    authority: str
    team: str
    open_cases: int
    cases: tuple[CaseChanges, ...]

    def count(self, direction: str) -> int:
        return sum(1 for case in self.cases for change in case.changes if change.direction == direction)

    def as_json(self) -> dict[str, Any]:
        return {
            "authority": self.authority,
            "team": self.team,
            "open_cases": self.open_cases,
            "cases_changed": len(self.cases),
            "elements": {d: self.count(d) for d in (BETTER, WORSE, LEVEL, NEW)},
            "cases": [
                {
                    "case_ref": c.case_ref,
                    "case_type": c.case_type,
                    "changes": [change.as_json() for change in c.changes],
                }
                for c in self.cases
            ],
        }


def changes_since(
    changes: Iterable[StatusChange], since: date, cases: Sequence[Mapping[str, Any]], elements: Sequence[str]
) -> list[TeamChanges]:
    """Per team of `cases` (whiteboard rows), the cases with an element whose status is not the one it
    held on `since`, each with from and to; teams in authority then team order, every team listed."""
    by_key = spells(changes)
    teams: dict[tuple[str, str], list[CaseChanges]] = {}
    open_cases: dict[tuple[str, str], int] = {}
    for case in cases:
        team = (str(case["authority"]), str(case["team"] or NO_TEAM))
        open_cases[team] = open_cases.get(team, 0) + 1
        moved = []
        for element in elements:
            history = by_key.get((team[0], str(case["case_ref"]), element), [])
            now = current(history)
            if now is None or now.from_date <= since:
                continue
            opened = case.get("opened_on")
            # A case opened after the day had no status then, whatever a replayed log says.
            before = None if opened and str(opened)[:10] > since.isoformat() else status_on(history, since)
            if before != now.status:
                moved.append(ElementChange(element, before, now.status, now.from_date))
        found = teams.setdefault(team, [])
        if moved:
            found.append(CaseChanges(team[0], str(case["case_ref"]), str(case["case_type"]), tuple(moved)))
    return [TeamChanges(a, t, open_cases[(a, t)], tuple(teams[(a, t)])) for a, t in sorted(teams)]


def log_starts(changes: Iterable[StatusChange]) -> date | None:
    """The first day the log covers: before it, no change can be shown."""
    return min((c.from_date for c in changes), default=None)


ARROWS = {BETTER: "▲", WORSE: "▼", LEVEL: "=", NEW: "+"}


def print_since(
    teams: Sequence[TeamChanges],
    since: date,
    elements: Sequence[Element],
    labels: Mapping[str, str],
    console: Console | None = None,
) -> None:
    """Per team a line of counts, then each changed case: element, from, to and when."""
    console = console or Console()
    names = {e.key: e.label for e in elements}
    console.print(Text(f"Changes since {since.day} {since:%b %Y}", style="bold"))
    console.print("▲ better  ▼ worse  = level  + no status on that day")
    for team in teams:
        counts = ", ".join(f"{team.count(d)} {d}" for d in (BETTER, WORSE, LEVEL, NEW) if team.count(d))
        console.print(
            Text(f"\n{team.authority} · {team.team}: ", style="bold")
            + Text(
                f"{len(team.cases)} of {team.open_cases} open cases changed"
                + (f" ({counts})" if counts else "")
            )
        )
        for case in team.cases:
            for n, change in enumerate(case.changes):
                before = (
                    labels.get(change.before.value, change.before.value) if change.before else "no status"
                )
                console.print(
                    f"  {case.case_ref if n == 0 else '':<28} {ARROWS[change.direction]} "
                    f"{names.get(change.element, change.element)}: {before} → "
                    f"{labels.get(change.after.value, change.after.value)} "
                    f"({change.on.day} {change.on:%b})",
                    highlight=False,
                )
