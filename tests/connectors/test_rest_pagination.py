"""Every pagination style against a real loopback server, and resuming from every page."""

from __future__ import annotations

import pytest

from connectors.errors import FatalError
from mapping.outcomes import canonical_hash
from tests.connectors.rest_builders import (
    PAGINATION_STYLES,
    ids_of,
    numbered,
    read_all,
    rest_connector,
    serve_paged,
)
from tests.connectors.scripted_http import Reply, ScriptedServer


def test_single_page_is_one_request_and_one_finished_batch(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": numbered(3)}))

    batches = read_all(rest_connector(server.url))

    assert ids_of(batches) == [1, 2, 3]
    assert len(server.seen("/cases")) == 1
    assert [b.position for b in batches] == [{}]


@pytest.mark.parametrize("style", PAGINATION_STYLES)
def test_every_style_reads_all_pages_in_order(server: ScriptedServer, style: str) -> None:
    stream = serve_paged(server, style, numbered(7), size=2)

    batches = read_all(rest_connector(server.url, stream))

    assert ids_of(batches) == [1, 2, 3, 4, 5, 6, 7]
    assert all("page" in b.position for b in batches[:-1])
    assert "page" not in batches[-1].position


def test_page_number_pagination_sends_page_and_size_and_stops_on_short_page(server: ScriptedServer) -> None:
    stream = serve_paged(server, "page_number", numbered(5), size=2)

    read_all(rest_connector(server.url, stream))

    sent = [(r.param("page"), r.param("page_size")) for r in server.seen("/cases")]
    assert sent == [("1", "2"), ("2", "2"), ("3", "2")]


def test_page_number_pagination_without_size_param_stops_on_empty_page(server: ScriptedServer) -> None:
    pages = {"1": [{"id": 1}, {"id": 2}], "2": [{"id": 3}]}
    server.handle("/cases", lambda r: Reply(json={"items": pages.get(r.param("page") or "", [])}))
    stream = {"pagination": {"type": "page_number", "size_param": None}}

    batches = read_all(rest_connector(server.url, stream))

    assert ids_of(batches) == [1, 2, 3]
    assert [r.param("page") for r in server.seen("/cases")] == ["1", "2", "3"]


def test_offset_pagination_advances_by_the_records_received(server: ScriptedServer) -> None:
    stream = serve_paged(server, "offset", numbered(5), size=2)

    read_all(rest_connector(server.url, stream))

    assert [r.param("offset") for r in server.seen("/cases")] == ["0", "2", "4"]


def test_cursor_pagination_sends_the_token_from_the_body_until_it_is_absent(server: ScriptedServer) -> None:
    stream = serve_paged(server, "cursor", numbered(5), size=2)

    read_all(rest_connector(server.url, stream))

    assert [r.param("token") for r in server.seen("/cases")] == [None, "2", "4"]


def test_next_link_pagination_follows_the_odata_next_link_as_given(server: ScriptedServer) -> None:
    stream = serve_paged(server, "next_link", numbered(5), size=2)

    read_all(rest_connector(server.url, {**stream, "params": {"status": "open"}}))

    requests = server.seen("/cases")
    assert requests[0].param("status") == "open"
    # The link is opaque: followed as given, no parameters of ours added.
    assert [r.param("$skiptoken") for r in requests[1:]] == ["2", "4"]
    assert all(r.param("status") is None for r in requests[1:])


def test_next_link_in_body_may_be_relative(server: ScriptedServer) -> None:
    server.on(
        "/cases",
        Reply(json={"items": [{"id": 1}], "next": "/cases?after=1"}),
        Reply(json={"items": [{"id": 2}], "next": None}),
    )

    batches = read_all(
        rest_connector(server.url, {"pagination": {"type": "next_link", "next_link_path": "next"}})
    )

    assert ids_of(batches) == [1, 2]
    assert server.seen("/cases")[1].param("after") == "1"


def test_link_header_pagination_follows_rel_next(server: ScriptedServer) -> None:
    stream = serve_paged(server, "link_header", numbered(5), size=2)

    batches = read_all(rest_connector(server.url, stream))

    assert ids_of(batches) == [1, 2, 3, 4, 5]
    assert [r.param("token") for r in server.seen("/cases")] == [None, "2", "4"]


def test_a_repeated_cursor_token_raises_fatal_error_instead_of_looping(server: ScriptedServer) -> None:
    server.on(
        "/cases",
        Reply(json={"items": [{"id": 1}], "meta": {"next": "abc"}}),
        Reply(json={"items": [{"id": 2}], "meta": {"next": "abc"}}),
    )
    stream = {"pagination": {"type": "cursor", "cursor_path": "meta.next"}}

    with pytest.raises(FatalError, match="already followed"):
        read_all(rest_connector(server.url, stream))
    assert len(server.seen("/cases")) == 2


def test_a_next_link_pointing_back_to_an_earlier_page_raises_fatal_error(server: ScriptedServer) -> None:
    server.handle(
        "/cases",
        lambda r: Reply(
            json={"items": [{"id": r.param("p") or "0"}], "next": f"/cases?p={1 - int(r.param('p') or 0)}"}
        ),
    )
    stream = {"pagination": {"type": "next_link", "next_link_path": "next"}}

    with pytest.raises(FatalError, match="already followed"):
        read_all(rest_connector(server.url, stream))


def test_a_next_link_to_another_host_is_not_followed(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}], "next": "https://elsewhere.example/cases?p=2"}))
    stream = {"pagination": {"type": "next_link", "next_link_path": "next"}}

    with pytest.raises(FatalError, match="another host"):
        read_all(rest_connector(server.url, stream))
    assert len(server.seen("/cases")) == 1


def test_an_api_that_ignores_the_page_parameter_is_stopped(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}, {"id": 2}]}))
    stream = {"pagination": {"type": "page_number", "size": 2}}

    with pytest.raises(FatalError, match="ignore the pagination"):
        read_all(rest_connector(server.url, stream))


@pytest.mark.parametrize("style", PAGINATION_STYLES)
def test_resuming_from_each_intermediate_position_yields_the_remaining_records(
    server: ScriptedServer, style: str
) -> None:
    stream = serve_paged(server, style, numbered(7), size=2)
    connector = rest_connector(server.url, stream)
    batches = read_all(connector)

    for index, batch in enumerate(batches[:-1]):
        resumed = read_all(connector, position=batch.position)
        delivered_after = [r["id"] for b in batches[index + 1 :] for r in b.records]
        assert ids_of(resumed) == delivered_after, f"resuming after batch {index}"
        assert resumed[-1].position == batches[-1].position


def test_a_missing_records_path_is_a_clear_fatal_error(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"data": []}))

    with pytest.raises(FatalError, match=r"no 'items' in the response body"):
        read_all(rest_connector(server.url))


def test_an_item_that_is_not_an_object_is_rejected_and_the_rest_delivered(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}, "oops", {"id": 2}]}))

    (batch,) = read_all(rest_connector(server.url))

    assert [r["id"] for r in batch.records] == [1, 2]
    assert [r.reason for r in batch.rejected] == ["record is not a JSON object"]
    assert batch.rejected[0].raw_hash


def test_a_position_from_another_pagination_style_is_a_clear_fatal_error(server: ScriptedServer) -> None:
    stream = serve_paged(server, "page_number", numbered(3))

    with pytest.raises(FatalError, match="does not fit this stream's pagination"):
        read_all(rest_connector(server.url, stream), position={"page": {"cursor": "abc"}})
    assert server.requests == []


def test_a_misspelt_cursor_path_is_an_error_naming_the_keys_the_response_has(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}], "meta": {"page": {"after": "x1", "size": 1}}}))
    stream = {"pagination": {"type": "cursor", "cursor_path": "meta.page.next"}}

    with pytest.raises(FatalError) as raised:
        read_all(rest_connector(server.url, stream))

    assert "no 'meta.page.next' (cursor_path); 'meta.page' has: after, size" in str(raised.value)
    assert len(server.seen("/cases")) == 1


def test_a_misspelt_next_link_path_is_an_error_not_the_last_page(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}], "links": {"next_page": "/cases?p=2"}}))
    stream = {"pagination": {"type": "next_link", "next_link_path": "links.next"}}

    with pytest.raises(FatalError, match=r"no 'links.next' \(next_link_path\); 'links' has: next_page"):
        read_all(rest_connector(server.url, stream))


def test_a_present_null_cursor_ends_paging_on_the_first_page(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}], "meta": {"page": {"after": None}}}))
    stream = {"pagination": {"type": "cursor", "cursor_path": "meta.page.after"}}

    assert ids_of(read_all(rest_connector(server.url, stream))) == [1]


def test_a_key_dropped_from_the_last_page_ends_paging_once_it_was_followed(server: ScriptedServer) -> None:
    server.on(
        "/cases",
        Reply(json={"value": [{"id": 1}], "@odata.nextLink": "/cases?$skiptoken=1"}),
        Reply(json={"value": [{"id": 2}]}),
    )

    batches = read_all(
        rest_connector(server.url, {"records_path": "value", "pagination": {"type": "next_link"}})
    )

    assert ids_of(batches) == [1, 2]


def test_an_api_that_leaves_the_key_out_says_so_in_config(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"value": [{"id": 1}]}))
    odata = {"records_path": "value", "pagination": {"type": "next_link", "absent_means_end": True}}

    assert ids_of(read_all(rest_connector(server.url, odata))) == [1]


def test_a_missing_records_path_names_the_keys_the_body_has(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"data": [], "meta": {}}))

    with pytest.raises(FatalError, match=r"\(records_path\); the response body has: data, meta"):
        read_all(rest_connector(server.url))


def test_an_api_that_ignores_the_page_parameters_is_stopped_at_the_repeated_page(
    server: ScriptedServer,
) -> None:
    # The same full page for every page number (empty after a few, so a missed repeat ends the read).
    server.handle(
        "/cases", lambda r: Reply(json={"items": numbered(2) if int(r.param("page") or 1) < 5 else []})
    )
    stream = {"pagination": {"type": "page_number", "size": 2}}

    with pytest.raises(FatalError, match="a page repeated the previous page's records"):
        read_all(rest_connector(server.url, stream))
    assert len(server.seen("/cases")) == 2


def test_a_page_that_starts_with_the_previous_pages_first_record_but_goes_on_differently_is_read(
    server: ScriptedServer,
) -> None:
    records = numbered(3)
    pages = {"1": [records[0], records[1]], "2": [records[0], records[2]], "3": []}
    server.handle("/cases", lambda r: Reply(json={"items": pages[r.param("page") or "1"]}))
    stream = {"pagination": {"type": "page_number", "size": 2}}

    batches = read_all(rest_connector(server.url, stream))

    assert ids_of(batches) == [1, 2, 1, 3]


def test_items_that_are_not_objects_are_rejected_by_hash_in_a_stream_without_a_cursor(
    server: ScriptedServer,
) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}, 7, {"id": 2}, ["a"]]}))

    (batch,) = read_all(rest_connector(server.url))

    assert ids_of([batch]) == [1, 2]
    assert [r.reason for r in batch.rejected] == ["record is not a JSON object"] * 2
    assert [r.raw_hash for r in batch.rejected] == [canonical_hash(7), canonical_hash(["a"])]
