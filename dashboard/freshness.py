"""How current each authority's data is: its last successful sync against what its schedule allows.

A page made from a store whose syncs stopped still looks current unless it says otherwise, so every
published page carries this per authority, and a page read long after it was made re-judges itself
in the browser from the `due_by` time it carries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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
QUEUE_ALLOWANCE = timedelta(hours=1)
"""A schedule without a misfire grace starts however late; this is how long its run may wait for a free
worker before its data counts as late (a night of 150 authorities on 4 workers waits about 40 minutes)."""


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
    partial_at: datetime | None = None
    """When the latest run ended partial, if it did: what it read is shown, and something is missing."""
    partial_reason: str | None = None
    """What that run could not read, as the run recorded it (a file, a page), never record content."""
    held_at: datetime | None = None
    """When the latest run ended without publishing (refused by its guards, or stopped mid-read)."""
    held_reason: str | None = None

    @property
    def state(self) -> str:
        if self.last_success is None:
            return "partial" if self.partial_at is not None else "never"
        if self.stale:
            return "stale"
        return "current" if self.scheduled else "unscheduled"

    @property
    def data_at(self) -> datetime | None:
        """What the pages of this authority are as of: its last successful run, or else its partial one."""
        return self.last_success or self.partial_at

    @property
    def symbol(self) -> str:
        """What the eye catches first; the sentence beside it says the same in words."""
        return "\u26a0" if self.state in ("stale", "never", "partial") else "\u2713"

    def late_sentence(self) -> str:
        """What the browser says instead of the sentence once `due_by` has passed unseen by a publish."""
        last = when_text(self.last_success) if self.last_success else None
        due = when_text(self.due_by) if self.due_by else None
        return f"{self.name}: last successful sync {last}. Out of date: a sync was due to succeed by {due}"

    def sentence(self) -> str:
        """Plain words, so the state never rests on a colour or a symbol alone."""
        partial = self._partial_words()
        if self.last_success is None:
            if partial:
                return f"{partial}. No run has yet read everything, so the cases shown may be incomplete"
            return "never synced successfully: no data from this authority is current"
        when = f"last successful sync {when_text(self.last_success)}"
        if partial:
            when = f"{when}; since then {partial[0].lower()}{partial[1:]}"
        if not self.scheduled:
            return f"{when}; syncs are not scheduled (authority disabled)"
        assert self.due_by is not None
        if self.stale:
            return f"{when}. Out of date: a sync was due to succeed by {when_text(self.due_by)}"
        return f"{when}; next due by {when_text(self.due_by)}"

    def _partial_words(self) -> str | None:
        if self.held_at is not None:
            why = f" ({self.held_reason})" if self.held_reason else ""
            return f"Latest sync {when_text(self.held_at)} published nothing{why}: what is shown is older"
        if self.partial_at is None:
            return None
        missing = f" (missing: {self.partial_reason})" if self.partial_reason else ""
        return f"Latest sync {when_text(self.partial_at)} was partial: it kept what it read{missing}"


ENGLAND = ZoneInfo("Europe/London")


def when_text(moment: datetime) -> str:
    """`4 Mar 2026, 09:15 GMT`, `4 Jul 2026, 10:15 BST`: UK local time, named, for a wall or a screen
    reader in an English authority; a time a person reads is never an hour off in summer."""
    moment = as_utc(moment).astimezone(ENGLAND)
    return f"{moment.day} {moment:%b %Y, %H:%M} {moment:%Z}"


def due_by(schedule: Schedule, last_success: datetime) -> datetime:
    """The first fire time after `last_success`, plus its misfire grace (or the wait for a worker) and the
    time a run takes."""
    if schedule.interval is not None:
        fire = last_success + timedelta(seconds=schedule.interval.total_seconds)
    else:
        assert schedule.cron is not None
        trigger = CronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(schedule.timezone))
        next_fire = trigger.get_next_fire_time(None, last_success)
        fire = next_fire if next_fire is not None else last_success
    grace = schedule.misfire_grace_seconds
    waiting = QUEUE_ALLOWANCE if grace is None else timedelta(seconds=grace)
    return fire.astimezone(UTC) + waiting + RUN_ALLOWANCE


def judge(config: Config, last_runs: Mapping[str, Mapping[str, Any]], now: datetime) -> list[Freshness]:
    """Every configured authority, in code order, from the store's `last_runs`."""
    judged = []
    for code, authority in sorted(config.authorities.items()):
        run = last_runs.get(code) or {}
        stamp = run.get("last_success_at")
        last = as_utc(datetime.fromisoformat(stamp)) if stamp else None
        partial_at = held_at = None
        finished = as_utc(datetime.fromisoformat(str(run["finished_at"]))) if run.get("finished_at") else None
        # A staged run that did not publish (refused, or stopped mid-read) changed nothing shown.
        unpublished = run.get("stage") in ("refused", "open", "adopted", "discarded")
        if run.get("outcome") in ("partial", "refused") and unpublished:
            held_at = finished
        elif run.get("outcome") == "partial":
            partial_at = finished
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
                partial_at=partial_at,
                partial_reason=_missing(run.get("error")) if partial_at else None,
                held_at=held_at,
                held_reason=_held(run) if held_at else None,
            )
        )
    return judged


def _missing(error: Any) -> str | None:
    """The part of a partial run's error that says what was not read: `IncompleteRead: X cannot be
    read` -> `X cannot be read`. The error text is the run's own summary, never a record's content."""
    if not error:
        return None
    text = " ".join(str(error).split())
    return text.split(": ", 1)[1] if ": " in text else text


def _held(run: Mapping[str, Any]) -> str:
    """Why the latest run published nothing, in a few words: the full reason is in `runs`."""
    if run.get("outcome") == "refused":
        return "refused by its guards; see `sofs-sync runs`"
    return "stopped before its read ended; the next run carries it on"


SHARED_SCRIPT = "assets/freshness.js"
"""Where a site keeps every authority's freshness, rewritten at each publish: a page is written again
only when what it shows changes, so it loads when its authority last synced from here."""


def shared_script(freshness: Sequence[Freshness]) -> str:
    """The shared freshness file: a script (loaded with `<script src>`, which works from a file as from
    a web server) that `site.js` fills each page's freshness section from."""
    entries = {
        f.authority: {
            "state": f.state,
            "symbol": f.symbol,
            "sentence": f.sentence(),
            "dueBy": f.due_by.isoformat() if f.due_by else "",
            "lateText": f.late_sentence(),
        }
        for f in freshness
    }
    text = json.dumps({"authorities": entries}, ensure_ascii=True, sort_keys=True, indent=1)
    return (
        "// When each authority's data was last synced, as of the site's latest publish; the pages\n"
        "// fill their freshness sections from it and judge lateness again from dueBy.\n"
        f"window.sofsFreshness = {text};\n"
    )
