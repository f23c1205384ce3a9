"""The dates a record type holds, and the dates an authority's records can plausibly carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel

from mapping.rules import FieldKind, field_kind

_DATED = (FieldKind.DATE, FieldKind.DATETIME)


def date_fields(target: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a record type that can hold a date or a datetime, in declaration order."""
    return tuple(n for n, info in target.model_fields.items() if field_kind(info.annotation) in _DATED)


@dataclass(frozen=True)
class DateWindow:
    """The dates an authority's records can plausibly carry; a 1899 or 2099 is a typo, not evidence."""

    earliest: date
    latest: date

    def outside(self, record: BaseModel, names: Iterable[str] | None = None) -> list[str]:
        """A reason per date field outside the window, naming the field and the window, not the value.

        `names` are the record's date fields (`date_fields`), when the caller has them to hand."""
        reasons = []
        for name in date_fields(type(record)) if names is None else names:
            value = getattr(record, name)
            if value is None:
                continue
            day = value.date() if isinstance(value, datetime) else value
            if isinstance(day, date) and not self.earliest <= day <= self.latest:
                reasons.append(f"{name}: outside the plausible dates {self.earliest} to {self.latest}")
        return reasons
