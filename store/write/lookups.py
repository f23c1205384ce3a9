"""What a run reads of the live tables besides its staged rows: positions, waiting quarantine, and
the open cases the daily recompute settles.

Every function here runs on the caller's connection, inside its transaction where it has one. What
publishing measures of the staged rows is `store.write.publish`; the status tables keep their own
reads (`store.write.statuses`); the dashboards' read model is `store.read`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, func, select

from store.schema.tables import CASES, POSITIONS, QUARANTINE


def count_live(
    conn: Connection, table: Table, authority: str, case_ref: str | None = None, *, deleted: bool = False
) -> int:
    """Rows not marked deleted (or, with `deleted`, only those marked deleted)."""
    gone = table.c.deleted_on.is_not(None) if deleted else table.c.deleted_on.is_(None)
    query = select(func.count()).select_from(table).where(table.c.authority == authority, gone)
    if case_ref is not None:
        query = query.where(table.c.case_ref == case_ref)
    return int(conn.execute(query).scalar_one())


def load_position(conn: Connection, authority: str, stream: str) -> tuple[dict[str, Any] | None, str | None]:
    """The stream's published position and the configuration hash it was made with."""
    p = POSITIONS.c
    row = conn.execute(
        select(p.position, p.config_hash).where(p.authority == authority, p.stream == stream)
    ).first()
    if row is None:
        return None, None
    return dict(row[0]) if row[0] is not None else None, row[1]


def open_case_refs(conn: Connection, authority: str) -> list[str]:
    query = (
        select(CASES.c.case_ref)
        .where(CASES.c.authority == authority, CASES.c.closed_on.is_(None), CASES.c.deleted_on.is_(None))
        .order_by(CASES.c.case_ref)
    )
    return list(conn.execute(query).scalars().all())


def holds_open_quarantine(conn: Connection, authority: str, stream: str) -> bool:
    """Whether any open quarantine row of the stream names a source record a mapping could resolve."""
    q = QUARANTINE.c
    query = select(q.source_id).where(
        q.authority == authority, q.stream == stream, q.resolved_at.is_(None), q.source_id.is_not(None)
    )
    return conn.execute(query.limit(1)).first() is not None
