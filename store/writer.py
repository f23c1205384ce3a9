"""Writing one batch: versioned upserts, quarantine rows and positions.

What a run reads before it writes is `store.lookups`; the version rule is `store.versions`.

Every function here runs inside the caller's transaction; the sync runner commits a batch's data,
its quarantine rows, the cases it touched and its stream position together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, or_, select, update

from mapping.schema import Case, Evidence
from store.models import QuarantineRow
from store.tables import AUTHORITIES, CASES, EVIDENCE, KEY_CHUNK, POSITIONS, QUARANTINE, key_column
from store.upsert import upsert
from store.versions import not_older


def ensure_authority(conn: Connection, code: str, name: str, now: datetime) -> None:
    upsert(conn, AUTHORITIES, [{"code": code, "name": name, "updated_at": now}], keys=["code"])


def write_cases(conn: Connection, cases: Sequence[tuple[Case, str]], run_id: int, now: datetime) -> None:
    rows = [
        {
            **vars(case),  # the validated fields as they are: no copy through model_dump per record
            "case_type": case.case_type.value,
            "content_hash": content_hash,
            "synced_at": now,
            "last_seen_run": run_id,
            "deleted_on": None,
        }
        for case, content_hash in cases
    ]
    upsert(conn, CASES, rows, keys=["authority", "case_ref"], where=not_older)


def write_evidence(
    conn: Connection, records: Sequence[tuple[Evidence, str]], run_id: int, now: datetime
) -> None:
    rows = [
        {
            **vars(e),
            "state": e.state.value,
            "content_hash": content_hash,
            "synced_at": now,
            "last_seen_run": run_id,
            "deleted_on": None,
        }
        for e, content_hash in records
    ]
    upsert(conn, EVIDENCE, rows, keys=["authority", "source_id"], where=not_older)


def mark_seen(conn: Connection, table: Table, authority: str, keys: Iterable[str], run_id: int) -> None:
    """Note that a full read met these unchanged records, so they are not taken for vanished."""
    key = table.c[key_column(table)]
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), KEY_CHUNK):
        conn.execute(
            update(table)
            .where(table.c.authority == authority, key.in_(wanted[start : start + KEY_CHUNK]))
            .values(last_seen_run=run_id)
        )


def mark_vanished(
    conn: Connection, table: Table, authority: str, run_id: int, today: date, case_ref: str | None = None
) -> list[str]:
    """Mark records a full read did not meet as deleted; return the case refs they belong to."""
    conditions = [
        table.c.authority == authority,
        table.c.deleted_on.is_(None),
        or_(table.c.last_seen_run.is_(None), table.c.last_seen_run < run_id),
    ]
    if case_ref is not None:
        conditions.append(table.c.case_ref == case_ref)
    refs = [r for (r,) in conn.execute(select(table.c.case_ref).where(and_(*conditions)))]
    if refs:
        conn.execute(update(table).where(and_(*conditions)).values(deleted_on=today))
    return refs


@dataclass(frozen=True)
class QuarantineItem:
    stream: str
    reason: str
    record_hash: str
    source_id: str | None


def write_quarantine(
    conn: Connection, authority: str, run_id: int, items: Sequence[QuarantineItem], now: datetime
) -> None:
    """One row per distinct bad record; meeting it again updates the row rather than adding one."""
    unique = {(i.stream, i.record_hash): i for i in items}
    rows = [
        {
            "run_id": run_id,
            "authority": authority,
            "stream": i.stream,
            "source_id": i.source_id,
            "reason": i.reason,
            "record_hash": i.record_hash,
            "first_seen_at": now,
            "last_seen_at": now,
            "resolved_at": None,
        }
        for i in unique.values()
    ]
    upsert(
        conn,
        QUARANTINE,
        rows,
        keys=["authority", "stream", "record_hash"],
        update=["run_id", "reason", "source_id", "last_seen_at", "resolved_at"],
    )


def resolve_quarantine(
    conn: Connection, authority: str, stream: str, source_ids: Iterable[str], now: datetime
) -> None:
    """A record that now maps cleanly is no longer waiting in quarantine."""
    wanted = sorted(set(source_ids))
    for start in range(0, len(wanted), KEY_CHUNK):
        conn.execute(
            update(QuarantineRow)
            .where(
                QuarantineRow.authority == authority,
                QuarantineRow.stream == stream,
                QuarantineRow.resolved_at.is_(None),
                QuarantineRow.source_id.in_(wanted[start : start + KEY_CHUNK]),
            )
            .values(resolved_at=now)
        )


def save_position(
    conn: Connection, authority: str, stream: str, position: dict[str, Any], run_id: int, now: datetime
) -> None:
    upsert(
        conn,
        POSITIONS,
        [
            {
                "authority": authority,
                "stream": stream,
                "position": position,
                "run_id": run_id,
                "updated_at": now,
            }
        ],
        keys=["authority", "stream"],
    )
