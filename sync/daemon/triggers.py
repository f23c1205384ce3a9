"""From an authority's schedule to an APScheduler trigger, and when it next fires."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from config.schedule import Schedule

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger


def trigger_for(schedule: Schedule) -> BaseTrigger:
    # Imported here: `status` asks `next_run` of every authority, and after a run on an interval
    # that needs no scheduler at all.
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    zone = ZoneInfo(schedule.timezone)
    if schedule.cron is not None:
        return CronTrigger.from_crontab(schedule.cron, timezone=zone)
    assert schedule.interval is not None
    return IntervalTrigger(seconds=schedule.interval.total_seconds, timezone=zone)


def next_run(schedule: Schedule, last_started: datetime | None, now: datetime) -> datetime:
    """When a daemon following `schedule` would next sync, given the last run's start."""
    if schedule.interval is not None and last_started is not None:
        due = last_started + timedelta(seconds=schedule.interval.total_seconds)
        return max(due, now)
    fire: datetime | None = trigger_for(schedule).get_next_fire_time(None, now)
    assert fire is not None
    return fire
