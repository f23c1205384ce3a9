"""Per-authority timeliness rules: when an element falls due and how often it needs review.

Pure date arithmetic, like APScheduler's triggers: the date is always passed in, never read.
There is no national deadline for Signs of Safety practice, so every rule is the LA's own.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Container
from datetime import date, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from mapping.schema import CaseType


class DatedCase(Protocol):
    """What a due date is worked out from: a `Case`, or a stored case's row."""

    @property
    def case_type(self) -> CaseType: ...
    @property
    def opened_on(self) -> date: ...
    @property
    def cp_plan_start(self) -> date | None: ...


class Anchor(StrEnum):
    """The case date a due date counts from."""

    OPENED = "opened"
    CP_PLAN_START = "cp_plan_start"

    def of(self, case: DatedCase) -> date | None:
        return case.opened_on if self is Anchor.OPENED else case.cp_plan_start


class Due(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    days: int = Field(ge=0, le=3650)
    working: bool = False
    after: Anchor = Anchor.OPENED


class ElementRule(BaseModel):
    """`due` N (working) days after an anchor; `review_every_days` after the last evidence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    due: Due | None = None
    review_every_days: int | None = Field(default=None, ge=1, le=3650)
    case_types: frozenset[CaseType] | None = Field(
        default=None, description="Only cases of these types get a due date; None means every type."
    )


TimelinessRules = dict[str, ElementRule]

HolidayCalendar = Container[date]


@cache
def england_bank_holidays() -> HolidayCalendar:
    """England's bank holidays for any year asked about (the `holidays` package expands lazily).

    Imported here, not at module load: validating a config needs the rules, not the calendar."""
    import holidays

    calendar: HolidayCalendar = holidays.country_holidays("GB", subdiv="ENG")
    return calendar


def add_working_days(start: date, days: int, bank_holidays: HolidayCalendar) -> date:
    """The date `days` working days after `start`: weekends and bank holidays do not count."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in bank_holidays:
            remaining -= 1
    return current


@lru_cache(maxsize=65536)
def _add_english_working_days(start: date, days: int) -> date:
    # Every case of a team opened on the same day shares due dates: worth remembering.
    return add_working_days(start, days, england_bank_holidays())


def due_date(
    rule: ElementRule,
    case: DatedCase,
    bank_holidays: Callable[[], HolidayCalendar] = england_bank_holidays,
) -> date | None:
    """When the element is due for this case, or None when the LA set no deadline that applies."""
    if rule.due is None or (rule.case_types is not None and case.case_type not in rule.case_types):
        return None
    anchor = rule.due.after.of(case)
    if anchor is None:
        return None
    if rule.due.working:
        if bank_holidays is england_bank_holidays:
            return _add_english_working_days(anchor, rule.due.days)
        return add_working_days(anchor, rule.due.days, bank_holidays())
    return anchor + timedelta(days=rule.due.days)


def working_days_between(start: date, end: date, bank_holidays: HolidayCalendar) -> int:
    """Working days after `start` up to and including `end`: how late something done on `end` was
    against a due date of `start` (0 when `end` is not after `start`)."""
    if bank_holidays is england_bank_holidays():
        return _english_working_days_between(start, end)
    return _count_working_days(start, end, bank_holidays)


@lru_cache(maxsize=65536)
def _english_working_days_between(start: date, end: date) -> int:
    # A whiteboard asks this of every overdue cell against the same today, from a few hundred
    # distinct due dates: worth remembering rather than walking the calendar per cell.
    return _count_working_days(start, end, england_bank_holidays())


def _count_working_days(start: date, end: date, bank_holidays: HolidayCalendar) -> int:
    days = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in bank_holidays:
            days += 1
    return days


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on (back, when negative), or that month's last day
    where it is shorter: 29 Feb + 12 months is 28 Feb, 31 Aug + 1 month is 30 Sep."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_months(start: date, end: date) -> int:
    """Complete calendar months from `start` to `end` (never rounded up)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if add_months(start, months) > end else months
