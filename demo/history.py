"""The demo's past: a fresh demo store is given the weeks of status history a real one gathers.

A store's status change log starts on its first sync, so a new demo would have nothing for
`dashboard --since` or `trends` to show. On a fresh store the demo therefore syncs each authority as
it would have run twelve weeks ago and then recomputes statuses as the daemon's daily job would:
once a week for the older weeks (to keep the demo quick), then every day for the last four. Statuses
on each recompute come from the records dated by then, so in the last four weeks an element turns
evidenced on the day its evidence is dated and overdue the day after its due date.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from config.loader import Config
from store.read import queries
from sync.run.runner import RunRequest, RunResult, SyncRunner, Trigger

REPLAY_WEEKS = 12
DAILY_WEEKS = 4


def is_fresh(engine: Engine) -> bool:
    """No run has ever been recorded: the store has no history yet."""
    return not queries.runs(engine, limit=1)


def replay_history(config: Config, engine: Engine, today: date, weeks: int = REPLAY_WEEKS) -> list[RunResult]:
    """Sync every enabled authority as of `weeks` weeks before today, then recompute weekly and
    daily up to today; the runs' results, for the demo to report as its sync."""
    start = today - timedelta(weeks=weeks)
    codes = [code for code, authority in sorted(config.authorities.items()) if authority.file.enabled]
    day = start
    runner = SyncRunner(config, engine, today=lambda: day)
    reason = f"demo history: synced as of {start.isoformat()}"
    results = [runner.run(code, RunRequest(Trigger.CLI, "demo", reason=reason)) for code in codes]
    daily_from = today - timedelta(weeks=DAILY_WEEKS)
    while day < today:
        day += timedelta(days=7 if day + timedelta(days=7) <= daily_from else 1)
        for code in codes:
            runner.recompute(code)
    return results
