"""Writing one batch: versioned upserts, quarantine rows, positions and element statuses.

Every function here runs inside the caller's transaction; the sync engine commits a batch's data,
its quarantine rows, its statuses and its stream position together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, func, insert, or_, select, update

from mapping.schema import Case, ElementStatus, Evidence
from mapping.timeformats import as_utc
from store.models import (
    Authority,
    CaseElementStatusRow,
    CaseRow,
    EvidenceRow,
    QuarantineRow,
    StreamPosition,
)
from store.upsert import upsert

CASES: Table = CaseRow.__table__  # type: ignore[assignment]
EVIDENCE: Table = EvidenceRow.__table__  # type: ignore[assignment]
STATUSES: Table = CaseElementStatusRow.__table__  # type: ignore[assignment]
QUARANTINE: Table = QuarantineRow.__table__  # type: ignore[assignment]
POSITIONS: Table = StreamPosition.__table__  # type: ignore[assignment]
AUTHORITIES: Table = Authority.__table__  # type: ignore[assignment]
STREAM_TABLES: dict[str, Table] = {"cases": CASES, "evidence": EVIDENCE}
KEY_CHUNK = 500


@dataclass(frozen=True)
class StoredVersion:
    case_ref: str
    content_hash: str
    source_updated_at: datetime | None
    deleted: bool

    def is_newer_than(self, candidate: datetime | None) -> bool:
        """True when the stored version is strictly newer than the candidate, so it must stay."""
        if self.source_updated_at is None or candidate is None:
            return False
        return as_utc(self.source_updated_at) > as_utc(candidate)


def ensure_authority(conn: Connection, code: str, name: str, now: datetime) -> None:
    upsert(conn, AUTHORITIES, [{"code": code, "name": name, "updated_at": now}], keys=["code"])


def _key_column(table: Table) -> str:
    return "case_ref" if table is CASES else "source_id"


def stored_versions(
    conn: Connection, table: Table, authority: str, keys: Iterable[str]
) -> dict[str, StoredVersion]:
    """What the store holds now for these records, to tell new, changed, unchanged and stale apart."""
    key = table.c[_key_column(table)]
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


def _not_older(table: Table, excluded: Any) -> Any:
    # The database's own guard: an older source version never overwrites a newer one.
    return or_(
        table.c.source_updated_at.is_(None),
        excluded.source_updated_at.is_(None),
        excluded.source_updated_at >= table.c.source_updated_at,
    )


def write_cases(conn: Connection, cases: Sequence[tuple[Case, str]], run_id: int, now: datetime) -> None:
    rows = [
        {
            **case.model_dump(exclude={"source_updated_at"}),
            "case_type": case.case_type.value,
            "source_updated_at": case.source_updated_at,
            "content_hash": content_hash,
            "synced_at": now,
            "last_seen_run": run_id,
            "deleted_on": None,
        }
        for case, content_hash in cases
    ]
    upsert(conn, CASES, rows, keys=["authority", "case_ref"], where=_not_older)


def write_evidence(
    conn: Connection, records: Sequence[tuple[Evidence, str]], run_id: int, now: datetime
) -> None:
    rows = [
        {
            **e.model_dump(exclude={"source_updated_at", "state"}),
            "state": e.state.value,
            "source_updated_at": e.source_updated_at,
            "content_hash": content_hash,
            "synced_at": now,
            "last_seen_run": run_id,
            "deleted_on": None,
        }
        for e, content_hash in records
    ]
    upsert(conn, EVIDENCE, rows, keys=["authority", "source_id"], where=_not_older)


def mark_seen(conn: Connection, table: Table, authority: str, keys: Iterable[str], run_id: int) -> None:
    """Note that a full read met these unchanged records, so they are not taken for vanished."""
    key = table.c[_key_column(table)]
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), KEY_CHUNK):
        conn.execute(
            update(table)
            .where(table.c.authority == authority, key.in_(wanted[start : start + KEY_CHUNK]))
            .values(last_seen_run=run_id)
        )


def _vanished(table: Table, authority: str, run_id: int, case_ref: str | None) -> Any:
    conditions = [
        table.c.authority == authority,
        table.c.deleted_on.is_(None),
        or_(table.c.last_seen_run.is_(None), table.c.last_seen_run < run_id),
    ]
    if case_ref is not None:
        conditions.append(table.c.case_ref == case_ref)
    return and_(*conditions)


def count_vanished(
    conn: Connection, table: Table, authority: str, run_id: int, case_ref: str | None = None
) -> int:
    """How many live records a full read did not meet: what marking vanished records would delete."""
    query = select(func.count()).select_from(table).where(_vanished(table, authority, run_id, case_ref))
    return int(conn.execute(query).scalar_one())


def mark_vanished(
    conn: Connection, table: Table, authority: str, run_id: int, today: date, case_ref: str | None = None
) -> list[str]:
    """Mark records a full read did not meet as deleted; return the case refs they belong to."""
    conditions = _vanished(table, authority, run_id, case_ref)
    refs = [r for (r,) in conn.execute(select(table.c.case_ref).where(conditions))]
    if refs:
        conn.execute(update(table).where(conditions).values(deleted_on=today))
    return refs


def live_case_refs(conn: Connection, authority: str, case_refs: Iterable[str]) -> set[str]:
    """Which of these cases the store holds, not deleted: evidence naming any other is orphaned."""
    wanted = sorted(set(case_refs))
    found: set[str] = set()
    for start in range(0, len(wanted), KEY_CHUNK):
        found.update(
            conn.execute(
                select(CASES.c.case_ref).where(
                    CASES.c.authority == authority,
                    CASES.c.deleted_on.is_(None),
                    CASES.c.case_ref.in_(wanted[start : start + KEY_CHUNK]),
                )
            ).scalars()
        )
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


@dataclass(frozen=True)
class QuarantineItem:
    stream: str
    reason: str
    record_hash: str
    source_id: str | None

    @property
    def record_key(self) -> str:
        """One open row per source record: by its id, or by its content where it has no usable id."""
        return f"id:{self.source_id}" if self.source_id is not None else f"hash:{self.record_hash}"


def write_quarantine(
    conn: Connection, authority: str, run_id: int, items: Sequence[QuarantineItem], now: datetime
) -> None:
    """One row per bad source record; meeting it again, edited or not, updates the row and reopens it."""
    unique = {(i.stream, i.record_key): i for i in items}
    rows = [
        {
            "run_id": run_id,
            "authority": authority,
            "stream": i.stream,
            "source_id": i.source_id,
            "reason": i.reason,
            "record_hash": i.record_hash,
            "record_key": i.record_key,
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
        keys=["authority", "stream", "record_key"],
        update=["run_id", "reason", "record_hash", "last_seen_at", "resolved_at"],
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


def resolve_unseen_quarantine(
    conn: Connection, authority: str, stream: str, run_id: int, now: datetime
) -> int:
    """After a complete full read of a stream, what it did not meet again has left the source."""
    result = conn.execute(
        update(QuarantineRow)
        .where(
            QuarantineRow.authority == authority,
            QuarantineRow.stream == stream,
            QuarantineRow.resolved_at.is_(None),
            QuarantineRow.run_id < run_id,
        )
        .values(resolved_at=now)
    )
    return int(result.rowcount or 0)


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


def load_position(conn: Connection, authority: str, stream: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(StreamPosition.position).where(
            StreamPosition.authority == authority, StreamPosition.stream == stream
        )
    ).scalar_one_or_none()
    return dict(row) if row is not None else None


def _live_rows(
    conn: Connection, table: Table, authority: str, case_refs: Iterable[str], fields: Iterable[str]
) -> Iterator[dict[str, Any]]:
    """Rows not marked deleted for these cases, key chunk by key chunk."""
    wanted = sorted(set(case_refs))
    columns = [table.c[f] for f in fields]
    for start in range(0, len(wanted), KEY_CHUNK):
        rows = conn.execute(
            select(*columns).where(
                table.c.authority == authority,
                table.c.deleted_on.is_(None),
                table.c.case_ref.in_(wanted[start : start + KEY_CHUNK]),
            )
        )
        yield from (dict(r._mapping) for r in rows)


def load_cases(conn: Connection, authority: str, case_refs: Iterable[str]) -> list[Case]:
    return [Case.model_validate(r) for r in _live_rows(conn, CASES, authority, case_refs, Case.model_fields)]


def load_evidence(conn: Connection, authority: str, case_refs: Iterable[str]) -> list[Evidence]:
    rows = _live_rows(conn, EVIDENCE, authority, case_refs, Evidence.model_fields)
    return [Evidence.model_validate(r) for r in rows]


def replace_statuses(
    conn: Connection, authority: str, statuses: dict[str, list[ElementStatus]], computed_on: date
) -> None:
    """Replace the element statuses of these cases; a case with an empty list loses its rows."""
    refs = sorted(statuses)
    for start in range(0, len(refs), KEY_CHUNK):
        conn.execute(
            delete(STATUSES).where(
                STATUSES.c.authority == authority, STATUSES.c.case_ref.in_(refs[start : start + KEY_CHUNK])
            )
        )
    rows = [
        {
            "authority": authority,
            "case_ref": ref,
            **s.model_dump(),
            "status": s.status.value,
            "computed_on": computed_on,
        }
        for ref, items in statuses.items()
        for s in items
    ]
    for start in range(0, len(rows), KEY_CHUNK):
        conn.execute(insert(STATUSES), rows[start : start + KEY_CHUNK])


def open_case_refs(conn: Connection, authority: str) -> list[str]:
    return [
        r
        for (r,) in conn.execute(
            select(CASES.c.case_ref)
            .where(CASES.c.authority == authority, CASES.c.closed_on.is_(None), CASES.c.deleted_on.is_(None))
            .order_by(CASES.c.case_ref)
        )
    ]
