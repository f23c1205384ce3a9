"""Dotted paths into JSON documents, tolerant of keys that themselves contain dots.

OData puts the next link under `@odata.nextLink`; a plain split on "." would never find it, so the
longest key that matches wins at each level.
"""

from __future__ import annotations

from typing import Any, Final


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def select(document: Any, path: str | None) -> Any:
    """The value at `path` (None or "" means the document itself), or MISSING."""
    if not path:
        return document
    if isinstance(document, dict):
        if path in document:
            return document[path]
        head = path
        while "." in head:
            head, _, _ = head.rpartition(".")
            if head in document:
                found = select(document[head], path[len(head) + 1 :])
                if found is not MISSING:
                    return found
        return MISSING
    if isinstance(document, list):
        head, _, rest = path.partition(".")
        if head.isdigit() and int(head) < len(document):
            return select(document[int(head)], rest)
    return MISSING


def keys_near(document: Any, path: str) -> str:
    """What a response has where `path` was looked for, so a misspelt key can be put right.

    Names the keys at the deepest part of the path that exists, e.g. "meta.page has: after, size".
    """
    where, node = "the response body", document
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
