"""Shortcuts the whiteboard takes at thousands of cells give the answers of the plain rules."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dashboard.cell_book import WorkingDayCount
from mapping.timeliness import england_bank_holidays, working_days_between

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(st.lists(st.tuples(days, days), min_size=1, max_size=40))
def test_working_days_counted_from_neighbours_are_the_days_walked(pairs: list[tuple[date, date]]) -> None:
    calendar = england_bank_holidays()
    count = WorkingDayCount(calendar)
    for start, end in pairs:
        assert count.between(start, end) == working_days_between(start, end, calendar)
