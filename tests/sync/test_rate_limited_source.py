"""A rate-limited REST source: the run ends `partial` keeping what it committed; the next resumes."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from config.authority import Authority
from config.loader import load_config
from config.secrets import resolve_secret
from connectors.rest import RestConnector
from store.read import queries
from sync.run.runner import RunOutcome, RunRequest, SyncRunner, Trigger
from tests.sources import loopback_api, rest_authority_yaml, synthetic


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_exhausted_retry_budget_ends_partial_and_the_next_run_resumes(
    tmp_path: Path, sqlite_store: Engine
) -> None:
    cases, forms = synthetic(cases=30, forms_per_case=2)
    limited = threading.Event()
    fake = FakeTime()
    pages_served = 0

    with loopback_api(cases, forms, limited) as base_url:
        folder = tmp_path / "config"
        (folder / "authorities").mkdir(parents=True)
        (folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///store.db\n")
        yaml_text = rest_authority_yaml("rest-la", base_url, page_size=10).replace(
            "  timeouts:", "  retry: {budget_seconds: 60, max_attempts: 10}\n  timeouts:"
        )
        (folder / "authorities" / "rest-la.yaml").write_text(yaml_text)
        config = load_config(folder / "sofs-sync.yaml")

        def rate_limited_after_two_pages(authority: Authority) -> RestConnector:
            connector = RestConnector(
                authority.connector_config, resolve_secret, sleeper=fake.sleep, clock=fake.clock
            )
            original = connector.client.session.send

            def send(request: Any, **kwargs: Any) -> Any:
                nonlocal pages_served
                pages_served += 1
                if pages_served > 2:
                    limited.set()
                return original(request, **kwargs)

            connector.client.session.send = send  # type: ignore[method-assign]
            return connector

        runner = SyncRunner(
            config,
            sqlite_store,
            today=lambda: date(2026, 2, 1),
            connector_factory=rate_limited_after_two_pages,
        )
        first = runner.run("rest-la", RunRequest(Trigger.SCHEDULE, "scheduler"))
        assert first.outcome is RunOutcome.PARTIAL
        assert "RetryBudgetExhausted" in (first.error or "")
        assert fake.waits == [30.0, 30.0]
        assert first.counts.read == 20
        assert first.counts.staged + first.counts.quarantined == 20  # waiting, unpublished, for the next run
        assert queries.positions(sqlite_store, "rest-la") == {}

        limited.clear()
        resumed = SyncRunner(config, sqlite_store, today=lambda: date(2026, 2, 1)).run(
            "rest-la", RunRequest(Trigger.SCHEDULE, "scheduler")
        )
        assert resumed.outcome is RunOutcome.SUCCEEDED
        assert "carried on run" in (resumed.notes or "")
        assert resumed.counts.read - resumed.counts.duplicates == len(cases) + len(forms)
        assert resumed.counts.adds_up()
        assert len(queries.whiteboard(sqlite_store)) + len(queries.quarantine(sqlite_store)) >= len(cases) - 1
