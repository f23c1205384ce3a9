"""A body read with its record list left to be decoded as it is iterated is exactly what json.loads
gives, and a body json.loads refuses is refused whole, before any record is handed on."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import json_body
from connectors.json_body import RecordList, parse
from mapping.paths import select, split_path

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
KEYS = st.sampled_from(["items", "data", "data.items", "meta", "@odata.nextLink", "é", "x"])
DOCUMENTS = st.recursive(
    VALUES,
    lambda inner: st.dictionaries(KEYS, inner, max_size=4) | st.lists(inner, max_size=3),
    max_leaves=20,
)
PATHS = st.sampled_from(["", "items", "data.items", "data", "@odata.nextLink", "data.items.0"])
LAYOUTS = st.sampled_from([{}, {"indent": 2}, {"separators": (",", ":")}, {"ensure_ascii": False}])


def decoded(document: Any) -> Any:
    """The document with every record list decoded, as json.loads would have given it."""
    if isinstance(document, RecordList):
        return [decoded(item) for item in document]
    if isinstance(document, dict):
        return {key: decoded(value) for key, value in document.items()}
    if isinstance(document, list):
        return [decoded(item) for item in document]
    return document


WHOLE_OR_A_RECORD_AT_A_TIME = pytest.mark.parametrize(
    "whole_list_chars", [json_body.WHOLE_LIST_CHARS, 0], ids=["short-body-decoded-whole", "item-by-item"]
)


@WHOLE_OR_A_RECORD_AT_A_TIME
@settings(max_examples=300, deadline=None)
@given(document=DOCUMENTS, path=PATHS, layout=LAYOUTS)
def test_a_body_read_with_its_record_list_deferred_is_what_json_loads_gives(
    whole_list_chars: int, document: Any, path: str, layout: dict[str, Any]
) -> None:
    content = json.dumps(document, **layout).encode()
    with patch.object(json_body, "WHOLE_LIST_CHARS", whole_list_chars):
        read = parse(content, split_path(path) if path else ())

    assert decoded(read) == json.loads(content)
    found = select(read, path)
    expected = select(json.loads(content), path)
    assert decoded(found) == expected
    if isinstance(found, RecordList):
        assert len(found) == len(expected)


def test_the_list_at_the_path_is_left_unparsed_and_everything_else_is_parsed() -> None:
    content = b'{"meta": {"next": "abc"}, "data": {"items": [{"id": 1}, {"id": 2}]}, "n": [3]}'

    read = parse(content, ("data", "items"))

    assert read["meta"] == {"next": "abc"}
    assert read["n"] == [3]
    assert isinstance(read["data"]["items"], RecordList)
    assert list(read["data"]["items"]) == [{"id": 1}, {"id": 2}]


def test_a_key_holding_the_whole_dotted_path_is_found_as_select_finds_it() -> None:
    content = b'{"value.items": [{"id": 1}], "value": {"items": "not this"}}'

    read = parse(content, ("value", "items"))

    assert list(select(read, "value.items")) == [{"id": 1}]


DOCUMENT = b'{"items": [{"id": 1, "name": "a"}, {"id": 2}, [3], "x"], "next": "token"}'


@WHOLE_OR_A_RECORD_AT_A_TIME
@pytest.mark.parametrize("cut", range(1, len(DOCUMENT)))
def test_a_body_cut_short_anywhere_is_refused_whole_before_a_record_is_read(
    whole_list_chars: int, cut: int
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - json.loads's own error, JSONDecodeError
        json.loads(DOCUMENT[:cut])
    with pytest.raises(ValueError), patch.object(json_body, "WHOLE_LIST_CHARS", whole_list_chars):  # noqa: PT011
        parse(DOCUMENT[:cut], ("items",))


@pytest.mark.parametrize(
    "content",
    [b'{"items": [1,]}', b'{"items": [1 2]}', b'{"items": [1]} extra', b'{"items" [1]}', b"\xef\xbb\xbf[1]x"],
)
@WHOLE_OR_A_RECORD_AT_A_TIME
def test_a_malformed_body_is_refused_as_json_loads_refuses_it(whole_list_chars: int, content: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        json.loads(content)
    with pytest.raises(ValueError), patch.object(json_body, "WHOLE_LIST_CHARS", whole_list_chars):  # noqa: PT011
        parse(content, ("items",))


def test_bodies_in_utf16_and_with_a_byte_order_mark_are_read_as_json_loads_reads_them() -> None:
    for content in ['{"items": [{"n": "é"}]}'.encode("utf-16"), b'\xef\xbb\xbf{"items": [1]}']:
        assert decoded(parse(content, ("items",))) == json.loads(content)


def test_a_record_list_repeated_byte_for_byte_has_the_same_digest_and_another_a_different_one() -> None:
    first = parse(b'{"items": [{"id": 1}], "page": 1}', ("items",))["items"]
    again = parse(b'{"page": 2, "items": [{"id": 1}]}', ("items",))["items"]
    other = parse(b'{"items": [{"id": 2}]}', ("items",))["items"]

    assert first.digest() == again.digest() != other.digest()


def test_pages_of_several_megabytes_differing_only_in_their_last_record_have_different_digests() -> None:
    records = ",".join(f'{{"id": {n}, "note": "é"}}' for n in range(200_000))
    page = f'{{"items": [{records}, {{"id": "last"}}]}}'.encode()

    digests = [
        parse(body, ("items",))["items"].digest() for body in (page, page, page.replace(b"last", b"lost"))
    ]

    assert len(page) > 3_000_000
    assert digests[0] == digests[1] != digests[2]


def test_a_page_past_the_whole_list_bound_is_read_a_record_at_a_time_to_the_same_records_and_digest() -> None:
    records = ",".join(f'{{"id": {n}, "note": "é"}}' for n in range(60_000))
    page = f'{{"items": [{records}], "next": null}}'.encode()
    assert len(page) > json_body.WHOLE_LIST_CHARS

    item_by_item = parse(page, ("items",))["items"]
    with patch.object(json_body, "WHOLE_LIST_CHARS", len(page)):
        whole = parse(page, ("items",))["items"]

    assert item_by_item._decoded is None  # held undecoded: its records are decoded as they are read
    assert whole._decoded is not None
    assert list(item_by_item) == list(whole) == json.loads(page)["items"]
    assert len(item_by_item) == len(whole) == 60_000
    assert item_by_item.digest() == whole.digest()
