"""Many cells at once: working days counted from a shared walk of the calendar, and each distinct set
of facts built into a cell once, however many cases share it. What a board of thousands of cases
needs; one cell alone is `dashboard.cells.build_cell`.
"""

from __future__ import annotations

from bisect import bisect, insort
from collections.abc import Mapping
from datetime import date
from typing import Any

from dashboard.cells import CURRENT_MONTHS, Cell, ElementEvidence, Summary, as_date, build_cell
from mapping.timeliness import ElementRule, HolidayCalendar, england_bank_holidays, working_days_between


class WorkingDayCount:
    """Fast twin of mapping.timeliness.working_days_between; held equal by
    tests/dashboard/test_cell_inputs.py.

    `working_days_between` for many pairs of dates: each date's count of working days since the
    first date asked about, each found by walking from its nearest known neighbour, so a board of
    thousands of late and overdue cells walks its calendar about once instead of once per cell.
    The count from `start` to `end` is the difference of their counts, as working days add up."""

    def __init__(self, calendar: HolidayCalendar) -> None:
        self.calendar = calendar
        self._dates: list[date] = []
        self._counts: dict[date, int] = {}

    def between(self, start: date, end: date) -> int:
        return self._count(end) - self._count(start) if end > start else 0

    def _count(self, day: date) -> int:
        found = self._counts.get(day)
        if found is not None:
            return found
        at = bisect(self._dates, day)
        if at > 0:
            before = self._dates[at - 1]
            found = self._counts[before] + working_days_between(before, day, self.calendar)
        elif self._dates:
            after = self._dates[0]
            found = self._counts[after] - working_days_between(day, after, self.calendar)
        else:
            found = 0
        insort(self._dates, day)
        self._counts[day] = found
        return found


StatusTuple = tuple[Any, ...]
"""A status row as `store.history.status_tuples` reads it: authority, case reference, element,
status, due, first and last evidenced dates (ISO text) and evidence count."""


class CellBook:
    """Fast twin of dashboard.cells.build_cell per row; held equal by tests/dashboard/test_cell_inputs.py.

    Cells built once per distinct set of facts, and handed out again for every cell that shares
    them: at thousands of open cases most cells repeat another's status, dates and evidence, and
    building one (working days, review date) costs more than looking it up."""

    def __init__(
        self,
        rules: Mapping[str, Mapping[str, ElementRule]],
        on: date,
        current_months: Mapping[str, int] | None = None,
    ) -> None:
        self.rules = rules
        self.on = on
        self.current_months = current_months or {}
        self.calendar = england_bank_holidays()
        self.working_days = WorkingDayCount(self.calendar)
        self._built: dict[tuple[Any, ...], Cell] = {}

    def cell(self, row: StatusTuple, evidence: Summary | None) -> Cell:
        """The cell of a status row with its element's live evidence summarised (or None)."""
        key = (row[0], row[2:], evidence)  # all but the case reference
        found = self._built.get(key)
        if found is None:
            authority, _, element, status, due_on, first, last, count = row
            scale, draft_on, planned_on = evidence or ((), None, None)
            facts = {
                "element": element,
                "status": status,
                "due_on": due_on,
                "first_evidenced_on": first,
                "last_evidenced_on": last,
                "evidence_count": count,
            }
            found = build_cell(
                facts,
                ElementEvidence(scale, as_date(draft_on), as_date(planned_on)),
                self.rules.get(authority, {}).get(element),
                self.on,
                self.calendar,
                self.working_days.between,
                self.current_months.get(authority, CURRENT_MONTHS),
            )
            self._built[key] = found
        return found
