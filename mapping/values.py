"""What a raw source value counts as: missing, text, a whole number; and how a reason quotes it.

Quarantine reasons quote the offending value so ops staff can find it, but only short scalars:
a long text could be narrative about a family, and the store never holds narrative.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

_QUOTE_UP_TO = 40
_LARGEST_NUMBER = 10**15


class RuleFailure(Exception):
    """A value a rule cannot turn into the schema's value; the message becomes a quarantine reason."""


def is_missing(value: Any) -> bool:
    """None and blank text both mean "the source gave nothing" (CSV drops write blanks for NULL)."""
    return value is None or (isinstance(value, str) and not value.strip())


def describe(value: Any) -> str:
    """A short, safe way to name a value in a reason."""
    if value is None or isinstance(value, bool):
        return {None: "no value", True: "true", False: "false"}[value]
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, int) and abs(value) > _LARGEST_NUMBER:
        return "a very large number"
    if isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, int | float | Decimal):
        value = str(value)
    elif not isinstance(value, str):
        return f"a {type(value).__name__}"
    return repr(value) if len(value) <= _QUOTE_UP_TO else f"a {len(value)}-character text"


def as_text(value: Any) -> str:
    """Identifiers and codes as text: `123`, `123.0` and `" 123 "` all read as `"123"`.

    Dates read as ISO text, so a pattern can test a date column a SQL driver typed.
    """
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise RuleFailure(f"{describe(value)} is not text")
    if isinstance(value, int):
        if abs(value) > _LARGEST_NUMBER:
            raise RuleFailure(f"{describe(value)} is too large to be a code")
        return str(value)
    whole = _whole(value)
    return str(whole) if whole is not None else str(value)


def as_whole_number(value: Any) -> int:
    """A whole number from a number or numeric text (`7`, `7.0`, `" 7 "`); `7.5` is not one."""
    if isinstance(value, bool):
        raise RuleFailure(f"{describe(value)} is not a whole number")
    number: int | float | Decimal
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise RuleFailure(f"{describe(value)} is not a whole number") from None
    elif isinstance(value, int | float | Decimal):
        number = value
    else:
        raise RuleFailure(f"{describe(value)} is not a whole number")
    whole = number if isinstance(number, int) else _whole(number)
    if whole is None:
        raise RuleFailure(f"{describe(value)} is not a whole number")
    return whole


def _whole(number: int | float | Decimal) -> int | None:
    """The int a number equals, if it is whole and of a sane size (huge values cost to convert)."""
    if isinstance(number, int):
        return number if abs(number) <= _LARGEST_NUMBER else None
    if isinstance(number, float) and not number.is_integer():
        return None
    if isinstance(number, Decimal) and (not number.is_finite() or number != number.to_integral_value()):
        return None
    if not -_LARGEST_NUMBER <= number <= _LARGEST_NUMBER:
        return None
    return int(number)
