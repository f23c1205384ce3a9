"""The daemon's metrics: recorded from run results, and read from the store at scrape time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine

from store.write.runs import Counts
from sync.daemon.metrics import DaemonMetrics
from sync.run.runner import RunOutcome, RunRequest, RunResult, SyncRunner, Trigger
from tests.sync.memory import MemoryConnector, a_case_record, a_form, memory_config


def samples(metrics: DaemonMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_a_recorded_run_counts_its_outcome_records_by_result_and_duration() -> None:
    metrics = DaemonMetrics()
    counts = Counts(read=10, written=6, unchanged=1, quarantined=2, not_evidence=1, deleted=0)
    metrics.record_run(RunResult(7, "a-la", RunOutcome.PARTIAL, counts, "Stopped: ..."), duration_s=42.0)
    metrics.record_run(
        RunResult(8, "a-la", RunOutcome.SUCCEEDED, Counts(read=1, written=1), None), duration_s=2.0
    )
    seen = samples(metrics)
    la = (("authority", "a-la"),)
    assert seen[("sofs_sync_runs_total", (*la, ("outcome", "partial")))] == 1
    assert seen[("sofs_sync_runs_total", (*la, ("outcome", "succeeded")))] == 1
    assert seen[("sofs_sync_records_total", (*la, ("result", "written")))] == 7
    assert seen[("sofs_sync_records_total", (*la, ("result", "quarantined")))] == 2
    assert seen[("sofs_sync_records_total", (*la, ("result", "deleted")))] == 0
    assert seen[("sofs_sync_run_duration_seconds_count", la)] == 2
    assert seen[("sofs_sync_run_duration_seconds_sum", la)] == 44.0
    assert seen[("sofs_sync_run_duration_seconds_bucket", (*la, ("le", "5.0")))] == 1


def test_last_success_and_quarantine_size_are_read_from_the_store(
    tmp_path: Path, sqlite_store: Engine
) -> None:
    config = memory_config(tmp_path / "config")
    source = MemoryConnector(
        data={
            "cases": [a_case_record("C1"), a_case_record("C2", type="??")],
            "evidence": [a_form("F1", "C1", "Mapping")],
        }
    )
    before = datetime.now(UTC).timestamp()
    SyncRunner(config, sqlite_store, connector_factory=lambda _a: source).run(
        "mem-la", RunRequest(Trigger.CLI, "tester")
    )
    seen = samples(DaemonMetrics(sqlite_store))
    la = (("authority", "mem-la"),)
    assert seen[("sofs_sync_quarantine_records", la)] == 1
    assert before <= seen[("sofs_sync_last_success_timestamp_seconds", la)] <= datetime.now(UTC).timestamp()


def test_a_scrape_without_the_store_leaves_out_the_store_gauges_and_still_answers(tmp_path: Path) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'missing' / 'store.db'}")
    seen = samples(DaemonMetrics(unreachable))
    assert not [
        name for name, _ in seen if name.startswith(("sofs_sync_last_success", "sofs_sync_quarantine"))
    ]
    assert any(name == "process_cpu_seconds_total" for name, _ in seen)
