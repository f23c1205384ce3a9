"""The daemon's jobs as plain values, built from the config: one sync per enabled authority, one recompute.

Building them is pure (no scheduler, no threads), so a reloaded config can be checked in full before
anything running is touched, and the choices below can be tested as data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from config.loader import Config
from config.settings import Settings
from sync.daemon.triggers import trigger_for

SYNC_PREFIX = "sync:"
RECOMPUTE_ID = "recompute-statuses"
RECOMPUTE_RETRY_PREFIX = "recompute:"
RECOMPUTE_MISFIRE_GRACE_SECONDS = 3600
"""The daily recompute still runs if the daemon was busy (or the host asleep) for up to an hour."""


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job. `key` says what the schedule is, so a reload reschedules only real changes."""

    id: str
    trigger: BaseTrigger
    misfire_grace_time: int | None
    """None: the run starts however late (APScheduler 3's meaning of None)."""
    key: str
    authority: str | None = None
    run_at_start: bool = False
    """Interval jobs run once right after start: a restart (deploy, crash) must not leave an
    authority's data a whole interval staler. Cron jobs wait for their time, because a cron time is
    usually chosen to keep load off the authority's reporting database in working hours."""


def sync_job_id(code: str) -> str:
    return f"{SYNC_PREFIX}{code}"


def authority_of(job_id: str) -> str | None:
    """The authority a sync or recompute-retry job belongs to, from its id."""
    for prefix in (SYNC_PREFIX, RECOMPUTE_RETRY_PREFIX):
        if job_id.startswith(prefix):
            return job_id[len(prefix) :]
    return None


def sync_job(config: Config, code: str) -> JobSpec:
    schedule = config.schedule_for(code)
    return JobSpec(
        id=sync_job_id(code),
        trigger=trigger_for(schedule),
        # Schedule.misfire_grace_seconds, by default none: a run that waited for a free worker behind
        # many others still starts; coalescing keeps a backlog of fire times to one run.
        misfire_grace_time=schedule.misfire_grace_seconds,
        key=schedule.model_dump_json(),
        authority=code,
        run_at_start=schedule.interval is not None,
    )


def recompute_job(settings: Settings) -> JobSpec:
    """The daily status recompute (its cron and time zone were validated with the settings)."""
    daemon = settings.file.daemon
    trigger = CronTrigger.from_crontab(daemon.status_recompute_cron, timezone=ZoneInfo(daemon.timezone))
    return JobSpec(
        id=RECOMPUTE_ID,
        trigger=trigger,
        misfire_grace_time=RECOMPUTE_MISFIRE_GRACE_SECONDS,
        key=f"{daemon.status_recompute_cron}|{daemon.timezone}",
    )


def plan(config: Config) -> dict[str, JobSpec]:
    """Every job the config asks for, by id; raises ConfigError before anything is scheduled."""
    jobs = {spec.id: spec for spec in (sync_job(config, code) for code in config.enabled_codes())}
    recompute = recompute_job(config.settings)
    jobs[recompute.id] = recompute
    return jobs


@dataclass(frozen=True)
class Changes:
    added: list[str]
    removed: list[str]
    rescheduled: list[str]


def changes(before: Mapping[str, JobSpec], after: Mapping[str, JobSpec]) -> Changes:
    """What moving from one plan to the next does; jobs whose schedule is unchanged keep their timing."""
    return Changes(
        added=sorted(after.keys() - before.keys()),
        removed=sorted(before.keys() - after.keys()),
        rescheduled=sorted(i for i in after.keys() & before.keys() if after[i].key != before[i].key),
    )
