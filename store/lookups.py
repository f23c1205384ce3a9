"""What a run reads from the store before it writes: stored versions, positions, live counts.

Every function here runs on the caller's connection, inside its transaction where it has one. The
status tables keep their own reads (`store.statuses`); the dashboards' read model is `store.read`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, func, select

from store.models import StreamPosition
from store.tables import CASES, KEY_CHUNK, key_column
from store.versions import StoredVersion


def stored_versions(
    conn: Connection, table: Table, authority: str, keys: Iterable[str]
) -> dict[str, StoredVersion]:
    """What the store holds now for these records, to tell new, changed, unchanged and stale apart."""
    key = table.c[key_column(table)]
    found: dict[str, StoredVersion] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), KEY_CHUNK):
        rows = conn.execute(
            select(
                key, table.c.case_ref, table.c.content_hash, table.c.source_updated_at, table.c.deleted_on
            ).where(table.c.authority == authority, key.in_(wanted[start : start + KEY_CHUNK]))
        )
        for ref, case_ref, content_hash, updated, deleted_on in rows:
            found[ref] = StoredVersion(case_ref, content_hash, updated, deleted_on is not None)
    return found


def count_live(conn: Connection, table: Table, authority: str, case_ref: str | None = None) -> int:

    query = (
        select(func.count())
        .select_from(table)
        .where(table.c.authority == authority, table.c.deleted_on.is_(None))
    )
    if case_ref is not None:
        query = query.where(table.c.case_ref == case_ref)
    return int(conn.execute(query).scalar_one())


def load_position(conn: Connection, authority: str, stream: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(StreamPosition.position).where(
            StreamPosition.authority == authority, StreamPosition.stream == stream
        )
    ).scalar_one_or_none()
    return dict(row) if row is not None else None


def open_case_refs(conn: Connection, authority: str) -> list[str]:
    return [
        r
        for (r,) in conn.execute(
            select(CASES.c.case_ref)
            .where(CASES.c.authority == authority, CASES.c.closed_on.is_(None), CASES.c.deleted_on.is_(None))
            .order_by(CASES.c.case_ref)
        )
    ]
