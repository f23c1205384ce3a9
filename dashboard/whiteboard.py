"""The whiteboard as every dashboard shows it: the store's two views, the catalogue and one legend.

Read only from the `whiteboard` and `team_summary` views, so a dashboard can never show more than
the read model holds: case references, case types, dates and element states. No worker column is
read at all; the team is the unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from mapping.elements import Element
from store import read
from store.views import NO_TEAM

Row = dict[str, Any]


@dataclass(frozen=True)
class StatusLook:
    """How one status is shown everywhere: a symbol and words, so colour is never the only cue."""

    key: str
    symbol: str
    label: str
    meaning: str
    colour: str
    """A rich style for terminals; the HTML page has its own palette keyed by `key`."""


STATUSES = (
    StatusLook("evidenced", "✓", "Evidenced", "completed evidence is on the record", "green"),
    StatusLook("review_due", "↻", "Review due", "evidenced, but past the review interval", "yellow"),
    StatusLook("in_progress", "◐", "In progress", "a draft, nothing completed yet", "cyan"),
    StatusLook("not_started", "○", "Not started", "nothing on the record, not yet due", "bright_black"),
    StatusLook("overdue", "!", "Overdue", "nothing completed by the due date", "bold red"),
)
STATUS_BY_KEY = {s.key: s for s in STATUSES}

CASE_TYPE_LABELS = {
    "early_help": "Early help",
    "cin": "CIN",
    "cp": "CP",
    "looked_after": "Looked after",
    "care_leaver": "Care leaver",
}


@dataclass(frozen=True)
class TeamGroup:
    """One team's open cases and its counts per element, as the summary and the grid show them."""

    authority: str
    authority_name: str
    team: str
    cases: list[Row]
    counts: Mapping[str, Mapping[str, int]]
    """element -> {"open_cases": n, <status>: n, ...}, from the team_summary view."""

    @property
    def key(self) -> str:
        return f"{self.authority}/{self.team}"

    def evidenced(self, element: str) -> int:
        """Open cases with completed evidence of the element, counting those due a review."""
        counts = self.counts.get(element, {})
        return int(counts.get("evidenced", 0)) + int(counts.get("review_due", 0))


@dataclass(frozen=True)
class Board:
    elements: tuple[Element, ...]
    authorities: Mapping[str, str]
    cases: list[Row]
    teams: list[Row]
    generated_at: datetime

    def groups(self) -> list[TeamGroup]:
        """Teams in authority then team order, each with its cases; teams without open cases too."""
        keys: dict[tuple[str, str], list[Row]] = {}
        for case in self.cases:
            keys.setdefault((case["authority"], case["team"] or NO_TEAM), []).append(case)
        counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        for row in self.teams:
            team = (row["authority"], row["team"] or NO_TEAM)
            keys.setdefault(team, [])
            counts.setdefault(team, {})[row["element"]] = {
                k: int(row.get(k) or 0) for k in ("open_cases", *STATUS_BY_KEY)
            }
        return [
            TeamGroup(code, self.authorities.get(code, code), team, cases, counts.get((code, team), {}))
            for (code, team), cases in sorted(keys.items())
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "statuses": [
                {"key": s.key, "symbol": s.symbol, "label": s.label, "meaning": s.meaning} for s in STATUSES
            ],
            "elements": [e.model_dump() for e in self.elements],
            "authorities": dict(self.authorities),
            "cases": self.cases,
            "teams": self.teams,
        }


def load_board(
    engine: Engine,
    elements: tuple[Element, ...],
    authorities: Mapping[str, str],
    authority: str | None = None,
    team: str | None = None,
    now: datetime | None = None,
) -> Board:
    """The board from the store's views, optionally for one authority or one team."""
    return Board(
        elements=elements,
        authorities=dict(authorities),
        cases=read.whiteboard(engine, authority, team),
        teams=[_plain(r) for r in read.team_summary(engine, authority, team)],
        generated_at=now or datetime.now(UTC),
    )


def _plain(row: Row) -> Row:
    """Counts as ints: SQL SUM comes back as Decimal on PostgreSQL, which JSON does not take."""
    return {k: int(v) if k in ("open_cases", *STATUS_BY_KEY) and v is not None else v for k, v in row.items()}
