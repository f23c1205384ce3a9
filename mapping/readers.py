"""Fast twin of mapping.rules.CompiledField.evaluate; held equal by tests/mapping/test_field_readers.py.

Readers that answer the common values of a plain column at once. `evaluate` is the rule as written
and stays the reference; a reader here answers only where it gives the very same value, and hands
every other value to `evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from mapping.rules import UNMATCHED, AsText, CompiledField, FieldKind, ParseTime, PatternPick, ValueMap
from mapping.timeformats import IsoFormat, as_utc

Reader = Callable[[Mapping[str, Any]], Any]


def reader(rule: CompiledField) -> Reader:
    """How a mapping reads the field: its fast twin where it has one, else the rule itself."""
    return _shortcut(rule) or rule.evaluate


def _shortcut(rule: CompiledField) -> Reader | None:
    """A reader for a field whose source is one plain column, specialised to its transform.

    Each shortcut answers only for values where `evaluate` would give the very same result with no
    default, failure or conversion left to apply (non-blank text, a code the map knows with a plain
    output, a text the pattern memo or the day memo has seen, ISO text); every other value goes to
    `evaluate`, so defaults, required checks and quarantine reasons are unchanged.
    """
    build = _SHORTCUTS.get(type(rule.transform))
    if rule.column is None or build is None:
        return None
    return build(rule, rule.column)


def _fallback(rule: CompiledField) -> Callable[[Mapping[str, Any], Any], Any]:
    """What a shortcut does with a raw value it does not answer for: `evaluate` the record, except
    that a field that is empty without a value (no default, not required) is answered at once."""
    evaluate = rule.evaluate
    if rule.default is not None or rule.required:
        return lambda record, _raw: evaluate(record)
    return lambda record, raw: None if raw is None else evaluate(record)


def _looked_up(rule: CompiledField, column: str, answer: Callable[[str], Any]) -> Reader:
    """A reader that answers a text value with `answer` (a strip, a map or memo lookup), when that
    gives a value; an empty or missing answer goes to the full rule."""
    slow = _fallback(rule)

    def looked_up(record: Mapping[str, Any]) -> Any:
        raw = record.get(column)
        if type(raw) is str:
            value = answer(raw)
            if value:
                return value
        return slow(record, raw)

    return looked_up


def _text_reader(rule: CompiledField, column: str) -> Reader:
    """Fast twin of mapping.rules.CompiledField.evaluate; held equal by
    tests/mapping/test_field_readers.py. Answers non-blank text."""
    return _looked_up(rule, column, str.strip)  # non-blank text, stripped as `as_text` does


def _code_reader(rule: CompiledField, column: str) -> Reader:
    """Fast twin of mapping.rules.CompiledField.evaluate; held equal by
    tests/mapping/test_field_readers.py. Answers a code the map knows."""
    return _looked_up(rule, column, code_answers(rule).get)


def code_answers(rule: CompiledField) -> dict[str, Any]:
    """The codes of a map a reader answers at once: as `as_text` leaves them, with an output
    `_evaluate` would return unchanged."""
    assert isinstance(rule.transform, ValueMap)
    return {
        code: output
        for code, output in rule.transform.entries.items()
        if type(code) is str and code and code == code.strip()
        if output is not None and not (rule.dated and isinstance(output, date))
    }


def _pick_reader(rule: CompiledField, column: str) -> Reader:
    """Fast twin of mapping.rules.CompiledField.evaluate; held equal by
    tests/mapping/test_field_readers.py. Answers a text the pattern memo has seen."""
    assert isinstance(rule.transform, PatternPick)
    slow = _fallback(rule)
    # The memo is keyed by `as_text` results, which never start or end with a space: a raw text
    # that does is not found there and takes the full path.
    picks = rule.transform.memo
    unmatched_is_none = pick_leaves_empty(rule)

    def picked(record: Mapping[str, Any]) -> Any:
        raw = record.get(column)
        if type(raw) is str:
            output = picks.get(raw)
            if type(output) is str:
                return output
            if output is UNMATCHED and unmatched_is_none:
                return None
        return slow(record, raw)

    return picked


def _time_reader(rule: CompiledField, column: str) -> Reader | None:
    """Fast twin of mapping.rules.CompiledField.evaluate; held equal by
    tests/mapping/test_field_readers.py. Answers a date's text seen before, or ISO datetime text."""
    assert isinstance(rule.transform, ParseTime)
    slow, days = _fallback(rule), rule.days
    if days is not None:
        return _looked_up(rule, column, days.get)  # a date field's text seen before
    if rule.kind is not FieldKind.DATETIME or not isinstance(rule.transform.format, IsoFormat):
        return None
    zone, parse = rule.zone, datetime.fromisoformat

    def moment(record: Mapping[str, Any]) -> Any:
        raw = record.get(column)
        if type(raw) is str:
            try:
                parsed = parse(raw.strip())
            except ValueError:
                return slow(record, raw)  # blank or not ISO: the default, or the format's reason
            return as_utc(parsed, zone)
        return slow(record, raw)

    return moment


def pick_leaves_empty(rule: CompiledField) -> bool:
    """`default: null` on a field that does not decide the element: no pattern matching is no value."""
    return rule.has_default and rule.default is None and not rule.required and not rule.decides_element


_SHORTCUTS: dict[type, Callable[[CompiledField, str], Reader | None]] = {
    AsText: _text_reader,
    ValueMap: _code_reader,
    PatternPick: _pick_reader,
    ParseTime: _time_reader,
}
