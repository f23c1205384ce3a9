"""The daemon's Prometheus metrics, in a registry of their own so nothing else leaks into /metrics.

Counters and the duration histogram are recorded from each run's result; the last-success time and
quarantine size are read from the store at scrape time, so they stay true across restarts and
include runs started from the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import Engine

from store.read import queries
from store.write.runs import ACCOUNTED
from sync.run.runner import RunResult

log = structlog.get_logger("sofs_sync.metrics")

RESULTS = (*ACCOUNTED, "deleted")
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400)
"""From a quiet incremental run (seconds) to a full resync of a large authority (hours)."""


class StoreCollector:
    """Gauges read from the store when scraped; absent, not stale, when the store cannot be read."""

    def __init__(self, store: Engine) -> None:
        self.store = store

    def describe(self) -> Iterable[Metric]:
        # Registering must not query the store.
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            last = queries.last_runs(self.store)
            quarantined = queries.quarantine_counts(self.store)
            orphans = queries.orphan_counts(self.store)
        except Exception as exc:  # noqa: BLE001 - a scrape never fails because the store is away
            log.warning("metrics: the store cannot be read", error_class=type(exc).__name__)
            return
        success = GaugeMetricFamily(
            "sofs_sync_last_success_timestamp_seconds",
            "When the authority's latest successful run finished (Unix time).",
            labels=["authority"],
        )
        for code, row in sorted(last.items()):
            if row.get("last_success_at"):
                success.add_metric([code], datetime.fromisoformat(row["last_success_at"]).timestamp())
        quarantine = GaugeMetricFamily(
            "sofs_sync_quarantine_records",
            "Records of the authority in quarantine, not yet resolved.",
            labels=["authority"],
        )
        for code in sorted(set(last) | set(quarantined)):
            quarantine.add_metric([code], quarantined.get(code, 0))
        orphaned = GaugeMetricFamily(
            "sofs_sync_orphaned_evidence_records",
            "Evidence records of the authority naming a case the store does not hold.",
            labels=["authority"],
        )
        for code in sorted(set(last) | set(orphans)):
            orphaned.add_metric([code], orphans.get(code, (0, 0))[0])
        yield success
        yield quarantine
        yield orphaned


class DaemonMetrics:
    def __init__(self, store: Engine | None = None) -> None:
        # `*_created` series double the output and no dashboard here uses them.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "sofs_sync_runs",
            "Scheduled runs by authority and outcome (succeeded, partial, refused, failed, skipped).",
            ["authority", "outcome"],
            registry=self.registry,
        )
        self.records = Counter(
            "sofs_sync_records",
            "Records handled by scheduled runs, by authority and result.",
            ["authority", "result"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "sofs_sync_run_duration_seconds",
            "Wall-clock duration of scheduled runs.",
            ["authority"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.dropped = Counter(
            "sofs_sync_scheduled_runs_dropped",
            "Fire times that started no run: the previous run was still going, or it was missed by "
            "more than the misfire grace.",
            ["authority", "reason"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "sofs_sync_config_reloads",
            "Config reloads on SIGHUP, applied or rejected.",
            ["outcome"],
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        if store is not None:
            self.registry.register(StoreCollector(store))

    def record_run(self, result: RunResult, duration_s: float) -> None:
        self.runs.labels(result.authority, str(result.outcome)).inc()
        for name in RESULTS:
            self.records.labels(result.authority, name).inc(getattr(result.counts, name))
        self.duration.labels(result.authority).observe(duration_s)

    def record_unstarted(self, authority: str) -> None:
        """A run that could not even be recorded (store away): counted as failed."""
        self.runs.labels(authority, "failed").inc()

    def exposition(self) -> bytes:
        return bytes(generate_latest(self.registry))
