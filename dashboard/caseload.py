"""Which open cases a board shows: by legal status, by an element's status, or one worker's caseload.

A filtered board counts its team summary from the cases it shows, so the numbers always describe
the rows on the page, never the whole team behind them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mapping.schema import Status
from store.schema.views import NO_TEAM

Row = dict[str, Any]

LEGAL_STATUSES = {"CIN": "cin", "CP": "cp", "LAC": "looked_after"}
"""The names managers use for a case's legal status, and the case types the store holds."""


@dataclass(frozen=True)
class CaseFilter:
    """What a manager narrowed the board to; an empty filter shows every open case."""

    legal_status: str | None = None
    """CIN, CP or LAC."""
    element: str | None = None
    status: Status | None = None
    """With `element`, that element's status; without, any element's."""
    case_refs: frozenset[tuple[str, str]] | None = None
    """(authority, case_ref) pairs of one worker's caseload."""

    @property
    def narrows(self) -> bool:
        return any(v is not None for v in (self.legal_status, self.element, self.status, self.case_refs))

    def keeps(self, case: Mapping[str, Any], elements: Sequence[str]) -> bool:
        if self.legal_status and case["case_type"] != LEGAL_STATUSES[self.legal_status]:
            return False
        if self.case_refs is not None and (case["authority"], case["case_ref"]) not in self.case_refs:
            return False
        if self.status is not None:
            looked_at = [self.element] if self.element else elements
            return any(case.get(e) == self.status.value for e in looked_at)
        return True


NO_STATUSES = {s.value: 0 for s in Status}


def team_counts(cases: Iterable[Mapping[str, Any]], elements: Sequence[str]) -> list[Row]:
    """Rows shaped like the `team_summary` view, counted from these cases' statuses."""
    counts: dict[tuple[str, str, str], Row] = {}
    for case in cases:
        team = case["team"] or NO_TEAM
        for element in elements:
            status = case.get(element)
            if status is None:
                continue
            key = (case["authority"], team, element)
            row = counts.get(key)
            if row is None:
                row = counts[key] = {"authority": key[0], "team": team, "element": element, "open_cases": 0}
                row.update(NO_STATUSES)
            row["open_cases"] += 1
            row[str(status)] += 1
    return [counts[key] for key in sorted(counts)]


EVIDENCED_NOW = frozenset({Status.EVIDENCED, Status.REVIEW_DUE})
"""Statuses with completed evidence on the record: review due is evidence past its interval."""


def recent_counts(
    cases: Iterable[Mapping[str, Any]], statuses: Iterable[Sequence[Any]], last_at: int, since: str
) -> dict[tuple[str, str, str], int]:
    """Per (authority, team, element), these cases with the element evidenced (or review due) whose
    latest completed record is dated on or after `since` (ISO): current practice, counted beside ever.

    `statuses` are status tuples (authority, case reference, element, status, ...) with the last
    evidenced date as ISO text at `last_at`. Counted for every case, not only those whose cells a
    capped board builds."""
    teams = {(c["authority"], c["case_ref"]): c["team"] or NO_TEAM for c in cases}
    found: dict[tuple[str, str, str], int] = {}
    for row in statuses:
        team = teams.get((row[0], row[1]))
        last = row[last_at]
        if team is not None and row[3] in EVIDENCED_NOW and last and str(last)[:10] >= since:
            key = (row[0], team, row[2])
            found[key] = found.get(key, 0) + 1
    return found
