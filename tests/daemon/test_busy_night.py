"""A night of many authorities: every one that is due starts, however long it waits for a worker."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from sqlalchemy import Engine

from config.loader import load_config
from store.write.lease import utc_now
from sync.daemon.scheduler import Daemon, DaemonOptions
from tests.daemon.conftest import write_config
from tests.sources import sql_authority_yaml

AUTHORITIES = 150
URL = "sqlite:////nonexistent/source.db"  # never opened: the runs below are counted, not synced


class CountingDaemon(Daemon):
    """The daemon's own scheduler, jobs and defaults; each run only notes that it started."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.started: Counter[str] = Counter()
        self.all_started = threading.Event()
        self._lock = threading.Lock()
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def run_sync(self, code: str) -> None:
        with self._lock:
            self.started[code] += 1
            if len(self.started) == AUTHORITIES:
                self.all_started.set()


def test_every_due_authority_starts_once_however_long_it_waits_for_a_worker(
    tmp_path: Path, sqlite_store: Engine
) -> None:
    daily = "\nschedule: {interval: {hours: 24}}\n"
    settings = write_config(
        tmp_path / "config",
        {f"la-{n:03d}": sql_authority_yaml(f"la-{n:03d}", URL) + daily for n in range(AUTHORITIES)},
    )
    config = load_config(settings)
    # Every authority fell due an hour ago and has been queued behind the others since: two workers
    # for 150 runs of about a minute each is such a night.
    an_hour_ago = utc_now() - timedelta(hours=1)
    daemon = CountingDaemon(
        settings, config, sqlite_store, DaemonOptions(workers=2), clock=lambda: an_hour_ago
    )
    missed: list[str] = []
    daemon.scheduler.add_listener(lambda event: missed.append(event.job_id), EVENT_JOB_MISSED)
    daemon.scheduler.start()
    try:
        assert daemon.all_started.wait(timeout=60), f"{len(daemon.started)} of {AUTHORITIES} started"
    finally:
        daemon.scheduler.shutdown(wait=True)
    assert missed == []
    assert sorted(daemon.started) == sorted(config.enabled_codes())
    assert set(daemon.started.values()) == {1}


def test_a_schedule_may_still_set_a_misfire_grace(tmp_path: Path, sqlite_store: Engine) -> None:
    settings = write_config(
        tmp_path / "config",
        {
            "la-a": sql_authority_yaml("la-a", URL)
            + "\nschedule: {interval: {hours: 24}, misfire_grace_seconds: 600}\n"
        },
    )
    an_hour_ago = utc_now() - timedelta(hours=1)
    daemon = CountingDaemon(settings, load_config(settings), sqlite_store, clock=lambda: an_hour_ago)
    missed = threading.Event()

    def on_missed(event: JobEvent) -> None:
        missed.set()

    daemon.scheduler.add_listener(on_missed, EVENT_JOB_MISSED)
    daemon.scheduler.start()
    try:
        assert missed.wait(timeout=60)
    finally:
        daemon.scheduler.shutdown(wait=True)
    assert daemon.started == Counter()
