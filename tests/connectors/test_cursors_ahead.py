"""Change times past now: they never become the watermark, which is held at now and the records counted.

A source clock set wrong, or a meeting booked for tomorrow, would otherwise make the watermark skip
every change until then, with no warning.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Batch
from connectors.sql import SqlConnector
from connectors.sql_config import SqlConfig
from tests.connectors.conftest import FakeSecrets, FakeTime
from tests.connectors.rest_builders import read_all, rest_connector
from tests.connectors.scripted_http import Reply, ScriptedServer, SeenRequest

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
INCREMENTAL: dict[str, Any] = {"cursor_field": "updated_at", "param": "modified_since"}


def at_now() -> FakeTime:
    return FakeTime(NOW.timestamp())


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def serve_changed_since(server: ScriptedServer, records: list[dict[str, Any]]) -> None:
    """An API that honours `modified_since`, as a real one does."""

    def changed_since(request: SeenRequest) -> Reply:
        since = request.param("modified_since")
        chosen = [r for r in records if since is None or r["updated_at"] >= since]
        return Reply(json={"items": chosen})

    server.handle("/cases", changed_since)


def test_a_rest_record_15_hours_ahead_holds_the_watermark_at_now_and_is_counted(
    server: ScriptedServer,
) -> None:
    booked = {"id": 2, "updated_at": iso(NOW + timedelta(hours=15))}
    serve_changed_since(server, [{"id": 1, "updated_at": iso(NOW - timedelta(days=1))}, booked])

    (batch,) = read_all(rest_connector(server.url, {"incremental": INCREMENTAL}, time=at_now()))

    assert [r["id"] for r in batch.records] == [1, 2]  # a real record: read and passed on as usual
    assert batch.ahead == 1
    assert batch.position == {"watermark": "2026-01-10T12:00:00+00:00"}


def test_the_next_rest_run_reads_the_record_ahead_again(server: ScriptedServer) -> None:
    booked = {"id": 2, "updated_at": iso(NOW + timedelta(hours=15))}
    serve_changed_since(server, [{"id": 1, "updated_at": iso(NOW - timedelta(days=1))}, booked])
    time = at_now()
    connector = rest_connector(server.url, {"incremental": INCREMENTAL}, time=time)
    (first,) = read_all(connector)
    time.advance(3600)

    (second,) = read_all(connector, position=first.position)

    assert server.seen("/cases")[-1].param("modified_since") == "2026-01-10T12:00:00Z"
    assert [r["id"] for r in second.records] == [2]
    assert second.ahead == 1
    assert second.position == {"watermark": "2026-01-10T13:00:00+00:00"}


def test_a_rest_record_within_the_tolerance_moves_the_watermark(server: ScriptedServer) -> None:
    serve_changed_since(server, [{"id": 1, "updated_at": iso(NOW + timedelta(minutes=59))}])

    (batch,) = read_all(rest_connector(server.url, {"incremental": INCREMENTAL}, time=at_now()))

    assert batch.ahead == 0
    assert batch.position == {"watermark": "2026-01-10T12:59:00+00:00"}


def test_the_rest_tolerance_is_the_streams_ahead_tolerance(server: ScriptedServer) -> None:
    serve_changed_since(server, [{"id": 1, "updated_at": iso(NOW + timedelta(hours=15))}])
    incremental = {**INCREMENTAL, "ahead_tolerance": {"days": 1}}

    (batch,) = read_all(rest_connector(server.url, {"incremental": incremental}, time=at_now()))

    assert batch.ahead == 0
    assert batch.position == {"watermark": "2026-01-11T03:00:00+00:00"}


def test_a_rest_watermark_already_ahead_is_brought_back_to_now(server: ScriptedServer) -> None:
    serve_changed_since(server, [{"id": 1, "updated_at": iso(NOW - timedelta(hours=2))}])
    frozen = {"watermark": "2026-01-11T03:00:00+00:00"}

    (batch,) = read_all(
        rest_connector(server.url, {"incremental": INCREMENTAL}, time=at_now()), position=frozen
    )

    assert server.seen("/cases")[0].param("modified_since") == "2026-01-10T12:00:00Z"
    assert batch.position == {"watermark": "2026-01-10T12:00:00+00:00"}


def test_mid_run_rest_positions_hold_the_newest_cursor_seen_at_now(server: ScriptedServer) -> None:
    pages = [[{"id": 1, "updated_at": iso(NOW + timedelta(hours=15))}], [{"id": 2, "updated_at": iso(NOW)}]]

    def by_page(request: SeenRequest) -> Reply:
        page = int(request.param("page") or 1)
        return Reply(json={"items": pages[page - 1] if page <= len(pages) else []})

    server.handle("/cases", by_page)
    stream = {"incremental": INCREMENTAL, "pagination": {"type": "page_number", "size": 1}}

    batches = read_all(rest_connector(server.url, stream, time=at_now()))

    assert batches[0].position["max_seen"] == "2026-01-10T12:00:00+00:00"
    assert [b.ahead for b in batches] == [1, 0, 0]
    assert batches[-1].position == {"watermark": "2026-01-10T12:00:00+00:00"}


def text_source(path: Path, updated: list[str]) -> str:
    """A SQLite reporting database keeping its change times as text, as SQLite sources do."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE forms (form_id TEXT PRIMARY KEY, updated TEXT)")
        db.executemany("INSERT INTO forms VALUES (?, ?)", [(f"F{n}", u) for n, u in enumerate(updated)])
    return f"sqlite:///{path}"


def sql_connector(url: str, batch_size: int = 10, **stream: Any) -> SqlConnector:
    query = "SELECT form_id, updated FROM forms WHERE updated >= :watermark ORDER BY updated, form_id"
    one = {"query": query, "cursor_field": "updated", **stream}
    config = SqlConfig.model_validate(
        {"url": url, "batch_size": batch_size, "streams": {"cases": one, "evidence": one}}
    )
    return SqlConnector(config, FakeSecrets(), clock=at_now().clock)


def read(connector: SqlConnector, position: dict[str, Any] | None = None) -> list[Batch]:
    with connector:
        return list(connector.read("evidence", position))


def test_a_sql_text_cursor_15_hours_ahead_is_held_at_now_in_the_sources_spelling(tmp_path: Path) -> None:
    url = text_source(tmp_path / "cms.db", ["2026-01-09 10:00:00", "2026-01-11 03:00:00"])

    (batch,) = read(sql_connector(url))

    assert [r["form_id"] for r in batch.records] == ["F0", "F1"]
    assert batch.ahead == 1
    assert batch.position == {"watermark": "2026-01-10 12:00:00", "watermark_type": "str"}


def test_the_next_sql_run_reads_the_row_ahead_again(tmp_path: Path) -> None:
    url = text_source(tmp_path / "cms.db", ["2026-01-09 10:00:00", "2026-01-11 03:00:00"])
    (first,) = read(sql_connector(url))

    (second,) = read(sql_connector(url), first.position)

    assert [r["form_id"] for r in second.records] == ["F1"]
    assert second.ahead == 1


@pytest.mark.parametrize(
    ("cursor", "held"),
    [
        ("2026-01-11T03:00:00Z", "2026-01-10T12:00:00Z"),
        ("2026-01-11 03:00", "2026-01-10 12:00"),
        ("2026-01-12", "2026-01-10"),
    ],
)
def test_now_is_written_as_the_source_writes_its_cursor(tmp_path: Path, cursor: str, held: str) -> None:
    url = text_source(tmp_path / "cms.db", [cursor])

    (batch,) = read(sql_connector(url))

    assert batch.position["watermark"] == held


def test_sql_batches_count_only_their_own_rows_ahead_and_resume_without_a_gap(tmp_path: Path) -> None:
    times = ["2026-01-09 10:00:00", "2026-01-10 11:00:00", "2026-01-11 03:00:00", "2026-01-12 03:00:00"]
    url = text_source(tmp_path / "cms.db", times)

    batches = read(sql_connector(url, batch_size=2))

    assert [b.ahead for b in batches] == [0, 2]
    assert batches[0].position["watermark"] == "2026-01-10 11:00:00"
    resumed = read(sql_connector(url, batch_size=2), {**batches[1].position, "resume": True})
    assert [r["form_id"] for b in resumed for r in b.records] == ["F2", "F3"]


def test_a_sql_row_within_the_tolerance_moves_the_watermark(tmp_path: Path) -> None:
    url = text_source(tmp_path / "cms.db", ["2026-01-11 03:00:00"])

    (batch,) = read(sql_connector(url, ahead_tolerance={"hours": 16}))

    assert batch.ahead == 0
    assert batch.position["watermark"] == "2026-01-11 03:00:00"


def test_a_number_cursor_is_never_judged_ahead(tmp_path: Path) -> None:
    url = text_source(tmp_path / "cms.db", ["99999999999"])

    (batch,) = read(sql_connector(url))

    assert batch.ahead == 0
    assert batch.position["watermark"] == "99999999999"
