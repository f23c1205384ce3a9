"""Shortcuts the whiteboard takes at thousands of cells give the answers of the plain rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from config.schedule import Schedule
from dashboard.cells import WorkingDayCount
from mapping.timeliness import england_bank_holidays, working_days_between
from sync.cli.commands.read import _next_run
from sync.daemon.triggers import next_run

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(st.lists(st.tuples(days, days), min_size=1, max_size=40))
def test_working_days_counted_from_neighbours_are_the_days_walked(pairs: list[tuple[date, date]]) -> None:
    calendar = england_bank_holidays()
    count = WorkingDayCount(calendar)
    for start, end in pairs:
        assert count.between(start, end) == working_days_between(start, end, calendar)


@given(
    st.integers(min_value=1, max_value=48 * 3600),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)),
    st.integers(min_value=-3 * 86400, max_value=3 * 86400),
)
def test_status_next_run_is_the_daemons(seconds: int, started: datetime, later: int) -> None:
    schedule = Schedule.model_validate({"interval": {"seconds": seconds}, "timezone": "Europe/London"})
    now = started + timedelta(seconds=later)
    assert _next_run(schedule, started, now) == next_run(schedule, started, now)
    cron = Schedule.model_validate({"cron": "30 6 * * 1-5", "timezone": "Europe/London"})
    assert _next_run(cron, started, now) == next_run(cron, started, now)
