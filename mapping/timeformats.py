"""Time formats (`iso`, `excel`, `epoch`, strftime patterns), and the one conversion to UTC.

Sources disagree about time: SQL drivers hand over `datetime` objects, CSV drops carry
`dd/mm/YYYY` text, spreadsheets carry day serials. Each format is one small class; whatever the
format, a value that is already a date or datetime is taken as it is.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Protocol

from mapping.values import RuleFailure, describe

_EXCEL_EPOCH = datetime(1899, 12, 30)
"""Day 0 of spreadsheet serials; the 1900 leap-year bug makes it the 30th, not the 31st."""
_EXCEL_LAST_DAY = 2958465  # 9999-12-31
_SAMPLE = datetime(2001, 2, 3, 4, 5, 6)


class TimeFormat(Protocol):
    """One way a source writes a point in time: read by mappings, read and written by watermarks."""

    name: str

    def parse(self, value: Any) -> date | datetime:
        """Parse a value that is not yet a date or datetime; raise `RuleFailure` if it does not fit."""
        ...

    def format(self, moment: datetime) -> str:
        """The moment as the source writes it (a watermark sent back as a query parameter)."""
        ...


class IsoFormat:
    """ISO 8601 text: `2024-03-01`, `2024-03-01T09:30:00`, `2024-03-01T09:30:00Z`."""

    name = "iso"

    def parse(self, value: Any) -> date | datetime:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.strip())
            except ValueError:
                pass
        raise RuleFailure(f"{describe(value)} is not a date: expected {ISO_EXPECTED}")

    def format(self, moment: datetime) -> str:
        return as_utc(moment).isoformat().replace("+00:00", "Z")


class ExcelSerial:
    """Spreadsheet day serials (45352 is 2024-03-01); a fraction is the time of day."""

    name = "excel"

    def parse(self, value: Any) -> date | datetime:
        days = _as_float(value)
        if days is None or not 1 <= days <= _EXCEL_LAST_DAY + 1:
            raise RuleFailure(
                f"{describe(value)} is not a spreadsheet date serial: expected a day number such as 45352"
            )
        return _EXCEL_EPOCH + timedelta(days=days)

    def format(self, moment: datetime) -> str:
        return str((as_utc(moment).replace(tzinfo=None) - _EXCEL_EPOCH) / timedelta(days=1))


class EpochFormat:
    """Seconds (or milliseconds, with `scale=1000`) since 1970 in UTC."""

    def __init__(self, name: str = "epoch", scale: int = 1) -> None:
        self.name = name
        self.scale = scale

    def parse(self, value: Any) -> date | datetime:
        number = _as_float(value)
        if number is None:
            raise RuleFailure(
                f"{describe(value)} is not a time since 1970: expected a number such as 1709251200"
            )
        try:
            return datetime.fromtimestamp(number / self.scale, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise RuleFailure(f"{describe(value)} is out of range") from None

    def format(self, moment: datetime) -> str:
        return str(int(as_utc(moment).timestamp() * self.scale))


class StrptimeFormat:
    """A strftime pattern such as `%d/%m/%Y`, matched whole; a watermark written this way is UTC."""

    def __init__(self, pattern: str) -> None:
        self.name = pattern

    def parse(self, value: Any) -> date | datetime:
        if isinstance(value, str):
            try:
                return datetime.strptime(value.strip(), self.name)
            except ValueError:
                pass
        raise RuleFailure(
            f"{describe(value)} is not a date in the configured format {readable(self.name)} ({self.name})"
        )

    def format(self, moment: datetime) -> str:
        return as_utc(moment).strftime(self.name)


ISO_EXPECTED = "YYYY-MM-DD (ISO 8601, a time may follow)"

_READABLE = {
    "%d": "DD",
    "%m": "MM",
    "%Y": "YYYY",
    "%y": "YY",
    "%H": "hh",
    "%I": "hh",
    "%M": "mm",
    "%S": "ss",
    "%f": "ffffff",
    "%b": "Mon",
    "%B": "Month",
    "%p": "AM/PM",
    "%z": "+hhmm",
    "%j": "DDD",
    "%%": "%",
}


def readable(pattern: str) -> str:
    """A strftime pattern as people write dates: `%d/%m/%Y` is DD/MM/YYYY."""
    return re.sub(r"%.", lambda m: _READABLE.get(m.group(), m.group()), pattern)


DATE_FORMATS: dict[str, TimeFormat] = {"iso": IsoFormat(), "excel": ExcelSerial()}
"""What a mapping's `date:` or `datetime:` rule may name besides a strftime pattern."""

CURSOR_FORMATS: dict[str, TimeFormat] = {
    "iso": IsoFormat(),
    "epoch": EpochFormat(),
    "epoch_ms": EpochFormat("epoch_ms", 1000),
}
"""What a connector's change-time cursor or watermark parameter may name besides a strftime pattern."""


def time_format(spec: str, named: dict[str, TimeFormat] = DATE_FORMATS) -> TimeFormat:
    """The format `spec` names among `named`, or a strftime pattern; ValueError says what is wrong."""
    if spec in named:
        return named[spec]
    if "%" not in spec:
        raise ValueError(
            f"{spec!r} is not a date format; expected {', '.join(named)} or a strftime pattern like %d/%m/%Y"
        )
    if not re.search(r"%[Yy]", spec) or not re.search(r"%[dj]", spec):
        raise ValueError(f"date format {spec!r} needs a year (%Y or %y) and a day (%d or %j)")
    # A pattern strptime cannot read back what strftime wrote would fail on every record.
    try:
        datetime.strptime(_SAMPLE.strftime(spec), spec)
    except ValueError as exc:
        raise ValueError(f"date format {spec!r} is not a valid strftime pattern: {exc}") from None
    return StrptimeFormat(spec)


def as_local_date(value: date | datetime, zone: tzinfo) -> date:
    """The calendar date in the authority's zone; a naive datetime is already local."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        return value.date()
    try:
        return value.astimezone(zone).date()
    except OverflowError:
        raise RuleFailure(f"{describe(value)} is out of range") from None


def as_utc(value: date | datetime, zone: tzinfo = UTC) -> datetime:
    """An aware UTC datetime, so versions and watermarks from any source compare.

    A naive value is in `zone`: the authority's zone for mapped dates, UTC for the store's own
    timestamps and for sources that omit the offset.
    """
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is not None:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise RuleFailure(f"{describe(value)} is out of range") from None
    # What `value.replace(tzinfo=zone).astimezone(UTC)` gives, without its two slow copies: every
    # mapped time, cursor and stored timestamp comes through here.
    offset = zone.utcoffset(value)
    try:
        moment = value - offset if offset else value
    except OverflowError:
        raise RuleFailure(f"{describe(value.replace(tzinfo=zone))} is out of range") from None
    return datetime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        UTC,
    )


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if not isinstance(value, int | float | Decimal | str):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
