"""Why a record was quarantined, in plain words: the field, what it holds and what it should hold,
never a validator's phrasing and never an identifier's value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from mapping.timeformats import ISO_EXPECTED
from mapping.values import describe

IDENTIFIER_FIELDS = frozenset({"case_ref", "worker", "source_id"})
"""Fields whose values a reason never quotes: the store may hold them only as pseudonyms. (Rules
fail on identifiers only for values that are not text, which `describe` never quotes.)"""


def validation_reasons(exc: ValidationError) -> list[str]:
    """The schema's refusals in plain words: the field, what it holds, and what it should hold."""
    reasons = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(p) for p in error["loc"])
        expected = _expected(error)
        if not field:
            reasons.append(expected)
        elif field in IDENTIFIER_FIELDS or error["type"] == "missing":
            reasons.append(f"{field}: {expected}")
        else:
            reasons.append(f"{field}: {describe(error['input'])} {expected}")
    return reasons


_EXPECTED: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda _: "has no value and is required: map it from a column the source fills",
    "less_than_equal": lambda ctx: f"is more than {ctx.get('le')}, the most allowed",
    "greater_than_equal": lambda ctx: f"is less than {ctx.get('ge')}, the least allowed",
    "string_too_long": lambda ctx: f"is longer than the {ctx.get('max_length')} characters allowed",
    "string_too_short": lambda _: "is empty, and a value is required",
    "date_": lambda _: f"is not a date: expected {ISO_EXPECTED} or the configured date format",
    "datetime_": lambda _: f"is not a date and time: expected {ISO_EXPECTED} or the configured format",
    "enum": lambda ctx: f"is not one of {ctx.get('expected')}: map the source's codes onto these",
    "int_": lambda _: "is not a whole number",
}
"""What the schema wanted, by pydantic's error type (or its prefix), so no reason reads like a validator's."""


def _expected(error: Any) -> str:
    kind, ctx = str(error["type"]), error.get("ctx") or {}
    if kind == "value_error":  # the schema's own checks, already in plain words
        return str(error["msg"]).removeprefix("Value error, ")
    for prefix, say in _EXPECTED.items():
        if kind == prefix or (prefix.endswith("_") and kind.startswith(prefix)):
            return say(ctx)
    return f"is not accepted ({str(error['msg']).lower()})"
