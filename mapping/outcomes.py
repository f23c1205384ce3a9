"""What mapping made of each source record, and the hashes that name records without storing them.

The unit is the *source record*: one row, or for gathered form-answer tables one form (all its
answer rows). Every source record gets one outcome, except that a record evidencing several
elements (a "Danger Statement & Safety Goal" form) is mapped once per element, each its own
evidence row. Each outcome says how many raw rows it stands for (`source_rows`, counted on the
first of a record's outcomes), so a run can report records and rows and both add up:

    records read = mapped (then written + unchanged) + quarantined + not practice evidence
    rows read    = sum(outcome.source_rows)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from json.encoder import encode_basestring_ascii
from typing import Any

from pydantic_core import to_json

from mapping.schema import Audit, Case, CaseEpisode, Evidence

Record = Case | Evidence | Audit | CaseEpisode
"""A schema record a stream maps its source records into."""

CONTENT_HASH_EXCLUDES = frozenset({"source_id", "source_updated_at"})
"""Never part of the content hash. The source id is the record's key, not its content (the store
finds the stored version by it, so including it adds nothing, and leaving it out lets a rewritten
id be recognised as the same content). The source's update time is version metadata: a CMS
overnight job that touches every row's timestamp must not make every record count as changed."""


@dataclass(frozen=True)
class Mapped:
    """A valid schema record; the runner writes it, or counts it unchanged if the hash matches.

    `source_id` names the source record (what quarantine knows it by); the record's own
    `source_id` is the row's identity, which adds the element when the record evidences several.
    """

    record: Record
    source_id: str
    content_hash: str
    source_rows: int = 1


@dataclass(frozen=True)
class NotPracticeEvidence:
    """A record of a type (template, step type, form design) that maps to no element."""

    source_id: str | None
    source_type: str | None
    source_rows: int = 1


@dataclass(frozen=True)
class Quarantined:
    """A record that could not be mapped: why, and a hash to name it by; never its contents.

    For a gathered form the hash is of the gathered record (first row's columns plus answers).
    """

    reason: str
    raw_hash: str
    source_id: str | None = None
    source_rows: int = 1
    row_ids: tuple[str, ...] = ()
    """The stored rows of a record that evidences several elements: still in the source, not gone."""

    @property
    def stored_ids(self) -> tuple[str, ...]:
        """The store keys this record stands for, to keep them through a full resync."""
        if self.row_ids:
            return self.row_ids
        return (self.source_id,) if self.source_id is not None else ()


RecordOutcome = Mapped | NotPracticeEvidence | Quarantined


@dataclass(frozen=True)
class OutcomeCounts:
    records: int = 0
    mapped: int = 0
    not_practice_evidence: int = 0
    quarantined: int = 0
    source_rows: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[RecordOutcome]) -> OutcomeCounts:
        mapped = not_evidence = quarantined = rows = 0
        for outcome in outcomes:
            rows += outcome.source_rows
            if isinstance(outcome, Mapped):
                mapped += 1
            elif isinstance(outcome, NotPracticeEvidence):
                not_evidence += 1
            else:
                quarantined += 1
        return cls(mapped + not_evidence + quarantined, mapped, not_evidence, quarantined, rows)


def canonical_hash(value: Any) -> str:
    """sha256 of canonical JSON (sorted keys, no spaces, `str` for anything else).

    Connectors name the records they reject with it and mapping the records it quarantines, so one
    record has one name in quarantine whichever side turned it away.
    """
    try:
        text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    except (TypeError, ValueError):
        # Mixed key types or ints too long to print: hash a plain-text copy instead of failing.
        text = json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(record: Record, excluded: Iterable[str] = ()) -> str:
    """The hash of a mapped record's meaningful content (see `CONTENT_HASH_EXCLUDES`)."""
    return content_hasher(type(record), excluded)(record)


def content_hasher(target: type[Record], excluded: Iterable[str] = ()) -> Callable[[Record], str]:
    """Fast twin of mapping.outcomes.canonical_hash; held equal by tests/mapping/test_field_readers.py.

    `content_hash` for one record type, with the hashed fields sorted once instead of per record.

    The JSON is written value by value, byte for byte as pydantic's `to_json` of the sorted fields
    would write it (the hash of every stored record depends on it): ASCII text through the
    standard library's string encoder, which escapes it the same way except for DEL, dates as ISO
    text, whole numbers and nulls as they are, anything else by pydantic. A record holding
    non-ASCII text is hashed from `model_dump` instead, as `json.dumps` escapes what pydantic
    writes as it is.

    Most fields hold few distinct values (the authority, an element, a state, a date), so each
    field remembers the JSON of the texts, dates and nulls it has written, up to a bound. Only
    those are remembered: values equal to one of them are written alike (a StrEnum member and its
    value), which is not so for others (`True == 1`, and one instant in two time zones).
    """
    skipped = CONTENT_HASH_EXCLUDES | set(excluded)
    if any(_unhashable(info.annotation) for info in target.model_fields.values()):
        # A record holding a map (an audit's area grades) cannot be remembered by value: it is
        # hashed from its dump, as a non-ASCII one is below.
        return lambda record: canonical_hash(record.model_dump(mode="json", exclude=set(skipped)))
    keyed = tuple(
        (json.dumps(n) + ":", n, dict[Any, str]()) for n in sorted(target.model_fields) if n not in skipped
    )

    def hashed(record: Record) -> str:
        fields = record.__dict__
        parts = []
        for key, name, written in keyed:
            value = fields[name]
            text = written.get(value)
            if text is None:
                write = _WRITERS.get(type(value))
                json_value = write(value) if write is not None else _written(value)
                if json_value is None:
                    return canonical_hash(record.model_dump(mode="json", exclude=set(skipped)))
                text = key + json_value
                if len(written) < _MEMO_SIZE and _rememberable(value):
                    written[value] = text
            parts.append(text)
        return hashlib.sha256(("{" + ",".join(parts) + "}").encode()).hexdigest()

    return hashed


_MEMO_SIZE = 4096


def _unhashable(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) in (dict, list)


def _rememberable(value: Any) -> bool:
    """Texts, dates and nulls: values every value equal to them is written as."""
    return value is None or type(value) is date or isinstance(value, str)


def _text(value: str) -> str | None:
    """Text as `to_json` writes it, or None for non-ASCII text (the record then takes the slow path)."""
    if not value.isascii():
        return None
    if "\x7f" in value:  # the one ASCII character `json.dumps` escapes and pydantic does not
        return to_json(value).decode()
    return encode_basestring_ascii(value)


_WRITERS: dict[type, Callable[[Any], str | None]] = {
    str: _text,
    type(None): lambda _: "null",
    int: int.__repr__,
    date: lambda day: '"' + day.isoformat() + '"',
}
"""JSON for the exact types a schema record mostly holds (an enum, a bool or a datetime is not one)."""


def _written(value: Any) -> str | None:
    """The JSON of a value of another type, or None when it is not ASCII."""
    if isinstance(value, str):  # a StrEnum member: its value, as text
        return _text(value)
    text = to_json(value)
    return text.decode() if text.isascii() else None


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return hex(value)
    if value is None or isinstance(value, bool | float | str):
        return value
    return str(value)
