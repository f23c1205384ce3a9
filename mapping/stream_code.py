"""Fast twin of mapping.mapper.CompiledStream.map_record; held equal by tests/mapping/test_stream_code.py.

A stream's rules, compiled once per run into one straight-line Python function that maps the common
record (every field a plain column holding the usual kind of value, nothing to quarantine) with no
call per field beyond the ones the rule needs. Whatever it does not answer at once it hands to the
field's own reader (`mapping.readers`); any failure, any reason to quarantine, a record evidencing
several elements, and every record of a stream it has no code for go to `map_record`, the reference,
which maps the record again from the start. So reasons, defaults and hashes come from one place.

The function's text is made of names this module chooses (`c3`, `r3`) and the schema's own field
names, nothing else: every value from an authority's file (a column name, a map, an element, a key)
reaches it only as an object bound in its namespace, never as text, so no authority file can change
what the code says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from mapping.identifiers import MAX_REF_LENGTH
from mapping.outcomes import Mapped, NotPracticeEvidence, RecordOutcome
from mapping.readers import code_answers, pick_leaves_empty, reader
from mapping.rules import (
    UNMATCHED,
    AsText,
    CompiledField,
    FieldKind,
    NoElement,
    ParseTime,
    PatternPick,
    ValueMap,
)
from mapping.timeformats import IsoFormat, as_utc
from mapping.values import RuleFailure

if TYPE_CHECKING:
    from mapping.mapper import CompiledStream

FastMap = Callable[[dict[str, Any], int], RecordOutcome | None]
"""A record and its source rows to its one outcome, or None: the reference must map it."""


@dataclass
class _Code:
    """The function's lines and the objects its names are bound to."""

    lines: list[str]
    bound: dict[str, Any]

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.bound)}"
        self.bound[name] = value
        return name

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)


def stream_code(stream: CompiledStream) -> FastMap | None:
    """The stream's one-function twin, or None where every record takes the reference path."""
    if stream.audit_fields is not None:
        return None  # audits: grades read against a scale, few records; the reference maps them
    code = _Code(["def fast(record, rows):"], dict(_FIXED))
    source_id = _field(code, stream.source_id, "sid")
    if stream.identifiers.pseudonymises_cases:  # as `Identifiers.reference` stores a source id
        code.add(f"    sid = {code.bind('i', stream.identifiers.case_ref)}(sid)")
    code.add(f"    if len({source_id}) > {code.bind('n', MAX_REF_LENGTH)}:", "        return None")
    names = [(code.bind("k", "authority"), code.bind("a", stream.authority))]
    if stream.element is not None:
        element = _field(code, stream.element, "element", element=True)
        code.add(f"    if type({element}) is not str:", "        return None")  # several elements
        names.append((code.bind("k", "element"), element))
    for rule in stream.fields:
        names.append((code.bind("k", rule.name), _field(code, rule, f"v{len(code.bound)}")))
    code.add("    values = {" + ", ".join(f"{k}: {v}" for k, v in names) + "}")
    _settled_and_checked(code, stream)
    namespace = dict(code.bound)
    # The text is this module's own, over names it chose; an authority's values are bound objects.
    exec(compile("\n".join(code.lines), f"<stream {stream.name}>", "exec"), namespace)  # noqa: S102  # nosec B102
    fast: FastMap = namespace["fast"]
    return fast


def mapped_fast(
    fast: FastMap,
    records: Iterable[tuple[Mapping[str, Any], int]],
    by_rule: Callable[[Mapping[str, Any], int], list[RecordOutcome]],
) -> list[RecordOutcome]:
    """Each source record's outcomes: from the compiled function, or where it does not answer, by rule."""
    outcomes: list[RecordOutcome] = []
    answer, more = outcomes.append, outcomes.extend
    for record, rows in records:
        outcome = fast(record, rows) if type(record) is dict else None
        if outcome is None:
            more(by_rule(record, rows))
        else:
            answer(outcome)
    return outcomes


def _field(code: _Code, rule: CompiledField, out: str, *, element: bool = False) -> str:
    """Lines reading one field into `out`: the common value inline, any other by its reader."""
    bind = code.bind
    read = bind("r", _guarded(reader(rule)))
    slow = (f"        if ({out} := {read}(record)) is FAILED:", "            return None")
    column, transform = rule.column, rule.transform
    if column is None:
        code.add("    if True:", *slow)
        return out
    raw = f"raw_{out}"
    code.add(f"    {raw} = record.get({bind('c', column)})")
    if isinstance(transform, AsText):
        code.add(f"    if type({raw}) is not str or not ({out} := {raw}.strip()):", *slow)
    elif isinstance(transform, ValueMap):
        known = bind("m", code_answers(rule))
        code.add(f"    if type({raw}) is not str or not ({out} := {known}.get({raw})):", *slow)
    elif isinstance(transform, PatternPick):
        memo = bind("p", transform.memo)
        code.add(f"    {out} = {memo}.get({raw}) if type({raw}) is str else None")
        if element and rule.default is None:
            # No pattern covers the source's type: not practice evidence, as the element rule says.
            code.add(f"    if {out} is UNMATCHED:", f"        return NotPracticeEvidence(sid, {raw}, rows)")
        elif pick_leaves_empty(rule):
            code.add(
                f"    if {out} is UNMATCHED:", f"        {out} = None", f"    elif type({out}) is not str:"
            )
            code.add(*slow)
            return out
        code.add(f"    if type({out}) is not str:", *slow)
    elif isinstance(transform, ParseTime) and rule.days is not None:
        days = bind("d", rule.days)
        code.add(f"    if type({raw}) is not str or not ({out} := {days}.get({raw})):", *slow)
    elif (
        rule.kind is FieldKind.DATETIME
        and isinstance(transform, ParseTime)
        and isinstance(transform.format, IsoFormat)
    ):
        moment = bind("t", _iso_moment(rule.zone))
        code.add(f"    if type({raw}) is not str or ({out} := {moment}({raw})) is None:", *slow)
    else:
        code.add("    if True:", *slow)
    return out


def _settled_and_checked(code: _Code, stream: CompiledStream) -> None:
    """Lines for what `map_record` does once the fields are read, for a record it would store."""
    bind = code.bind
    names = {rule.name for rule in stream.fields}
    if "worker" in names or stream.case_fields.unlisted_team is not None:
        code.add(f"    if {bind('s', stream.case_fields.settle)}(values, record):", "        return None")
    ids = stream.identifiers
    if ids.pseudonymises_cases:
        case_ref = bind("k", "case_ref")
        code.add(f"    values[{case_ref}] = {bind('i', ids.case_ref)}(values[{case_ref}])")
    if "worker" in names:
        worker = bind("k", "worker")
        code.add(f"    values[{worker}] = {bind('i', ids.worker)}(values[{worker}])")
    if stream.keyed_rows:
        code.add(f"    values[{bind('k', 'source_id')}] = sid")
    code.add(
        "    try:",
        f"        mapped = {bind('v', stream.validate)}(values)",
        "    except ValidationError:",
        "        return None",
    )
    if stream.dates is not None and stream.date_fields:
        # `DateWindow.outside`, a field at a time: a date out of the window is the reference's to word.
        earliest, latest = bind("w", stream.dates.earliest), bind("w", stream.dates.latest)
        for name in stream.date_fields:
            code.add(
                f"    if (day := mapped.{name}) is not None:",
                "        if isinstance(day, datetime):",
                "            day = day.date()",
                f"        if isinstance(day, date) and not {earliest} <= day <= {latest}:",
                "            return None",
            )
    code.add(f"    return Mapped(mapped, sid, {bind('h', stream.hash_content)}(mapped), rows)")


class _Failed:
    """What a guarded reader gives for a value its rule fails on: the reference then maps the record."""


FAILED = _Failed()

_FIXED: dict[str, Any] = {
    "FAILED": FAILED,
    "UNMATCHED": UNMATCHED,
    "Mapped": Mapped,
    "NotPracticeEvidence": NotPracticeEvidence,
    "ValidationError": ValidationError,
    "date": date,
    "datetime": datetime,
}


def _guarded(read: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
    """The reader, giving FAILED where its rule fails (a reason, or no element) instead of raising."""

    def guarded(record: Mapping[str, Any]) -> Any:
        try:
            return read(record)
        except (RuleFailure, NoElement):
            return FAILED

    return guarded


def _iso_moment(zone: Any) -> Callable[[str], datetime | None]:
    """ISO datetime text in UTC, as `mapping.readers` reads it; None where that reader would not answer."""
    parse = datetime.fromisoformat

    def moment(raw: str) -> datetime | None:
        try:
            return as_utc(parse(raw.strip()), zone)
        except (ValueError, RuleFailure):
            return None

    return moment
