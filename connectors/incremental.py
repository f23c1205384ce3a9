"""Watermarks for incremental reads: how cursor values are parsed, compared, stored and sent.

A watermark is stored as an ISO 8601 UTC string, whatever format the source speaks, so positions
stay readable and comparable; the source's own format is used only on the wire.
"""

from __future__ import annotations

import abc
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.errors import FatalError


class TimeFormat(abc.ABC):
    """One way a source writes a point in time."""

    @abc.abstractmethod
    def parse(self, value: Any) -> datetime: ...

    @abc.abstractmethod
    def format(self, moment: datetime) -> str: ...


class IsoFormat(TimeFormat):
    def parse(self, value: Any) -> datetime:
        if not isinstance(value, str):
            raise ValueError(f"expected an ISO 8601 string, got {type(value).__name__}")
        return as_utc(datetime.fromisoformat(value))

    def format(self, moment: datetime) -> str:
        return as_utc(moment).isoformat().replace("+00:00", "Z")


class EpochFormat(TimeFormat):
    """Seconds (or milliseconds, with `scale=1000`) since 1970 in UTC."""

    def __init__(self, scale: int = 1) -> None:
        self.scale = scale

    def parse(self, value: Any) -> datetime:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"expected a number of seconds, got {type(value).__name__}")
        return datetime.fromtimestamp(float(value) / self.scale, tz=UTC)

    def format(self, moment: datetime) -> str:
        return str(int(as_utc(moment).timestamp() * self.scale))


class PatternFormat(TimeFormat):
    """A strftime pattern such as `%d/%m/%Y %H:%M`; naive values are taken as UTC."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def parse(self, value: Any) -> datetime:
        if not isinstance(value, str):
            raise ValueError(f"expected a string like {self.pattern!r}, got {type(value).__name__}")
        return as_utc(datetime.strptime(value, self.pattern))

    def format(self, moment: datetime) -> str:
        return as_utc(moment).strftime(self.pattern)


_NAMED: dict[str, TimeFormat] = {"iso": IsoFormat(), "epoch": EpochFormat(), "epoch_ms": EpochFormat(1000)}


def time_format(spec: str) -> TimeFormat:
    """`iso`, `epoch`, `epoch_ms`, or a strftime pattern (anything containing `%`)."""
    if spec in _NAMED:
        return _NAMED[spec]
    if "%" in spec:
        return PatternFormat(spec)
    raise ValueError(f"unknown time format {spec!r}: use iso, epoch, epoch_ms or a strftime pattern")


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
