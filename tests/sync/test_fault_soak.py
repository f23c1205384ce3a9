"""Many syncs against a misbehaving API, then one clean: the store equals a fault-free run's.

The API resets connections mid-body, truncates JSON, bursts 500s, storms 429s with Retry-After,
hangs, drips its body a byte at a time, loops its cursor and repeats records within and across
pages (tests/faults.py). Runs end succeeded, partial or failed as the faults fall; whatever they
commit must never lose or duplicate a record, and the first clean run must converge.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import structlog
from sqlalchemy import Engine

from config.authority import Authority
from config.loader import Config, load_config
from config.secrets import resolve_secret
from connectors.rest import RestConnector
from store.schema.engine import make_engine
from store.schema.upgrade import upgrade
from sync.run.runner import Mode, RunOutcome, RunRequest, RunResult, SyncRunner, Trigger
from tests.conftest import run_cli
from tests.connectors.conftest import FakeTime
from tests.faults import FAULTS, FaultPlan, faulty_api, faulty_authority_yaml
from tests.sources import MAPPING_YAML, synthetic
from tests.sync.test_crash_safety import snapshot

pytestmark = pytest.mark.slow

RUNS = 24
FULL_RESYNC_EVERY = 6
TODAY = date(2026, 2, 1)


class TickingTime(FakeTime):
    """Waits are skipped; every look at the clock is 0.2 s on, so a dripping body meets its deadline."""

    def clock(self) -> float:
        self.now += 0.2
        return self.now


def config_for(folder: Path, base_url: str) -> Config:
    (folder / "authorities").mkdir(parents=True)
    (folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///store.db\n")
    (folder / "authorities" / "la.yaml").write_text(faulty_authority_yaml("la", base_url, MAPPING_YAML))
    return load_config(folder / "sofs-sync.yaml")


def sync_once(config: Config, store: Engine, mode: Mode = Mode.INCREMENTAL) -> RunResult:
    time = TickingTime()

    def connector(authority: Authority) -> RestConnector:
        return RestConnector(authority.connector_config, resolve_secret, sleeper=time.sleep, clock=time.clock)

    reason = "soak" if mode is Mode.FULL else None
    request = RunRequest(Trigger.CLI, "soak", mode, reason=reason)
    return SyncRunner(config, store, today=lambda: TODAY, connector_factory=connector).run("la", request)


def store_in(folder: Path) -> Engine:
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(engine)
    return engine


def test_many_syncs_against_a_faulty_api_converge_to_the_fault_free_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases, forms = synthetic(cases=60, forms_per_case=2, seed=11)
    plan = FaultPlan(seed=2026, rate=0.3)
    outcomes: Counter[str] = Counter()
    records_read = 0
    with faulty_api(cases, forms, plan) as base_url:
        config = config_for(tmp_path / "faulty", base_url)
        store = store_in(tmp_path / "faulty")
        for run in range(1, RUNS + 1):
            mode = Mode.FULL if run % FULL_RESYNC_EVERY == 0 else Mode.INCREMENTAL
            result = sync_once(config, store, mode)
            outcomes[result.outcome] += 1
            records_read += result.counts.read
            assert result.counts.deleted == 0, f"run {run} marked records deleted that the source holds"
        plan.enabled = False
        final = sync_once(config, store)
        assert final.outcome is RunOutcome.SUCCEEDED, final.error

        reference_config = config_for(tmp_path / "clean", base_url)
        reference = sync_once(reference_config, store_in(tmp_path / "clean"))
        assert reference.outcome is RunOutcome.SUCCEEDED

    soaked, expected = snapshot(tmp_path / "faulty" / "store.db"), snapshot(tmp_path / "clean" / "store.db")
    lost = {t: len(set(expected[t]) - set(soaked[t])) for t in expected}
    duplicated = {t: len(soaked[t]) - len(set(soaked[t])) for t in soaked}
    assert soaked == expected
    assert sum(lost.values()) == 0
    assert sum(duplicated.values()) == 0
    # Every kind of fault was met, and the faults did end runs early.
    assert set(plan.injected) == set(FAULTS)
    assert outcomes[RunOutcome.SUCCEEDED] < RUNS
    with capsys.disabled():
        figures = {
            "runs": RUNS + 1,
            "outcomes": dict(outcomes),
            "faults_injected": dict(sorted(plan.injected.items())),
            "records_read": records_read + final.counts.read,
            "source_records": len(cases) + len(forms),
            "stored": {t: len(rows) for t, rows in soaked.items()},
            "lost": sum(lost.values()),
            "duplicated": sum(duplicated.values()),
        }
        print(f"\nfault soak: {json.dumps(figures)}")


API_KEY = "soak-api-key-Zq8vW2"


def test_nothing_printed_or_stored_over_faulty_syncs_holds_the_key_or_a_query_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOAK_API_KEY", API_KEY)
    cases, forms = synthetic(cases=20, forms_per_case=2, seed=5)
    plan = FaultPlan(seed=99, rate=0.5)
    folder = tmp_path / "config"
    with faulty_api(cases, forms, plan) as base_url, structlog.testing.capture_logs() as logs:
        config_for(folder, base_url)
        authority = folder / "authorities" / "la.yaml"
        auth = "  auth: {type: api_key, send_in: query, name: api_key, api_key_env: SOAK_API_KEY}\n"
        authority.write_text(authority.read_text().replace("  streams:", auth + "  streams:", 1))
        config = load_config(folder / "sofs-sync.yaml")
        store = store_in(folder)
        results = [sync_once(config, store) for _ in range(len(FAULTS) + 2)]
        printed = [
            run_cli("--config", str(folder / "sofs-sync.yaml"), *command).output
            for command in (["runs", "--json"], ["status"], ["quarantine", "--json"], ["check", "la"])
        ]

    assert any(r.error for r in results), "the faults should have failed some runs"
    with sqlite3.connect(folder / "store.db") as db:
        stored = "\n".join(db.iterdump())
    everything = "\n".join([*printed, stored, repr(logs), capsys.readouterr().out])
    for secret in (API_KEY, "api_key=", "updated_since=", "cursor="):
        assert secret not in everything, f"{secret!r} leaked"
