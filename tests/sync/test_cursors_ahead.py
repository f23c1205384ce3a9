"""A source change time hours ahead of now: the run holds the watermark at now, counts the record as
ahead and says so, and the next run reads it again, so no change made meanwhile is skipped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from config.authority import Authority
from config.loader import load_config
from config.secrets import resolve_secret
from connectors.base import Connector
from connectors.rest import RestConnector
from connectors.sql import SqlConnector
from store.read import queries
from sync.run.compile import stream_config_hash
from sync.run.reading import spoken
from sync.run.runner import RunOutcome, RunRequest, RunResult, SyncRunner, Trigger
from tests.sources import (
    build_sqlite_source,
    loopback_api,
    rest_authority_yaml,
    sql_authority_yaml,
    synthetic,
)

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
NOTE = (
    "1 evidence record had a change time more than 1 h ahead of now; the watermark was held at now, "
    "so it is read again until then"
)


def a_source_with_a_meeting_booked_15_hours_ahead() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cases, forms = synthetic(cases=3, forms_per_case=1)
    forms[-1]["updated"] = (NOW + timedelta(hours=15)).replace(tzinfo=None).isoformat()
    return cases, forms


def configured(tmp_path: Path, authority_yaml: str) -> Any:
    folder = tmp_path / "config"
    (folder / "authorities").mkdir(parents=True)
    (folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///store.db\n")
    (folder / "authorities" / "la.yaml").write_text(authority_yaml)
    return load_config(folder / "sofs-sync.yaml")


def sync(config: Any, store: Engine, connector: Callable[[Authority], Connector]) -> RunResult:
    runner = SyncRunner(
        config, store, clock=lambda: NOW, today=lambda: date(2026, 1, 10), connector_factory=connector
    )
    return runner.run("la", RunRequest(Trigger.MANUAL, "tester"))


def test_a_rest_record_ahead_holds_the_watermark_at_now_and_the_run_says_so(
    tmp_path: Path, sqlite_store: Engine
) -> None:
    cases, forms = a_source_with_a_meeting_booked_15_hours_ahead()

    def at_now(authority: Authority) -> Connector:
        return RestConnector(authority.connector_config, resolve_secret, clock=NOW.timestamp)

    with loopback_api(cases, forms) as base_url:
        config = configured(tmp_path, rest_authority_yaml("la", base_url))
        first = sync(config, sqlite_store, at_now)
        second = sync(config, sqlite_store, at_now)

    assert first.outcome is RunOutcome.SUCCEEDED
    assert first.counts.ahead == 1
    assert first.counts.adds_up()
    assert first.notes == NOTE
    (latest, earlier) = queries.runs(sqlite_store, "la")
    assert (earlier["ahead_count"], earlier["notes"]) == (1, NOTE)
    position = queries.positions(sqlite_store, "la")["evidence"]["position"]
    assert position == {"watermark": "2026-01-10T12:00:00+00:00"}
    # The next run asks for evidence from now, so the record ahead is read again (and is unchanged);
    # the three cases share the cases stream's watermark, and are read again too.
    assert (second.counts.read, second.counts.unchanged, second.counts.ahead) == (3 + 1, 3 + 1, 1)
    assert latest["notes"] == NOTE


def test_a_sql_row_ahead_holds_the_text_watermark_at_now_and_the_run_says_so(
    tmp_path: Path, sqlite_store: Engine
) -> None:
    cases, forms = a_source_with_a_meeting_booked_15_hours_ahead()
    url = build_sqlite_source(tmp_path / "cms.db", cases, forms)

    def at_now(authority: Authority) -> Connector:
        return SqlConnector(authority.connector_config, resolve_secret, clock=NOW.timestamp)

    config = configured(tmp_path, sql_authority_yaml("la", url))
    first = sync(config, sqlite_store, at_now)
    second = sync(config, sqlite_store, at_now)

    assert first.outcome is RunOutcome.SUCCEEDED
    assert first.counts.ahead == 1
    assert first.counts.adds_up()
    assert first.notes == NOTE
    position = queries.positions(sqlite_store, "la")["evidence"]["position"]
    assert position == {"watermark": "2026-01-10T12:00:00", "watermark_type": "str"}
    assert (second.counts.ahead, second.notes) == (1, NOTE)
    assert (second.counts.read, second.counts.unchanged) == (3 + 1, 3 + 1)  # the cases at their watermark


def test_changing_the_tolerance_keeps_the_streams_position(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cms.db'}"  # absolute: a relative one is taken from each folder
    plain = sql_authority_yaml("la", url)
    forms_cursor = '      cursor_field: updated\n      case_query: "SELECT * FROM forms'
    assert forms_cursor in plain
    tolerant = plain.replace(
        forms_cursor, forms_cursor.replace("updated\n", "updated\n      ahead_tolerance: {days: 2}\n")
    )
    looking_back = plain.replace(
        forms_cursor, forms_cursor.replace("updated\n", "updated\n      lookback: {days: 2}\n")
    )

    def fingerprint(name: str, authority_yaml: str) -> str:
        return stream_config_hash(configured(tmp_path / name, authority_yaml).authority("la"), "evidence")

    plain_print = fingerprint("plain", plain)
    assert fingerprint("tolerant", tolerant) == plain_print
    assert fingerprint("looking-back", looking_back) != plain_print  # it asks the source another question


def test_the_tolerance_is_said_as_a_person_says_it() -> None:
    spans = [
        timedelta(hours=1),
        timedelta(minutes=30),
        timedelta(days=1),
        timedelta(days=2),
        timedelta(seconds=90),
    ]

    assert [spoken(span) for span in spans] == ["1 h", "30 min", "1 day", "2 days", "90 s"]
