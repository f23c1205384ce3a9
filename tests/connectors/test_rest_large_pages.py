"""A page larger than a batch goes to the engine in several batches, decoded a batch at a time; every
batch but the page's last carries the position from before the page, so a run stopped inside the page
reads it again from its start and nothing on it is skipped."""

from __future__ import annotations

from typing import Any

from connectors.base import Record
from connectors.rest import RECORDS_PER_BATCH
from tests.connectors.rest_builders import ids_of, read_all, rest_connector, serve_paged
from tests.connectors.scripted_http import Reply, ScriptedServer

PAGE = 2 * RECORDS_PER_BATCH + 500
INCREMENTAL: dict[str, Any] = {"cursor_field": "updated_at", "param": "modified_since"}
WATERMARK = "2025-12-31T00:00:00+00:00"


def changed(n: int) -> str:
    """Record n's change time: one record a second from midnight, so a page's newest is its last's."""
    return f"2026-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"


def one_a_second(count: int) -> list[Record]:
    return [{"id": n, "updated_at": changed(n) + "Z"} for n in range(count)]


def large_pages(server: ScriptedServer, count: int) -> dict[str, Any]:
    stream = serve_paged(server, "page_number", one_a_second(count), size=PAGE)
    return {**stream, "incremental": INCREMENTAL}


def test_a_page_larger_than_a_batch_is_handed_on_in_batches_holding_the_position_before_it(
    server: ScriptedServer,
) -> None:
    stream = large_pages(server, PAGE + 7)

    batches = read_all(rest_connector(server.url, stream), position={"watermark": WATERMARK})

    assert [len(b.records) for b in batches] == [RECORDS_PER_BATCH, RECORDS_PER_BATCH, 500, 7]
    before_first_page = {"watermark": WATERMARK, "since": WATERMARK, "max_seen": None, "page": {"page": 1}}
    assert [b.position for b in batches[:2]] == [before_first_page, before_first_page]
    assert batches[2].position["page"] == {"page": 2}
    assert batches[2].position["max_seen"] == changed(PAGE - 1) + "+00:00"
    assert batches[3].position == {"watermark": changed(PAGE + 6) + "+00:00"}
    assert ids_of(batches) == list(range(PAGE + 7))


def test_a_run_stopped_inside_a_page_reads_the_whole_page_again(server: ScriptedServer) -> None:
    stream = large_pages(server, 2 * PAGE + 3)
    first_run = read_all(rest_connector(server.url, stream), position={"watermark": WATERMARK})
    inside_second_page = first_run[4].position
    assert inside_second_page["page"] == {"page": 2}
    assert inside_second_page["max_seen"] == first_run[2].position["max_seen"]

    carried_on = read_all(rest_connector(server.url, stream), position=inside_second_page)

    assert ids_of(carried_on) == list(range(PAGE, 2 * PAGE + 3))
    assert carried_on[-1].position == first_run[-1].position


def test_an_empty_page_is_one_empty_batch_that_ends_the_stream(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": []}))

    batches = read_all(rest_connector(server.url))

    assert [(b.records, b.position) for b in batches] == [([], {})]


def test_check_samples_the_first_records_of_a_page_larger_than_a_batch(server: ScriptedServer) -> None:
    large_pages(server, PAGE + 7)
    server.on("/evidence", Reply(json={"items": []}))
    connector = rest_connector(server.url, {"pagination": {"type": "page_number", "size": PAGE}})

    report = connector.check(sample_size=3)

    assert report.reachable, report.detail
    assert [r["id"] for r in report.samples[0].records] == [0, 1, 2]
