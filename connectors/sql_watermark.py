"""SQL watermarks keep the type the database returned, so the next run binds exactly the same thing.

SQLite hands back timestamps as text, compared as text: re-binding `2026-01-05T10:00:00` against
stored `2026-01-05 10:00:00` would silently skip a day's rows. So a watermark is stored with its type
and, for text, in the source's own spelling.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.base import Position
from connectors.errors import FatalError


def encode(value: Any) -> Position:
    # datetime before date: a datetime is a date too.
    if isinstance(value, datetime):
        return {"watermark": value.isoformat(), "watermark_type": "datetime"}
    if isinstance(value, date):
        return {"watermark": value.isoformat(), "watermark_type": "date"}
    if isinstance(value, bool):
        raise FatalError("a boolean column cannot be a cursor")
    if isinstance(value, Decimal):
        return {"watermark": str(value), "watermark_type": "decimal"}
    if isinstance(value, str | int | float):
        return {"watermark": value, "watermark_type": type(value).__name__}
    raise FatalError(f"a {type(value).__name__} column cannot be a cursor; use a time, number or text")


def decode(position: Position) -> Any:
    value, kind = position.get("watermark"), position.get("watermark_type", "str")
    readers: dict[str, Callable[[Any], Any]] = {
        "datetime": datetime.fromisoformat,
        "date": date.fromisoformat,
        "decimal": Decimal,
        "str": str,
        "int": int,
        "float": float,
    }
    if value is None:
        return None
    try:
        return readers[kind](value)
    except (KeyError, ValueError, TypeError, ArithmeticError):
        raise FatalError(f"the stored position holds an unreadable watermark ({kind})") from None


def minus(value: Any, lookback: timedelta) -> Any:
    """The watermark moved back by the lookback, in the same type and spelling."""
    if not lookback:
        return value
    if isinstance(value, datetime):
        return value - lookback
    if isinstance(value, date):
        whole_days = lookback.days + (1 if lookback % timedelta(days=1) else 0)
        return value - timedelta(days=whole_days)
    if isinstance(value, str):
        return _text_minus(value, lookback)
    raise FatalError(f"a lookback needs a date or time cursor, not {type(value).__name__}")


def _text_minus(value: str, lookback: timedelta) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FatalError("a lookback needs an ISO 8601 text cursor (YYYY-MM-DD[ HH:MM:SS])") from None
    if len(value) == 10:
        day: date = minus(moment.date(), lookback)
        return day.isoformat()
    return (moment - lookback).isoformat(sep=value[10])
