"""A JSON response body parsed whole, except its record list, which is decoded a record at a time.

A page of small records costs some 25 times its bytes once parsed (docs/reliability.md), so a page
near the byte limit would take the process past its memory bound if it were parsed whole. The body is
still checked whole before anything is handed on (a body cut short fails the request, and is retried,
before a single record is used); only the decoded records are never all held at once.

The parse is the standard library's own: every value is decoded by `json.JSONDecoder.raw_decode`, and
only the separators of the objects on the way to the record list and of the list itself are walked
here, so a record read this way is exactly what `json.loads` gives (tests/connectors/test_json_body.py).

A body of at most `WHOLE_LIST_CHARS` characters has its record list decoded whole, in one call of the
same decoder at the list's opening bracket: checking and decoding are then one pass instead of two,
and the page's records cost no more memory than a batch of them holds anyway. Both ways give what
`json.loads` gives, held equal by tests/connectors/test_json_body.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from mapping.paths import Path

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
_DIGEST_PIECE = 1 << 20
WHOLE_LIST_CHARS = 1 << 20
"""A body this long or shorter has its record list decoded whole: some 25 MB at the most once decoded
(docs/reliability.md), of the order of what a batch of 5,000 decoded records holds."""


class RecordList:
    """A list in a checked JSON text whose items are decoded as they are iterated (in a short body,
    all at once when the list is checked)."""

    def __init__(self, text: str, start: int) -> None:
        self._text = text
        self._start = start
        self._decoded: list[Any] | None = None
        if len(text) <= WHOLE_LIST_CHARS:
            self._decoded, self.end = _DECODER.raw_decode(text, start)  # the check and the decoding
            self._count = len(self._decoded)
            return
        count, self.end = 0, start
        for _, self.end in _items(text, start):  # the check: every item decodes, the list closes
            count += 1
        if count == 0:
            self.end = _skip(text, start + 1) + 1
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        if self._decoded is not None:
            yield from self._decoded
            return
        for item, _ in _items(self._text, self._start):
            yield item

    def digest(self) -> str:
        """The list as sent, hashed: equal for a page that repeats another byte for byte."""
        digest = hashlib.sha256()
        for at in range(self._start, self.end, _DIGEST_PIECE):  # a piece at a time: no copy of the page
            digest.update(self._text[at : min(at + _DIGEST_PIECE, self.end)].encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


def parse(content: bytes, defer: Path | None = None) -> Any:
    """The document, as `json.loads(content)` gives it, except that a list at `defer` (a dotted path
    read as `mapping.paths.select` reads it; the empty path is the document) is a RecordList.

    Raises ValueError (json.JSONDecodeError or UnicodeDecodeError) where json.loads would.
    """
    # json.loads(bytes) decodes the same way: UTF-8, -16 or -32, found from the first bytes.
    text = content.decode(json.detect_encoding(content), "surrogatepass")
    if defer is None:
        return json.loads(text)
    if text.startswith("\ufeff"):
        return json.loads(text)  # raises json's own "Unexpected UTF-8 BOM"
    document, end = _value(text, _skip(text, 0), defer)
    if _skip(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip(text, end))
    return document


def _value(text: str, at: int, rest: Path) -> tuple[Any, int]:
    """The value starting at `at` and the index past it, with `rest` the path still to go."""
    if not rest and text.startswith("[", at):
        records = RecordList(text, at)
        return records, records.end
    if rest and text.startswith("{", at):
        return _object(text, at, rest)
    return _DECODER.raw_decode(text, at)


def _object(text: str, at: int, rest: Path) -> tuple[dict[str, Any], int]:
    """An object on the way to the record list: each member whose key begins `rest` is descended into."""
    found: dict[str, Any] = {}
    at = _skip(text, at + 1)
    if text.startswith("}", at):
        return found, at + 1
    while True:
        if not text.startswith('"', at):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, at)
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if not text.startswith(":", at):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        at = _skip(text, at + 1)
        segments = key.count(".") + 1
        if ".".join(rest[:segments]) == key and segments <= len(rest):
            found[key], at = _value(text, at, rest[segments:])
        else:
            found[key], at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if text.startswith("}", at):
            return found, at + 1
        if not text.startswith(",", at):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)


def _items(text: str, at: int) -> Iterator[tuple[Any, int]]:
    """Each item of the list opening at `at`, decoded, with the index past it (past `]` for the last)."""
    at = _skip(text, at + 1)
    if text.startswith("]", at):
        return
    while True:
        item, at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if text.startswith("]", at):
            yield item, at + 1
            return
        if not text.startswith(",", at):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        yield item, at
        at = _skip(text, at + 1)


def _skip(text: str, at: int) -> int:
    """The index of the first character at or after `at` that is not JSON whitespace."""
    match = _SPACE.match(text, at)
    return match.end() if match else at
