"""What publishing a staged run writes besides its records: quarantine rows and stream positions.

Each in the caller's transaction, the publish's own (`store.write.publish`), set-wise from the
run's staged rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Integer, and_, exists, literal, null, select, update

from store.schema.staged import STAGED_MAPPED, STAGED_QUARANTINE, STAGED_STREAMS
from store.schema.tables import POSITIONS, QUARANTINE, UtcDateTime
from store.write.upsert import dialect_insert


def merge_quarantine(
    conn: Connection, authority: str, run_id: int, now: datetime, whole_read: Sequence[str]
) -> None:
    """Write the run's quarantine rows; resolve those of records that now map and, after a complete
    full read of a stream, those of records the stream no longer has."""
    q = STAGED_QUARANTINE.c
    stamp = literal(now, UtcDateTime())
    rows = select(
        literal(run_id, Integer()),
        literal(authority),
        q.stream,
        q.source_id,
        q.reason,
        q.record_hash,
        q.record_key,
        stamp,
        stamp,
        null(),
    ).where(q.run_id == run_id)
    columns = [
        "run_id",
        "authority",
        "stream",
        "source_id",
        "reason",
        "record_hash",
        "record_key",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    ]
    statement = dialect_insert(conn, QUARANTINE).from_select(columns, rows)
    excluded = statement.excluded
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["authority", "stream", "record_key"],
            set_={c: excluded[c] for c in ("run_id", "reason", "record_hash", "last_seen_at", "resolved_at")},
        )
    )
    live = QUARANTINE.c
    waiting = and_(live.authority == authority, live.resolved_at.is_(None), live.run_id != run_id)
    mapped = exists().where(
        STAGED_MAPPED.c.run_id == run_id,
        STAGED_MAPPED.c.stream == live.stream,
        STAGED_MAPPED.c.source_id == live.source_id,
    )
    conn.execute(update(QUARANTINE).where(waiting, mapped).values(resolved_at=now))
    if whole_read:
        conn.execute(update(QUARANTINE).where(waiting, live.stream.in_(whole_read)).values(resolved_at=now))


def publish_positions(conn: Connection, authority: str, run_id: int, now: datetime) -> None:
    """The staged positions become the streams' positions, with the configuration they were made with."""
    s = STAGED_STREAMS.c
    rows = select(
        literal(authority),
        s.stream,
        s.position,
        literal(run_id, Integer()),
        literal(now, UtcDateTime()),
        s.config_hash,
    ).where(s.run_id == run_id, s.position.is_not(None))
    columns = ["authority", "stream", "position", "run_id", "updated_at", "config_hash"]
    statement = dialect_insert(conn, POSITIONS).from_select(columns, rows)
    excluded = statement.excluded
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["authority", "stream"],
            set_={c: excluded[c] for c in ("position", "run_id", "updated_at", "config_hash")},
        )
    )
