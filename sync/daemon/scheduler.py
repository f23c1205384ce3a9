"""The daemon: scheduled syncs of every enabled authority until SIGTERM, a new config on SIGHUP.

APScheduler 3 decides when; the store's lease decides who may write, so a second daemon or a manual
`sofs-sync sync` can never interleave with a scheduled run. Signals are taken synchronously by the
main thread (blocked everywhere, collected with sigwait), so no handler ever runs in the middle of a
lock or a reload.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine, text

from config.authority import Authority
from config.errors import ConfigError
from config.loader import Config, load_config
from connectors.base import Connector
from dashboard.publishing import publish
from dashboard.site import load_site
from dashboard.site_folder import OutOfScope
from store.read import queries
from store.write.lease import LeaseHeld, utc_now
from sync.daemon.endpoint import Endpoint
from sync.daemon.health import Health, Observed, judge
from sync.daemon.jobs import (
    RECOMPUTE_MISFIRE_GRACE_SECONDS,
    RECOMPUTE_RETRY_PREFIX,
    JobSpec,
    authority_of,
    changes,
    plan,
)
from sync.daemon.metrics import DaemonMetrics
from sync.run.runner import RunRequest, SyncRunner, Trigger, build_connector

log = structlog.get_logger("sofs_sync.daemon")

REQUESTED_BY = "scheduler"
HANDLED_SIGNALS = frozenset({signal.SIGHUP, signal.SIGINT, signal.SIGTERM})


@dataclass(frozen=True)
class DaemonOptions:
    stop_timeout_s: float = 30.0
    """After SIGTERM, how long running runs get to commit their current batch and end. Past it the
    process exits anyway: every batch is one transaction, so the store stays consistent and the
    next start resumes from the last committed position."""
    workers: int = 4
    """Runs at once across authorities; a run waiting for a worker starts when one is free, unless its
    schedule sets a misfire grace."""
    recompute_retry_s: float = 300.0
    recompute_attempts: int = 12
    """A recompute that meets a sync holding the lease is retried every five minutes for an hour;
    after that the next daily run catches up (the sync recomputed what it touched meanwhile)."""


class Daemon:
    def __init__(
        self,
        config_path: Path,
        config: Config,
        store: Engine,
        options: DaemonOptions | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        connector_factory: Callable[[Authority], Connector] = build_connector,
    ) -> None:
        self.config_path = config_path
        self.options = options or DaemonOptions()
        self.store = store
        self.clock = clock
        self.connector_factory = connector_factory
        self.stop = threading.Event()
        self.metrics = DaemonMetrics(store)
        self.started_at = clock()
        self.scheduler = BackgroundScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(self.options.workers)}
        )
        self.scheduler.add_listener(
            self._on_scheduler_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR
        )
        self.jobs: dict[str, JobSpec] = {}
        self._publishing = threading.Lock()
        self._published_whole = False
        self._use(config, plan(config))

    # --- the jobs ---------------------------------------------------------------------------------

    def run_sync(self, code: str) -> None:
        """One scheduled run of one authority, recorded in the store and in the metrics."""
        if self.stop.is_set():
            return  # queued before SIGTERM: starting it now would only delay the exit
        runner = self.runner
        started = time.monotonic()
        try:
            result = runner.run(code, RunRequest(Trigger.SCHEDULE, REQUESTED_BY))
        except Exception as exc:  # noqa: BLE001 - the store is away or the authority vanished; try next time
            log.error("scheduled run could not start", authority=code, error_class=type(exc).__name__)
            self.metrics.record_unstarted(code)
            return
        duration = time.monotonic() - started
        self.metrics.record_run(result, duration)
        log.info(
            "scheduled run done",
            run_id=result.run_id,
            authority=code,
            outcome=str(result.outcome),
            duration_s=round(duration, 3),
            error=result.error,
        )
        self.republish(code)

    def republish(self, authority: str | None = None) -> None:
        """Publish the whiteboard site again when the settings name a folder for it: after a run, that
        authority's pages and the index; whole after the daily recompute, at start and after a reload.

        One publish at a time: two runs ending together would otherwise race to swap the site.
        A failure is logged and the previous site stays up, marked stale by its own dates.
        """
        folder = self.config.settings.publish_dir
        if folder is None or self.stop.is_set():
            return
        started = time.monotonic()
        with self._publishing:
            # Pages are taken from the site being replaced only when this process published it whole
            # with the config it has now: another version or catalogue may have drawn them otherwise.
            only = None if authority is None or not self._published_whole else {authority}
            try:
                try:
                    # After one authority's run, that authority's rows alone (and the index's teams).
                    scope = authority if only is not None else None
                    site = load_site(self.store, self.config, now=self.clock(), authority=scope)
                    pages = publish(folder, site, only)
                except OutOfScope:
                    # Another authority's pages are out of date too (synced from the command line since).
                    pages = publish(folder, load_site(self.store, self.config, now=self.clock()), only)
            except Exception as exc:  # noqa: BLE001 - the sync is done; the site waits for the next one
                log.error("whiteboard site not published", error_class=type(exc).__name__)
                return
            self._published_whole = self._published_whole or only is None
        log.info(
            "whiteboard site published",
            pages=pages,
            authorities="all" if only is None else len(only),
            duration_s=round(time.monotonic() - started, 3),
        )

    def recompute_statuses(self, codes: list[str] | None = None, attempt: int = 1) -> None:
        """Recompute every open case's statuses for today; an authority being synced is retried later."""
        enabled = self.config.enabled_codes()
        for code in codes if codes is not None else enabled:
            if self.stop.is_set():
                return
            if code not in enabled:
                continue
            try:
                count = self.runner.recompute(code)
            except LeaseHeld as held:
                log.info(
                    "status recompute postponed: the authority is being synced",
                    authority=code,
                    holder=held.holder.describe(),
                    attempt=attempt,
                )
                self._retry_recompute(code, attempt)
            except Exception as exc:  # noqa: BLE001 - one authority's failure must not stop the others
                log.error(
                    "status recompute failed", authority=code, error_class=type(exc).__name__, attempt=attempt
                )
                self._retry_recompute(code, attempt)
            else:
                log.info("statuses recomputed", authority=code, cases_recomputed=count)
        self.republish()

    def _retry_recompute(self, code: str, attempt: int) -> None:
        if self.stop.is_set():
            return
        if attempt >= self.options.recompute_attempts:
            log.warning("status recompute given up until its next daily run", authority=code, attempt=attempt)
            return
        at = self.clock() + timedelta(seconds=self.options.recompute_retry_s)
        self.scheduler.add_job(
            self.recompute_statuses,
            DateTrigger(run_date=at, timezone=UTC),
            args=[[code], attempt + 1],
            id=f"{RECOMPUTE_RETRY_PREFIX}{code}",
            name=f"{RECOMPUTE_RETRY_PREFIX}{code}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=RECOMPUTE_MISFIRE_GRACE_SECONDS,
        )

    # --- config -----------------------------------------------------------------------------------

    def _use(self, config: Config, jobs: dict[str, JobSpec]) -> None:
        """Swap in a validated config: running jobs finish on the runner they started with."""
        self.config = config
        self._published_whole = False  # pages drawn with the config before are not taken again
        self.runner = SyncRunner(
            config, self.store, clock=self.clock, stop=self.stop, connector_factory=self.connector_factory
        )
        diff = changes(self.jobs, jobs)
        for job_id in diff.removed:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job_id)
        for job_id in diff.added + diff.rescheduled:
            self._schedule(jobs[job_id], first=job_id in diff.added)
        self.jobs = jobs

    def _schedule(self, spec: JobSpec, first: bool) -> None:
        func: Callable[..., None] = self.recompute_statuses if spec.authority is None else self.run_sync
        extra: dict[str, Any] = {}
        if first and spec.run_at_start:
            extra["next_run_time"] = self.clock()
        self.scheduler.add_job(
            func,
            spec.trigger,
            args=[] if spec.authority is None else [spec.authority],
            id=spec.id,
            name=spec.id,
            misfire_grace_time=spec.misfire_grace_time,
            coalesce=True,  # a backlog of missed fire times becomes one run, not a burst
            max_instances=1,  # the lease would refuse a second run anyway; don't even start it
            replace_existing=True,
            **extra,
        )

    def reload(self) -> bool:
        """Validate the config on disk in full; apply it only if every file is good."""
        try:
            config = load_config(self.config_path).require_all_valid()
            jobs = plan(config)
        except ConfigError as exc:
            log.error("config reload rejected; the running config stays", problems=exc.problems)
            self.metrics.reloads.labels("rejected").inc()
            return False
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the running config stays
            log.error("config reload failed; the running config stays", error_class=type(exc).__name__)
            self.metrics.reloads.labels("rejected").inc()
            return False
        if config.settings.file.store != self.config.settings.file.store:
            log.warning("the store setting changed; it takes effect at the next start")
        diff = changes(self.jobs, jobs)
        self._use(config, jobs)
        self.metrics.reloads.labels("applied").inc()
        log.info(
            "config reloaded",
            added=diff.added,
            removed=diff.removed,
            rescheduled=diff.rescheduled,
            jobs=sorted(self.jobs),
        )
        return True

    # --- health -----------------------------------------------------------------------------------

    def health(self) -> Health:
        store_error = None
        last: dict[str, Any] = {}
        try:
            with self.store.connect() as conn:
                conn.execute(text("SELECT 1"))
            last = queries.last_runs(self.store)
        except Exception as exc:  # noqa: BLE001 - reported as unhealthy, by class only
            store_error = type(exc).__name__
        thread = getattr(self.scheduler, "_thread", None)
        successes = {code: row.get("last_success_at") for code, row in last.items()}
        return judge(
            Observed(
                now=self.clock(),
                started_at=self.started_at,
                store_error=store_error,
                scheduler_alive=bool(self.scheduler.running and thread is not None and thread.is_alive()),
                authorities=self.config.enabled_codes(),
                last_success={c: datetime.fromisoformat(s) for c, s in successes.items() if s},
                unhealthy_after_hours=self.config.settings.file.daemon.unhealthy_after_hours,
            )
        )

    def _on_scheduler_event(self, event: JobEvent) -> None:
        code = authority_of(event.job_id) or ""
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.info("scheduled run not started: the previous one is still going", job_id=event.job_id)
            self.metrics.dropped.labels(code, "still_running").inc()
        elif event.code == EVENT_JOB_MISSED:
            log.warning("scheduled run missed by more than its misfire grace", job_id=event.job_id)
            self.metrics.dropped.labels(code, "missed").inc()
        elif event.code == EVENT_JOB_ERROR:
            error = getattr(event, "exception", None)
            log.error("scheduled job raised", job_id=event.job_id, error_class=type(error).__name__)

    # --- running ----------------------------------------------------------------------------------

    def serve(self, endpoint: Endpoint | None = None) -> bool:
        """Run until SIGTERM or SIGINT; True when every run ended within the stop timeout.

        Call from the main thread before any other thread starts: the signals are blocked here so that
        every thread started later inherits the mask and only sigwait below ever receives them.
        """
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED_SIGNALS)
        try:
            self.scheduler.start()
            if endpoint is not None:
                endpoint.start()
            log.info(
                "daemon started",
                jobs=sorted(self.jobs),
                workers=self.options.workers,
                stop_timeout_s=self.options.stop_timeout_s,
            )
            while True:
                received = signal.Signals(signal.sigwait(HANDLED_SIGNALS))
                if received is signal.SIGHUP:
                    log.info("reloading the config", signal=received.name)
                    self.reload()
                    continue
                log.info("stopping: running runs end after their current batch", signal=received.name)
                return self._shutdown(endpoint)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def _shutdown(self, endpoint: Endpoint | None) -> bool:
        started = time.monotonic()
        self.stop.set()
        waiter = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True)
        waiter.start()
        waiter.join(self.options.stop_timeout_s)
        clean = not waiter.is_alive()
        if endpoint is not None:
            endpoint.stop()
        if clean:
            self.store.dispose()
            log.info("stopped", duration_s=round(time.monotonic() - started, 3))
        else:
            log.warning(
                "stop timeout passed with a run still going; exiting anyway, the next start resumes "
                "from its last committed batch",
                duration_s=round(time.monotonic() - started, 3),
            )
        return clean
