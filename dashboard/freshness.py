"""How current each authority's data is: its last successful sync against what its schedule allows.

A page made from a store whose syncs stopped still looks current unless it says otherwise, so every
published page carries this per authority, and a page read long after it was made re-judges itself
in the browser from the `due_by` time it carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from config.loader import Config
from config.schedule import Schedule
from mapping.timeformats import as_utc

RUN_ALLOWANCE = timedelta(minutes=30)
"""Time a scheduled sync may take to finish, on top of its misfire grace, before its data counts as late."""


@dataclass(frozen=True)
class Freshness:
    """One authority's data date, and whether a scheduled sync should have succeeded since."""

    authority: str
    name: str
    last_success: datetime | None
    due_by: datetime | None
    """When the next successful sync after `last_success` should have finished; None when unscheduled."""
    scheduled: bool
    stale: bool

    @property
    def state(self) -> str:
        if self.last_success is None:
            return "never"
        if self.stale:
            return "stale"
        return "current" if self.scheduled else "unscheduled"

    def sentence(self) -> str:
        """Plain words, so the state never rests on a colour or a symbol alone."""
        if self.last_success is None:
            return "never synced successfully: no data from this authority is current"
        when = f"last successful sync {when_text(self.last_success)}"
        if not self.scheduled:
            return f"{when}; syncs are not scheduled (authority disabled)"
        assert self.due_by is not None
        if self.stale:
            return f"{when}. Out of date: a sync was due to succeed by {when_text(self.due_by)}"
        return f"{when}; next due by {when_text(self.due_by)}"


def when_text(moment: datetime) -> str:
    """`4 Mar 2026, 09:15 UTC`: one unambiguous form for a wall or a screen reader."""
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def due_by(schedule: Schedule, last_success: datetime) -> datetime:
    """The first fire time after `last_success`, plus its misfire grace and the time a run takes."""
    if schedule.interval is not None:
        fire = last_success + timedelta(seconds=schedule.interval.total_seconds)
    else:
        assert schedule.cron is not None
        trigger = CronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(schedule.timezone))
        next_fire = trigger.get_next_fire_time(None, last_success)
        fire = next_fire if next_fire is not None else last_success
    return fire.astimezone(UTC) + timedelta(seconds=schedule.misfire_grace_seconds) + RUN_ALLOWANCE


def judge(config: Config, last_runs: Mapping[str, Mapping[str, Any]], now: datetime) -> list[Freshness]:
    """Every configured authority, in code order, from the store's `last_runs`."""
    judged = []
    for code, authority in sorted(config.authorities.items()):
        stamp = (last_runs.get(code) or {}).get("last_success_at")
        last = as_utc(datetime.fromisoformat(stamp)) if stamp else None
        scheduled = authority.file.enabled
        schedule = authority.file.schedule or config.settings.file.schedule
        due = due_by(schedule, last) if last is not None and scheduled else None
        judged.append(
            Freshness(
                authority=code,
                name=authority.name,
                last_success=last,
                due_by=due,
                scheduled=scheduled,
                stale=last is None or (due is not None and now > due),
            )
        )
    return judged
