"""Compiled field rules: where a value comes from (a source) and what it becomes (a transform).

One small class per rule kind; a field is one source, one transform, a default and whether it is
required. `mapping.mapper` builds these once per run from the validated spec.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Any, Final, Protocol

from mapping.paths import Path, split_path, walk
from mapping.timeformats import TimeFormat, as_local_date, as_utc
from mapping.values import RuleFailure, as_text, as_whole_number, describe, is_missing


class Unmatched(RuleFailure):
    """No map entry covers the value. (Patterns tolerate that: they give `UNMATCHED` instead.)"""


def present(value: Any) -> Any:
    """The value, or None where it is blank (`is_missing`)."""
    if value is None or (type(value) is str and value and not (value[0] + value[-1]).isspace()):
        return value  # the common cases, answered without a call
    return None if is_missing(value) else value


# Sources -----------------------------------------------------------------------------------------


class Source(Protocol):
    def read(self, record: Mapping[str, Any]) -> Any:
        """The raw value, or None when the source gives nothing."""
        ...

    def paths(self) -> tuple[str, ...]:
        """The source paths read, for messages and for recognising system fields."""
        ...


@dataclass(frozen=True)
class PathSource:
    path: str
    segments: Path = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", split_path(self.path))  # split once, at compile time

    def read(self, record: Mapping[str, Any]) -> Any:
        # Most paths are plain column names: look them up before walking.
        return present(record[self.path] if self.path in record else walk(record, self.segments))

    def paths(self) -> tuple[str, ...]:
        return (self.path,)


@dataclass(frozen=True)
class FirstOfSource:
    """Fallbacks: the first path that has a value (e.g. completed date, else started date)."""

    sources: tuple[PathSource, ...]

    def read(self, record: Mapping[str, Any]) -> Any:
        for source in self.sources:
            value = source.read(record)
            if value is not None:
                return value
        return None

    def paths(self) -> tuple[str, ...]:
        return tuple(s.path for s in self.sources)


@dataclass(frozen=True)
class ConstSource:
    value: Any

    def read(self, record: Mapping[str, Any]) -> Any:
        return self.value

    def paths(self) -> tuple[str, ...]:
        return ()


# Transforms --------------------------------------------------------------------------------------


class Transform(Protocol):
    def apply(self, value: Any) -> Any:
        """Turn a present raw value into the field's value; raise `RuleFailure` if it cannot."""
        ...


class Unchanged:
    """Constants are written in the schema's terms already."""

    def apply(self, value: Any) -> Any:
        return value


class AsText:
    def apply(self, value: Any) -> Any:
        return as_text(value)


class AsScale:
    """`number: true`: a 0-10 scaling judgement; the schema checks the range."""

    def apply(self, value: Any) -> Any:
        return as_whole_number(value)


@dataclass(frozen=True)
class ValueMap:
    """Source codes to schema values; a code the map does not know is worth a look, not a guess."""

    entries: Mapping[str, Any]

    def apply(self, value: Any) -> Any:
        key = as_text(value)
        if key in self.entries:
            return self.entries[key]
        raise Unmatched(
            f"{describe(value)} is not in the map: add it to the field's map or give the rule a default",
        )


UNKNOWN_ITEM = "an item is not in the map (a role it does not know, or a person's name)"


@dataclass(frozen=True)
class EachItem:
    """A list field (`participants`): a text split on `split:` or a list as it is, each item through
    the item transform (a map, or as text); empty items are dropped and repeats kept once.

    An item the map does not know quarantines the record, unless the rule gives a default: then the
    item becomes the default, and `default: null` leaves it out.
    """

    separator: str | None
    item: Transform
    unknown: Any = None
    has_unknown: bool = False

    def apply(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            raw_items = list(value)
        elif self.separator is not None and isinstance(value, str):
            raw_items = value.split(self.separator)
        else:
            raw_items = [value]
        items: list[Any] = []
        for raw in raw_items:
            if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                raise RuleFailure(f"an item is {describe(raw)}, not text")
            if isinstance(raw, str) and not raw.strip():
                continue
            try:
                item = self.item.apply(raw.strip() if isinstance(raw, str) else raw)
            except Unmatched:
                if not self.has_unknown:
                    # Not quoted: an item the map does not know may be a person's name.
                    raise RuleFailure(
                        f"{UNKNOWN_ITEM}: add its role to the field's map, or give the rule "
                        "`default: null` to leave unknown items out"
                    ) from None
                item = self.unknown
            if item is not None and item not in items:
                items.append(item)
        return tuple(items)


@dataclass(frozen=True)
class GlobPattern:
    """`match:`, a shell-style pattern over the whole value, case-insensitive (template names drift)."""

    glob: str
    output: Any
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(fnmatch.translate(self.glob), re.IGNORECASE))

    def matches(self, text: str) -> bool:
        return self.compiled.match(text) is not None


@dataclass(frozen=True)
class RegexPattern:
    """`regex:`, searched anywhere in the value, as written (use `(?i)` to ignore case)."""

    regex: re.Pattern[str]
    output: Any

    def matches(self, text: str) -> bool:
        return self.regex.search(text) is not None


UNMATCHED: Final = object()
"""What a pattern rule gives for a value no pattern covers: no value, which is not an error."""

_MEMO_SIZE = 4096


@dataclass(frozen=True)
class PatternPick:
    """The output of the first pattern that matches; none matching is no value, not an error.

    A source has few distinct template names or step types, so each text's pick is remembered
    (up to a bound) rather than matched against every pattern per record.
    """

    patterns: tuple[GlobPattern | RegexPattern, ...]
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def apply(self, value: Any) -> Any:
        """The first matching pattern's output, or `UNMATCHED`."""
        text = as_text(value)
        memo = self.memo
        if text in memo:
            return memo[text]
        picked = next((p.output for p in self.patterns if p.matches(text)), UNMATCHED)
        if len(memo) < _MEMO_SIZE:
            memo[text] = picked
        return picked


@dataclass(frozen=True)
class ParseTime:
    """`date:` / `datetime:` rules; values that are already dates (SQL drivers) pass through."""

    format: TimeFormat

    def apply(self, value: Any) -> Any:
        if isinstance(value, date):
            return value
        return self.format.parse(value)


# Fields ------------------------------------------------------------------------------------------


class FieldKind(StrEnum):
    """What the schema field holds, which decides the last step of every rule."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"


class NoElement(Exception):
    """The record is of a type that maps to no practice element."""


@dataclass(frozen=True)
class CompiledField:
    name: str
    source: Source
    transform: Transform
    kind: FieldKind
    zone: tzinfo
    default: Any = None
    has_default: bool = False
    """`default: null` said out loud: values a map does not know are left empty, not quarantined."""
    required: bool = False
    decides_element: bool = False
    dated: bool = field(init=False, repr=False, compare=False)
    days: dict[str, date] | None = field(init=False, repr=False, compare=False)
    """A date field's days by their source text: a source writes few distinct dates, each parsed once."""

    column: str | None = field(init=False, repr=False, compare=False)
    """The source's path when it is one plain column, read here without a call to the source."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dated", self.kind in (FieldKind.DATE, FieldKind.DATETIME))
        source = self.source
        plain = source.path if isinstance(source, PathSource) and len(source.segments) == 1 else None
        object.__setattr__(self, "column", plain)
        parses = self.kind is FieldKind.DATE and isinstance(self.transform, ParseTime)
        object.__setattr__(self, "days", {} if parses else None)

    def evaluate(self, record: Mapping[str, Any]) -> Any:
        """The field's value for one record; raises `RuleFailure`, or `NoElement` for the element.

        The reference: `mapping.readers` holds its fast twins, one per kind of rule."""
        if self.column is None:
            raw = self.source.read(record)
        else:
            raw = record.get(self.column)  # what `PathSource.read` finds for a path of one segment
            if raw is not None and not (type(raw) is str and raw and not (raw[0] + raw[-1]).isspace()):
                raw = present(raw)
        days = self.days
        if days is not None and type(raw) is str:
            day = days.get(raw)
            if day is None:
                day = self._evaluate(raw)
                if len(days) < _MEMO_SIZE:
                    days[raw] = day
            return day
        return self._evaluate(raw)

    def _evaluate(self, raw: Any) -> Any:
        if raw is None:
            value = self.default
        else:
            try:
                value = self.transform.apply(raw)
            except Unmatched as exc:
                value = self._unmatched(raw, exc)
            else:
                if value is UNMATCHED:
                    value = self._unmatched(raw, None)
        if value is None:
            if self.required:
                where = " or ".join(self.source.paths())
                missing = f"no value at {where}" if where else "no value"
                raise RuleFailure(
                    f"{missing}, and the field is required: fill it in the source or read another column"
                )
            return None
        if not self.dated or not isinstance(value, date):
            return value
        if self.kind is FieldKind.DATE:
            return as_local_date(value, self.zone)
        return as_utc(value, self.zone)

    def _unmatched(self, raw: Any, failure: Unmatched | None) -> Any:
        """No map entry (`failure`) or pattern covers `raw`: the record is no practice evidence
        (element rule), the default said out loud, no value (patterns), or the map's failure."""
        if self.decides_element and self.default is None:
            raise NoElement(raw) from None
        if self.has_default:
            return self.default
        if failure is None:
            return None
        raise failure


def field_kind(value_type: Any) -> FieldKind:
    """The kind of a schema field from its annotation (`date | None` is a date)."""
    if getattr(value_type, "__origin__", None) is tuple:
        return FieldKind.LIST
    members = getattr(value_type, "__args__", (value_type,))
    for member in members:
        if member is datetime:
            return FieldKind.DATETIME
        if member is date:
            return FieldKind.DATE
        if member is int:
            return FieldKind.NUMBER
    return FieldKind.TEXT
