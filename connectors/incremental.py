"""Watermarks for incremental reads: how cursor values are parsed, compared, stored and sent.

A watermark is stored as an ISO 8601 UTC string, whatever format the source speaks, so positions
stay readable and comparable; the source's own format is used only on the wire.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connectors.errors import FatalError
from mapping.timeformats import as_utc


def store_watermark(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def load_watermark(stored: str | None) -> datetime | None:
    if stored is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(stored))
    except (TypeError, ValueError):
        raise FatalError(f"the stored position holds an unreadable watermark {stored!r}") from None


def later(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return max(first, second)


def minus(moment: datetime | None, lookback: timedelta) -> datetime | None:
    return None if moment is None else moment - lookback
