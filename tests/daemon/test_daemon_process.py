"""`sofs-sync run` as a supervisor runs it: a subprocess against a real SQLite reporting database.

Scheduled runs are recorded, the endpoint answers, SIGTERM mid-run leaves committed data consistent
and exits 0 within the stop timeout, and SIGHUP applies a good config and refuses a broken one.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path

from store.write.runs import Counts
from tests.daemon.conftest import DaemonProcess, eventually, query, runs, write_config
from tests.sources import build_sqlite_source, sql_authority_yaml, synthetic

StartDaemon = Callable[..., DaemonProcess]
STOP_TIMEOUT_S = 10


def every_second(authority_yaml: str) -> str:
    return authority_yaml + "\nschedule: {interval: {seconds: 1}}\n"


def small_source(tmp_path: Path) -> str:
    cases, forms = synthetic(cases=30, forms_per_case=2)
    return build_sqlite_source(tmp_path / "source.db", cases, forms)


def test_scheduled_runs_are_recorded_health_and_metrics_answer_and_sigint_stops_cleanly(
    tmp_path: Path, start_daemon: StartDaemon
) -> None:
    url = small_source(tmp_path)
    settings = write_config(tmp_path / "config", {"sql-la": every_second(sql_authority_yaml("sql-la", url))})
    daemon = start_daemon(settings)
    store = settings.parent / "store.db"

    done = eventually(
        lambda: [r for r in runs(store) if r["outcome"] == "succeeded"][1:],
        timeout=15,
        what="two scheduled runs succeed",
    )
    assert {(r["trigger"], r["requested_by"], r["mode"]) for r in done} == {
        ("schedule", "scheduler", "incremental")
    }

    status, body = daemon.get("/healthz")
    health = json.loads(body)
    assert status == 200, health
    assert health["status"] == "ok"
    assert health["authorities"]["sql-la"]["healthy"] is True
    assert health["store"] == {"reachable": True}
    assert health["scheduler"] == {"running": True}

    status, body = daemon.get("/metrics")
    metrics = body.decode()
    assert status == 200
    for series in (
        'sofs_sync_runs_total{authority="sql-la",outcome="succeeded"}',
        'sofs_sync_records_total{authority="sql-la",result="written"}',
        'sofs_sync_records_total{authority="sql-la",result="quarantined"}',
        'sofs_sync_run_duration_seconds_count{authority="sql-la"}',
        'sofs_sync_last_success_timestamp_seconds{authority="sql-la"}',
        'sofs_sync_quarantine_records{authority="sql-la"}',
    ):
        assert series in metrics
    assert daemon.get("/elsewhere")[0] == 404

    daemon.send(signal.SIGINT)
    assert daemon.wait_exit(timeout=STOP_TIMEOUT_S + 5) == 0
    assert daemon.events()[-1]["event"] == "stopped"


def test_sigterm_mid_run_ends_after_a_committed_batch_and_exits_zero_within_the_stop_timeout(
    tmp_path: Path, start_daemon: StartDaemon
) -> None:
    cases, forms = synthetic(cases=3000, forms_per_case=1)
    url = build_sqlite_source(tmp_path / "source.db", cases, forms)
    hourly = sql_authority_yaml("slow-la", url, batch_size=10) + "\nschedule: {interval: {hours: 1}}\n"
    settings = write_config(tmp_path / "config", {"slow-la": hourly})
    store = settings.parent / "store.db"
    daemon = start_daemon(settings, "--stop-timeout", str(STOP_TIMEOUT_S))

    eventually(
        lambda: [r for r in runs(store) if r["outcome"] == "running" and r["read_count"] > 0],
        timeout=15,
        what="the run at start commits its first batch",
    )
    asked = time.monotonic()
    daemon.send(signal.SIGTERM)
    code = daemon.wait_exit(timeout=STOP_TIMEOUT_S + 5)
    took = time.monotonic() - asked
    assert code == 0
    assert took < STOP_TIMEOUT_S, f"exit took {took:.2f}s"

    [run] = runs(store)
    assert run["outcome"] == "partial"
    assert run["error"].startswith("Stopped")
    assert 0 < run["read_count"] < len(cases), "the stop did not land mid-run"
    assert Counts.of_columns(run).adds_up()
    assert query(store, "SELECT * FROM leases") == []

    # Cases come first and the stop landed there: nothing was published, every case read waits in
    # the run's staging area or its staged quarantine, and the staged position is never ahead of it.
    assert query(store, "SELECT * FROM cases") == []
    assert query(store, "SELECT * FROM stream_positions") == []
    positions = {p["stream"]: json.loads(p["position"]) for p in query(store, "SELECT * FROM staged_streams")}
    assert set(positions) == {"cases"}
    have = {r["case_ref"] for r in query(store, "SELECT case_ref FROM staged_cases")}
    have |= {
        r["source_id"] for r in query(store, "SELECT source_id FROM staged_quarantine WHERE stream = 'cases'")
    }
    assert len(have) == run["read_count"]
    behind_mark = {c["id"] for c in cases if c["updated"] < positions["cases"]["watermark"]}
    assert behind_mark <= have
    assert behind_mark, "the position never moved"


def test_sighup_refuses_a_broken_config_keeping_the_old_one_and_applies_a_valid_one(
    tmp_path: Path, start_daemon: StartDaemon
) -> None:
    url = small_source(tmp_path)
    folder = tmp_path / "config"
    settings = write_config(folder, {"sql-la": every_second(sql_authority_yaml("sql-la", url))})
    store = settings.parent / "store.db"
    daemon = start_daemon(settings)
    eventually(lambda: runs(store, "sql-la"), timeout=15, what="a first run of sql-la")

    broken = every_second(sql_authority_yaml("other-la", url)).replace(
        "  type: sql\n", "  type: sql\n  password: hunter2-inline\n"
    )
    (folder / "authorities" / "other-la.yaml").write_text(broken)
    daemon.send(signal.SIGHUP)
    rejected = daemon.wait_for("config reload rejected; the running config stays")
    assert any("other-la.yaml: connector.password" in p for p in rejected["problems"]), rejected
    last_before = runs(store)[-1]["id"]
    eventually(
        lambda: [r for r in runs(store, "sql-la") if r["id"] > last_before],
        timeout=15,
        what="sql-la keeps running on the old config",
    )
    assert runs(store, "other-la") == []

    (folder / "authorities" / "other-la.yaml").write_text(every_second(sql_authority_yaml("other-la", url)))
    disabled = every_second(sql_authority_yaml("sql-la", url)) + "enabled: false\n"
    (folder / "authorities" / "sql-la.yaml").write_text(disabled)
    daemon.send(signal.SIGHUP)
    applied = daemon.wait_for("config reloaded")
    assert (applied["added"], applied["removed"]) == (["sync:other-la"], ["sync:sql-la"])
    eventually(lambda: runs(store, "other-la"), timeout=15, what="the added authority runs")

    daemon.send(signal.SIGTERM)
    assert daemon.wait_exit(timeout=STOP_TIMEOUT_S + 5) == 0
    assert "hunter2-inline" not in daemon.log_text()
