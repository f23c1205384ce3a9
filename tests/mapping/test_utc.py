"""`as_utc`, the one conversion every mapped time, cursor and stored timestamp goes through."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mapping.timeformats import as_utc
from mapping.values import RuleFailure

ZONES = [UTC, ZoneInfo("Europe/London"), ZoneInfo("America/St_Johns"), timezone(timedelta(hours=-5))]


LONDON = ZoneInfo("Europe/London")


@example(datetime(2026, 10, 25, 1, 30), LONDON)  # the repeated hour, first time round
@example(datetime(2026, 10, 25, 1, 30, fold=1), LONDON)  # ... and second
@example(datetime(2026, 3, 29, 1, 30), LONDON)  # the hour the clocks skip
@given(st.builds(datetime.replace, st.datetimes(), fold=st.sampled_from([0, 1])), st.sampled_from(ZONES))
def test_a_naive_time_is_read_in_the_zone_as_datetime_itself_would(moment: datetime, zone: tzinfo) -> None:
    """Whatever the time (clock changes, their gaps and repeated hours included) and the zone."""
    try:
        expected = moment.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        with pytest.raises(RuleFailure, match="is out of range"):
            as_utc(moment, zone)
        return
    converted = as_utc(moment, zone)
    assert (converted, converted.tzinfo, converted.fold) == (expected, UTC, 0)


def test_aware_times_keep_their_instant_and_dates_start_at_midnight_in_the_zone() -> None:
    london = ZoneInfo("Europe/London")
    assert as_utc(datetime(2026, 7, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))), london) == datetime(
        2026, 7, 1, 7, 30, tzinfo=UTC
    )
    assert as_utc(date(2026, 7, 1), london) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert as_utc(datetime(2026, 1, 1, 8, 0)) == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def test_a_time_the_zone_pushes_out_of_range_is_a_rule_failure_naming_it_with_its_offset() -> None:
    with pytest.raises(RuleFailure) as failure:
        as_utc(datetime(1, 1, 1, 0, 30), timezone(timedelta(hours=1)))
    assert str(failure.value) == "'0001-01-01T00:30:00+01:00' is out of range"
