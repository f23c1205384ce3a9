"""A REST page larger than a batch, stored a batch at a time: a run stopped inside the page publishes
nothing, and the next reads the page again from its start, counting what it had staged twice as
duplicates, and publishes exactly what one uninterrupted run does."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, text

from connectors.rest import RECORDS_PER_BATCH
from tests.sources import loopback_api, rest_authority_yaml, synthetic
from tests.sync.test_staged_runs import Authority, adds_up

CASES = RECORDS_PER_BATCH + 200


def test_a_run_stopped_inside_a_page_is_carried_on_by_reading_the_page_again(tmp_path: Path) -> None:
    cases, forms = synthetic(cases=CASES, forms_per_case=0)
    with loopback_api(cases, forms) as url:
        authority = rest_authority_yaml("la", url, page_size=CASES)
        la = Authority(tmp_path / "stopped", f"sqlite:///{tmp_path / 'stopped.db'}", authority)
        whole = Authority(tmp_path / "whole", f"sqlite:///{tmp_path / 'whole.db'}", authority)
        la.settings.write_text("store:\n  url: sqlite:///unused.db\nmax_run_minutes: 0.000001\n")

        first = la.cli("sync", "--json")
        [stopped] = json.loads(first.stdout)
        assert stopped["outcome"] == "partial", first.output
        assert stopped["counts"]["read"] == RECORDS_PER_BATCH  # the page's first batch, staged
        assert la.cells()["cases"] == []

        la.settings.write_text("store:\n  url: sqlite:///unused.db\n")
        second = la.cli("sync", "--json")
        assert second.exit_code == 0, second.output
        assert whole.cli("sync").exit_code == 0

    [run] = json.loads(second.stdout)
    assert "carried on run" in run["notes"]
    assert run["counts"]["read"] == RECORDS_PER_BATCH + CASES
    # What the stopped run had staged is met again: its quarantined records are quarantined again.
    assert run["counts"]["duplicates"] == RECORDS_PER_BATCH - stopped["counts"]["quarantined"]
    assert adds_up(la.run_row())
    for table in ("cases", "case_element_status", "quarantine", "whiteboard"):
        assert said(la.store_url, table) == said(whole.store_url, table), table


WRITTEN = {"id", "run_id", "last_seen_run", "synced_at", "updated_at", "first_seen_at", "last_seen_at"}
"""Columns saying when and by which run a row was written: they differ between two stores."""


def said(store_url: str, table: str) -> list[tuple[object, ...]]:
    """What a table says, in a stable order, without when or by which run each row was written."""
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            result = conn.execute(text(f"SELECT * FROM {table}"))  # nosec B608  # our table names
            kept = [n for n, name in enumerate(result.keys()) if name not in WRITTEN]
            return sorted((tuple(row[n] for n in kept) for row in result), key=repr)
    finally:
        engine.dispose()
