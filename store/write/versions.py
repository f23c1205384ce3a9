"""An older source version never overwrites a newer one: the rule, once, as the upsert's guard.

A version is the source's own change time. Where either side has none, neither is older: the
content hash decides instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, or_


def not_older(table: Table, excluded: Any) -> Any:
    """The incoming row (an upsert's `excluded`, or a staged table's columns) is not older than the
    row held: publishing picks changed rows by it and the upsert's guard holds to it."""
    return or_(
        table.c.source_updated_at.is_(None),
        excluded.source_updated_at.is_(None),
        excluded.source_updated_at >= table.c.source_updated_at,
    )
