"""Killed with SIGKILL at any moment, `sofs-sync sync` resumes to exactly the uninterrupted result.

Each trial runs the real command in a subprocess against a real source (a SQLite reporting
database, or a REST API on loopback), kills it at a random moment, checks that no stored position
is ahead of its data, lets a second run finish, and compares every read-model table with a clean
run's: no lost rows, no duplicate rows.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.sources import (
    build_sqlite_source,
    loopback_api,
    rest_authority_yaml,
    sql_authority_yaml,
    synthetic,
)

pytestmark = pytest.mark.slow

TRIALS = 20
SOFS_SYNC = str(Path(sys.executable).with_name("sofs-sync"))
SNAPSHOT = {
    "cases": "SELECT authority, case_ref, team, worker, case_type, opened_on, closed_on, cp_plan_start, "
    "source_updated_at, content_hash, deleted_on FROM cases",
    "evidence": "SELECT authority, source_id, case_ref, element, kind, state, evidenced_on, scale_value, "
    "source_updated_at, content_hash, deleted_on FROM evidence",
    "case_element_status": "SELECT authority, case_ref, element, status, first_evidenced_on, "
    "last_evidenced_on, due_on, evidence_count, latest_scale_value FROM case_element_status",
    "quarantine": "SELECT authority, stream, source_id, reason, record_hash, resolved_at IS NULL "
    "FROM quarantine",
    "stream_positions": "SELECT authority, stream, position FROM stream_positions",
}


def snapshot(store: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(store) as db:
        return {table: sorted(db.execute(sql).fetchall(), key=repr) for table, sql in SNAPSHOT.items()}


def write_config(folder: Path, authority_yaml: str) -> Path:
    (folder / "authorities").mkdir(parents=True)
    (folder / "authorities" / "la.yaml").write_text(authority_yaml)
    settings = folder / "sofs-sync.yaml"
    settings.write_text("store:\n  url: sqlite:///store.db\n")
    return settings


def sofs_sync(settings: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SOFS_SYNC, "--config", str(settings), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def fresh_store(settings: Path, template: Path) -> Path:
    store = settings.parent / "store.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, store)
    return store


def initialised_template(settings: Path) -> Path:
    assert sofs_sync(settings, "init").returncode == 0
    store = settings.parent / "store.db"
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    template = settings.parent / "template.db"
    shutil.copy(store, template)
    return template


def sync_seconds(settings: Path) -> float:
    """How long the clean run spent syncing, from its run record (process start-up excluded)."""
    with sqlite3.connect(settings.parent / "store.db") as db:
        started, finished = db.execute("SELECT started_at, finished_at FROM sync_runs").fetchone()
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


def wait_for_first_commit(store: Path, process: subprocess.Popen[bytes]) -> None:
    """Kill moments are drawn from the sync itself, not from the interpreter's start-up."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with sqlite3.connect(store) as db:
            if db.execute("SELECT count(*) FROM staged_streams").fetchone()[0]:
                return
        time.sleep(0.01)


def staged_rows(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT count(*) FROM staged_cases").fetchone()[0])


def run_trials(settings: Path, check_positions: bool) -> None:
    template = initialised_template(settings)
    clean = sofs_sync(settings, "sync")
    assert clean.returncode == 0, clean.stderr
    expected = snapshot(settings.parent / "store.db")
    assert expected["evidence"], "the clean run wrote nothing; the trials would prove nothing"

    empty = snapshot(template)
    rnd = random.Random(20261126)
    sync_time = sync_seconds(settings)
    mid_run = 0
    for trial in range(TRIALS):
        store = fresh_store(settings, template)
        process = subprocess.Popen(
            [SOFS_SYNC, "--config", str(settings), "sync"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_first_commit(store, process)
        # Within the first three fifths of a clean run: late enough for several commits, early enough
        # that a loaded machine still kills before the last one.
        time.sleep(rnd.uniform(0, 0.6 * sync_time))
        process.kill()
        process.wait()
        killed = snapshot(store)
        # A run is published whole or not at all: a kill leaves dashboards the store before or after.
        assert killed in (empty, expected), f"trial {trial}: a killed run left part of its read published"
        if killed == empty and staged_rows(store):
            mid_run += 1
        if check_positions:
            assert_positions_not_ahead(store, expected)
        # The finishing run goes through the same command in this process, sparing a start-up.
        finish = run_cli("--config", str(settings), "sync", "--json")
        assert finish.exit_code == 0, f"trial {trial}: {finish.output}"
        # Only the command's own output: the loopback server in this process may report a dropped
        # connection (the killed client's) on stderr at any moment.
        assert json.loads(finish.stdout)[0]["outcome"] == "succeeded", f"trial {trial}: {finish.output}"
        assert snapshot(store) == expected, f"trial {trial} did not converge"
    # Most kills must land after some batches were staged and before publishing, or they tested little.
    assert mid_run >= TRIALS // 2, f"only {mid_run} of {TRIALS} kills landed mid-run"
    print(f"{mid_run} of {TRIALS} kills landed mid-run; every trial converged")


def assert_positions_not_ahead(store: Path, expected: dict[str, list[tuple[object, ...]]]) -> None:
    """Every record the clean run stored with a source time before a stream's watermark is stored here."""
    source_updated_at = 8  # column of the snapshot queries, in cases and evidence alike
    with sqlite3.connect(store) as db:
        positions = dict(db.execute("SELECT stream, position FROM stream_positions").fetchall())
        now = snapshot(store)
    for stream, raw in positions.items():
        mark = json.loads(raw).get("watermark")
        if mark is None:
            continue
        have = {row[1] for row in now[stream]}
        for row in expected[stream]:
            if str(row[source_updated_at])[:19].replace(" ", "T") < str(mark)[:19].replace(" ", "T"):
                assert row[1] in have, f"{stream} position {mark} is ahead of record {row[1]}"


def test_sql_sync_killed_at_random_converges_to_the_clean_result(tmp_path: Path) -> None:
    cases, forms = synthetic(cases=120, forms_per_case=4)
    url = build_sqlite_source(tmp_path / "source.db", cases, forms)
    settings = write_config(tmp_path / "config", sql_authority_yaml("sql-la", url, batch_size=15))
    run_trials(settings, check_positions=True)


def test_rest_sync_killed_at_random_converges_to_the_clean_result(tmp_path: Path) -> None:
    cases, forms = synthetic(cases=120, forms_per_case=4)
    with loopback_api(cases, forms) as base_url:
        settings = write_config(tmp_path / "config", rest_authority_yaml("rest-la", base_url, page_size=15))
        run_trials(settings, check_positions=False)
