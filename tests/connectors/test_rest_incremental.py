"""Incremental reads: the watermark sent, the lookback, and positions that never skip a page."""

from __future__ import annotations

from typing import Any

from tests.connectors.rest_builders import ids_of, numbered, read_all, rest_connector, serve_paged
from tests.connectors.scripted_http import Reply, ScriptedServer

INCREMENTAL: dict[str, Any] = {"cursor_field": "updated_at", "param": "modified_since"}


def paged_incremental(server: ScriptedServer, count: int = 5, **incremental: Any) -> dict[str, Any]:
    stream = serve_paged(server, "page_number", numbered(count), size=2)
    return {**stream, "incremental": {**INCREMENTAL, **incremental}}


def test_a_first_run_without_a_watermark_asks_for_everything(server: ScriptedServer) -> None:
    stream = paged_incremental(server)

    read_all(rest_connector(server.url, stream))

    assert all(r.param("modified_since") is None for r in server.seen("/cases"))


def test_a_first_run_starts_from_the_configured_start(server: ScriptedServer) -> None:
    stream = paged_incremental(server, start="2025-06-01T00:00:00Z")

    read_all(rest_connector(server.url, stream))

    assert server.seen("/cases")[0].param("modified_since") == "2025-06-01T00:00:00Z"


def test_the_watermark_becomes_the_newest_cursor_only_when_the_stream_is_finished(
    server: ScriptedServer,
) -> None:
    stream = paged_incremental(server, count=5)

    batches = read_all(
        rest_connector(server.url, stream), position={"watermark": "2025-12-31T00:00:00+00:00"}
    )

    assert [b.position["watermark"] for b in batches[:-1]] == ["2025-12-31T00:00:00+00:00"] * 2
    assert [b.position["max_seen"] for b in batches[:-1]] == [
        "2026-01-02T10:00:00+00:00",
        "2026-01-04T10:00:00+00:00",
    ]
    assert batches[-1].position == {"watermark": "2026-01-05T10:00:00+00:00"}


def test_the_stored_watermark_less_the_lookback_is_sent_on_every_page_of_a_run(
    server: ScriptedServer,
) -> None:
    stream = paged_incremental(server, lookback={"minutes": 60})

    read_all(rest_connector(server.url, stream), position={"watermark": "2026-01-03T10:00:00+00:00"})

    assert {r.param("modified_since") for r in server.seen("/cases")} == {"2026-01-03T09:00:00Z"}


def test_the_watermark_is_sent_in_the_configured_format(server: ScriptedServer) -> None:
    stream = paged_incremental(server, param_format="%d/%m/%Y %H:%M", lookback={"seconds": 30})

    read_all(rest_connector(server.url, stream), position={"watermark": "2026-01-03T10:00:00+00:00"})

    assert server.seen("/cases")[0].param("modified_since") == "03/01/2026 09:59"


def test_a_resumed_run_asks_the_same_question_and_continues_on_the_saved_page(server: ScriptedServer) -> None:
    stream = paged_incremental(server, count=5, lookback={"minutes": 60})
    connector = rest_connector(server.url, stream)
    first = read_all(connector, position={"watermark": "2026-01-01T00:00:00+00:00"})
    server.requests.clear()

    resumed = read_all(connector, position=first[0].position)

    assert ids_of(resumed) == [3, 4, 5]
    assert [r.param("page") for r in server.seen("/cases")] == ["2", "3"]
    # The lookback was applied once, when the interrupted run began; not again on resuming.
    assert {r.param("modified_since") for r in server.seen("/cases")} == {"2025-12-31T23:00:00Z"}
    assert resumed[-1].position == first[-1].position == {"watermark": "2026-01-05T10:00:00+00:00"}


def test_the_watermark_never_moves_backwards(server: ScriptedServer) -> None:
    stream = paged_incremental(server, count=2)

    batches = read_all(
        rest_connector(server.url, stream), position={"watermark": "2026-02-01T00:00:00+00:00"}
    )

    assert batches[-1].position == {"watermark": "2026-02-01T00:00:00+00:00"}


def test_an_empty_run_keeps_the_watermark(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": []}))
    stream = {"incremental": INCREMENTAL}

    (batch,) = read_all(
        rest_connector(server.url, stream), position={"watermark": "2026-02-01T00:00:00+00:00"}
    )

    assert batch.records == []
    assert batch.position == {"watermark": "2026-02-01T00:00:00+00:00"}


def test_a_record_without_a_readable_cursor_is_rejected_not_silently_dropped(server: ScriptedServer) -> None:
    server.on(
        "/cases",
        Reply(
            json={
                "items": [
                    {"id": 1, "updated_at": "2026-01-01T00:00:00Z"},
                    {"id": 2},
                    {"id": 3, "updated_at": 7},
                ]
            }
        ),
    )

    (batch,) = read_all(rest_connector(server.url, {"incremental": INCREMENTAL}))

    assert [r["id"] for r in batch.records] == [1]
    assert len(batch.rejected) == 2
    assert all(
        r.reason
        == "updated_at (the incremental cursor_field) is missing or not a time in its cursor_format, iso"
        for r in batch.rejected
    )


def test_epoch_cursors_and_nested_cursor_fields_are_read(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1, "meta": {"changed": 1767268800}}]}))
    stream = {"incremental": {**INCREMENTAL, "cursor_field": "meta.changed", "cursor_format": "epoch"}}

    (batch,) = read_all(rest_connector(server.url, stream))

    assert batch.position == {"watermark": "2026-01-01T12:00:00+00:00"}


def test_a_cursor_field_whose_name_holds_a_dot_is_read_as_one_key(server: ScriptedServer) -> None:
    items = [{"id": 1, "meta.changed": "2026-01-03T00:00:00Z", "meta": {"changed": "2026-01-09T00:00:00Z"}}]
    server.on("/cases", Reply(json={"items": items}))
    stream = {"incremental": {**INCREMENTAL, "cursor_field": "meta.changed"}}

    (batch,) = read_all(rest_connector(server.url, stream))

    assert batch.position == {"watermark": "2026-01-03T00:00:00+00:00"}


def test_the_newest_cursor_of_a_page_is_its_latest_time_in_any_order_and_offset(
    server: ScriptedServer,
) -> None:
    items = [
        {"id": 1, "updated_at": "2026-01-05T10:00:00+02:00"},
        {"id": 2, "updated_at": "2026-01-05T09:00:00Z"},
        {"id": 3, "updated_at": "2026-01-04T23:00:00Z"},
    ]
    server.on("/cases", Reply(json={"items": items}))

    (batch,) = read_all(rest_connector(server.url, {"incremental": INCREMENTAL}))

    assert batch.position == {"watermark": "2026-01-05T09:00:00+00:00"}
