"""What an API said when it refused a request, fit for a run's error: its own words, never a record.

A bare `HTTP 400` leaves an operator guessing where the body said exactly what was wrong ("page cursor
expired"). Bodies also echo what was sent or stored (the record, the query, a key), so only the
message-like fields of a JSON body are kept; in them, quoted text, long runs of digits and e-mail
addresses are masked (they name a value, an id, a date or a person), control characters dropped and
the whole cut short. A body that is not JSON (an HTML error page, a stack trace) says nothing here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

MESSAGE_FIELDS = ("title", "detail", "message", "error", "error_description")
"""The fields APIs put their words in: RFC 9457 problem details, OAuth2 errors, common shapes."""
DETAIL_CHARS = 200

_VALUE_LIKE = (
    (
        re.compile(r"\"[^\"]*\"|(?<!\w)'[^']*'(?!\w)|`[^`]*`|\u201c[^\u201d]*\u201d|\u2018[^\u2019]*\u2019"),
        "<value>",
    ),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<address>"),
    (re.compile(r"(?:\d[\d/:.T+-]{3,}\d|\d{4,})Z?"), "<number>"),  # ids, dates and times
)


def status_line(here: str, status: int, reason: str | None, body: bytes) -> str:
    """`GET host/path: HTTP 400 Bad Request`, and for a 4xx what the API said: `: page cursor expired`."""
    line = f"{here}: HTTP {status} {reason or ''}".rstrip()
    detail = said(body) if 400 <= status < 500 else None
    return f"{line}: {detail}" if detail else line


def said(body: bytes) -> str | None:
    """The API's own words about the failure, shortened and masked; None when it gave none."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    words = _words(parsed)
    if not words:
        return None
    text = "; ".join(dict.fromkeys(words))  # once each: `title` often repeats `error`
    for pattern, mask in _VALUE_LIKE:
        text = pattern.sub(mask, text)
    text = " ".join(text.split())
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 3].rstrip() + "..."


def _words(body: Any, depth: int = 0) -> list[str]:
    """Message-like fields of the body, of `error: {...}` within it, and of the first of `errors`."""
    if depth > 2:
        return []
    if isinstance(body, list):
        body = body[0] if body else None
    if not isinstance(body, dict):
        return []
    found: list[str] = []
    for field in MESSAGE_FIELDS:
        value = body.get(field)
        if isinstance(value, str):
            found.append(_printable(value))
        elif isinstance(value, dict) and field == "error":
            found += _words(value, depth + 1)
    errors = body.get("errors")
    if isinstance(errors, list) and not found:
        found += _words(errors, depth + 1)
    return [text for text in found if text]


def _printable(text: str) -> str:
    """Control characters (escape sequences, line breaks that forge log lines) become spaces."""
    return "".join(" " if unicodedata.category(c).startswith("C") else c for c in text).strip()
