"""Watermarks for incremental reads: how cursor values are parsed, compared, stored and sent.

A watermark is stored as an ISO 8601 UTC string, whatever format the source speaks, so positions
stay readable and comparable; the source's own format is used only on the wire. A change time past
now beyond the stream's tolerance never becomes the watermark: it would skip every change until then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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


@dataclass(frozen=True)
class Horizon:
    """Now, and how far past it a change time may lie before the watermark is held at now instead."""

    now: datetime
    tolerance: timedelta
    limit: datetime = field(init=False)
    """Now plus the tolerance: every record's cursor is compared with it, so it is added up once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "limit", self.now + self.tolerance)

    @classmethod
    def at(cls, epoch_seconds: float, tolerance: timedelta) -> Horizon:
        return cls(datetime.fromtimestamp(epoch_seconds, UTC), tolerance)

    def ahead(self, moment: datetime) -> bool:
        """Past now beyond the tolerance (`moment` is an aware time)."""
        return moment > self.limit

    def held(self, moment: datetime | None) -> datetime | None:
        """The moment as a watermark may take it: itself, or now when it lies too far ahead."""
        return self.now if moment is not None and self.ahead(moment) else moment
