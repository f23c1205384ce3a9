"""Dotted paths into records and JSON documents, tolerant of keys that themselves contain dots.

OData puts the next link under `@odata.nextLink` and some form question codes hold dots, so a plain
split on "." would never find them: at each level the longest run of segments that is a key wins,
and a shorter run is tried when the longer one leads nowhere. List items go by index (`a.0.b`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

Path = tuple[str, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""Where a path leads nowhere; unlike None, which a document may hold."""


def split_path(text: str) -> Path:
    """Split once, when a rule or stream is compiled, rather than on every record."""
    return tuple(text.split("."))


def lookup(node: Any, path: Path) -> Any:
    """The value at `path` (the empty path is the node itself), or MISSING."""
    if not path:
        return node
    if isinstance(node, Mapping):
        for end in range(len(path), 0, -1):
            key = ".".join(path[:end])
            if key in node:
                found = lookup(node[key], path[end:])
                if found is not MISSING:
                    return found
        return MISSING
    head = path[0]
    if isinstance(node, list | tuple) and head.isascii() and head.isdigit() and int(head) < len(node):
        return lookup(node[int(head)], path[1:])
    return MISSING


def select(document: Any, path: str | None) -> Any:
    """The value at dotted `path` (None or "" means the document itself), or MISSING."""
    return lookup(document, split_path(path)) if path else document


def walk(node: Any, path: Path) -> Any:
    """The value at `path`, or None where it leads nowhere: a record's missing field is no value."""
    found = lookup(node, path)
    return None if found is MISSING else found


def keys_near(document: Any, path: str, whole: str = "the response body") -> str:
    """What a response has where `path` was looked for, so a misspelt key can be put right.

    Names the keys at the deepest part of the path that exists, e.g. "meta.page has: after, size".
    """
    where, node = whole, document
    parts = path.split(".")
    for length in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:length])
        found = select(document, prefix)
        if isinstance(found, dict):
            where, node = repr(prefix), found
            break
    if isinstance(node, dict):
        keys = ", ".join(sorted(str(k) for k in node)[:20]) or "no keys"
        return f"{where} has: {keys}"
    return f"{where} is a {type(node).__name__}, not an object"
