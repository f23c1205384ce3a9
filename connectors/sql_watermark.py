"""SQL watermarks keep the type the database returned, so the next run binds exactly the same thing.

SQLite hands back timestamps as text, compared as text: re-binding `2026-01-05T10:00:00` against
stored `2026-01-05 10:00:00` would silently skip a day's rows. So a watermark is stored with its type
and, for text, in the source's own spelling; so is now, when a cursor past now beyond the stream's
ahead_tolerance is held there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.base import Position
from connectors.errors import FatalError
from connectors.incremental import Horizon
from mapping.timeformats import as_utc


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


def held(value: Any, horizon: Horizon) -> Any:
    """The cursor value as a watermark may take it: itself, or now in its type and spelling when it
    lies past now beyond the tolerance. A cursor that is not a time (a number, other text) is itself."""
    moment = _moment(value)
    if moment is None or not horizon.ahead(moment):
        return value
    return _now_like(value, horizon.now)


def ahead(value: Any, horizon: Horizon) -> bool:
    moment = _moment(value)
    return moment is not None and horizon.ahead(moment)


def _moment(value: Any) -> datetime | None:
    """The cursor as an aware time; a source omitting the offset keeps UTC (mapping.timeformats.as_utc)."""
    if isinstance(value, date):
        return as_utc(value)
    # Only the extended form (YYYY-MM-DD[ HH:MM...]): `20260105` or `000123` is more likely a number.
    if isinstance(value, str) and value[4:5] == value[7:8] == "-" and len(value) != 11:
        try:
            return as_utc(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _now_like(value: date | str, now: datetime) -> date | str:
    """Now as the source writes its cursor, cut to the cursor's precision (so never later than now)."""
    if isinstance(value, datetime):
        return now.astimezone(value.tzinfo) if value.tzinfo else now.replace(tzinfo=None)
    if isinstance(value, date):
        return now.date()
    if len(value) == 10:
        return now.date().isoformat()
    parsed = datetime.fromisoformat(value)
    moment = now.astimezone(parsed.tzinfo) if parsed.tzinfo else now.replace(tzinfo=None)
    clock = value[11:].split("+")[0].split("-")[0].rstrip("Z")
    timespec = "microseconds" if "." in clock else {2: "hours", 5: "minutes"}.get(len(clock), "seconds")
    text = moment.isoformat(sep=value[10], timespec=timespec)
    return text.replace("+00:00", "Z") if value.endswith("Z") else text
