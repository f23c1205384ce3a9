"""The status change log as the read side takes it, and what stood on a given day.

Each row is one spell of one status: from the day it took effect to the day the next one did
(`to_date` None while it is current). Statuses are never guessed for a day the log does not cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mapping.schema import Status

CaseKey = tuple[str, str]
ElementKey = tuple[str, str, str]
"""(authority, case_ref, element)."""


@dataclass(frozen=True)
class StatusChange:
    """One row of `status_changes`: a status one element of one case held from a day."""

    authority: str
    case_ref: str
    element: str
    status: Status
    from_date: date
    to_date: date | None = None
    run_id: int | None = None
    order: int = 0
    """The log's row id: two changes on one day keep the order they were made in."""

    @property
    def key(self) -> ElementKey:
        return (self.authority, self.case_ref, self.element)

    def held_on(self, day: date) -> bool:
        return self.from_date <= day and (self.to_date is None or day < self.to_date)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> StatusChange:
        """From a store row: dates as dates or ISO strings."""
        return cls(
            authority=str(row["authority"]),
            case_ref=str(row["case_ref"]),
            element=str(row["element"]),
            status=Status(row["status"]),
            from_date=_date(row["from_date"]),
            to_date=_date(row["to_date"]) if row.get("to_date") else None,
            run_id=row.get("run_id"),
            order=int(row.get("id") or 0),
        )


def spells(changes: Iterable[StatusChange]) -> dict[ElementKey, list[StatusChange]]:
    """Each case element's spells, oldest first."""
    found: dict[ElementKey, list[StatusChange]] = {}
    for change in changes:
        found.setdefault(change.key, []).append(change)
    for items in found.values():
        items.sort(key=lambda c: (c.from_date, c.order))
    return found


def status_on(history: list[StatusChange], day: date) -> Status | None:
    """The status one element held on `day`, or None when the log does not reach that day."""
    held = [c for c in history if c.held_on(day)]
    return held[-1].status if held else None


def current(history: list[StatusChange]) -> StatusChange | None:
    open_spells = [c for c in history if c.to_date is None]
    return open_spells[-1] if open_spells else (history[-1] if history else None)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
