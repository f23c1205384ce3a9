"""The demo's past: a fresh demo store is given the weeks of status history a real one gathers.

A store's status change log starts on its first sync, so a new demo would have nothing for
`dashboard --since` or `trends` to show. On a fresh store the demo therefore syncs each authority as
it would have run some weeks ago and then recomputes statuses day by day, as the daemon's daily job
does, up to today. Statuses on each day come from the records dated by then, so elements turn
evidenced on the day their evidence is dated and overdue the day after their due date.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from config.loader import Config
from store import read
from sync.run.runner import RunRequest, SyncRunner, Trigger

REPLAY_WEEKS = 12


def replay_history(config: Config, engine: Engine, today: date, weeks: int = REPLAY_WEEKS) -> date | None:
    """On a store that has never run, sync every enabled authority as of `weeks` weeks before today
    and recompute each day since, today included; returns the first day, or None if not fresh."""
    if read.runs(engine, limit=1):
        return None
    start = today - timedelta(weeks=weeks)
    codes = [code for code, authority in sorted(config.authorities.items()) if authority.file.enabled]
    day = start
    runner = SyncRunner(config, engine, today=lambda: day)
    for code in codes:
        runner.run(code, RunRequest(Trigger.CLI, "demo (history from " + start.isoformat() + ")"))
    while day < today:
        day += timedelta(days=1)
        for code in codes:
            runner.recompute(code)
    return start
