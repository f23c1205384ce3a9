"""Whether the daemon is healthy: the store answers, the scheduler runs, every authority syncs in time.

A pure judgement over what the daemon observed, so the rules are tested without a clock or a store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Observed:
    now: datetime
    started_at: datetime
    store_error: str | None
    """None when `SELECT 1` and the run history query worked, else the error's class name."""
    scheduler_alive: bool
    authorities: Iterable[str]
    last_success: Mapping[str, datetime | None]
    unhealthy_after_hours: float


@dataclass(frozen=True)
class Health:
    healthy: bool
    body: dict[str, Any]


def judge(seen: Observed) -> Health:
    """An authority is late when its last success, or the daemon's start if later, is too long ago.

    Counting from the start too means a daemon that was down (or an authority just added) gets the
    whole threshold to catch up, rather than reporting unhealthy from its first second.
    """
    reasons: list[str] = []
    if seen.store_error is not None:
        reasons.append(f"store unreachable ({seen.store_error})")
    if not seen.scheduler_alive:
        reasons.append("scheduler not running")
    threshold = seen.unhealthy_after_hours
    authorities: dict[str, dict[str, Any]] = {}
    for code in sorted(seen.authorities):
        success = seen.last_success.get(code)
        since = max(success, seen.started_at) if success is not None else seen.started_at
        late = seen.store_error is None and _hours(seen.now - since) > threshold
        if late:
            what = f"last success {_hours(seen.now - success):.1f} h ago" if success else "no success yet"
            reasons.append(f"{code}: {what}, over the {threshold:g} h threshold")
        authorities[code] = {
            "last_success_at": success.isoformat() if success else None,
            "hours_since_success": round(_hours(seen.now - success), 3) if success else None,
            "healthy": not late,
        }
    body = {
        "status": "unhealthy" if reasons else "ok",
        "reasons": reasons,
        "store": {"reachable": seen.store_error is None},
        "scheduler": {"running": seen.scheduler_alive},
        "unhealthy_after_hours": threshold,
        "started_at": seen.started_at.isoformat(),
        "authorities": authorities,
    }
    return Health(healthy=not reasons, body=body)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600
