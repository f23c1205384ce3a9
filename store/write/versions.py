"""An older source version never overwrites a newer one: the rule, once, in Python and in SQL.

A version is the source's own change time. Where either side has none, neither is older: the
content hash decides instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, or_

from mapping.timeformats import as_utc


def is_older(candidate: datetime | None, held: datetime | None) -> bool:
    """True when both versions are known and the candidate's is strictly older than the one held."""
    if candidate is None or held is None:
        return False
    return as_utc(candidate) < as_utc(held)


def not_older(table: Table, excluded: Any) -> Any:
    """The same rule as the database's guard on an upsert: the incoming row is not older."""
    return or_(
        table.c.source_updated_at.is_(None),
        excluded.source_updated_at.is_(None),
        excluded.source_updated_at >= table.c.source_updated_at,
    )


class StoredVersion(NamedTuple):
    """What the store holds of a record, read for every record of a batch: a tuple, cheap to make."""

    case_ref: str
    content_hash: str
    source_updated_at: datetime | None
    deleted: bool

    def is_newer_than(self, candidate: datetime | None) -> bool:
        """True when the stored version is strictly newer than the candidate, so it must stay."""
        return is_older(candidate, self.source_updated_at)
