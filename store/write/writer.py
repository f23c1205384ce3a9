"""Writing one batch: versioned upserts, quarantine rows and positions.

What a run reads before it writes is `store.lookups`; the version rule is `store.versions`.

Every function here runs inside the caller's transaction; the sync runner commits a batch's data,
its quarantine rows, the cases it touched and its stream position together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Table, and_, func, or_, select, update

from mapping.schema import Case, Evidence
from store.schema.keys import among
from store.schema.tables import (
    AUTHORITIES,
    CASES,
    EVIDENCE,
    POSITIONS,
    QUARANTINE,
    QuarantineRow,
    key_column,
)
from store.write.upsert import upsert, upsert_tuples
from store.write.versions import not_older


def commit_without_waiting_for_disk(conn: Connection) -> None:
    """Let this transaction's commit return before its log reaches the disk (PostgreSQL's
    `synchronous_commit = off`, for this transaction only).

    For a batch or a chunk of settled statuses only: each commits with what says it is done (the
    stream position, the touched cases it clears), so a server crash that loses the last of them
    loses those too, and the next run reads or settles them again. The run's own record commits
    durably at its end, which flushes every commit before it. SQLite's `synchronous=NORMAL` in WAL
    mode makes the same trade for the same reason.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


def gather_first_statistics(conn: Connection, table: Table) -> None:
    """Give a PostgreSQL table its first planner statistics, if it has never had any.

    Without statistics the planner cannot tell that a record's key names one row: a fresh store's
    first sync probed each stored version through the authority's case index, visiting every row
    of the authority per key (0.5 s a batch two batches in, and growing), until the server's own
    analysis came round, up to a minute later. Publishing calls it before its set-wise statements;
    a role that may not analyse the table gets a warning from the server and nothing else changes.
    """
    if conn.dialect.name != "postgresql":
        return
    never = conn.exec_driver_sql(
        "SELECT 1 FROM pg_class WHERE oid = to_regclass(%(name)s) AND reltuples < 0", {"name": table.name}
    ).first()
    if never is not None:
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table.name)}")


def ensure_authority(conn: Connection, code: str, name: str, now: datetime) -> None:
    upsert(conn, AUTHORITIES, [{"code": code, "name": name, "updated_at": now}], keys=["code"])


_CASE_FIELDS = tuple(f for f in Case.model_fields if f != "case_type")
_EVIDENCE_FIELDS = tuple(f for f in Evidence.model_fields if f != "state")
_case_values = attrgetter(*_CASE_FIELDS)
_evidence_values = attrgetter(*_EVIDENCE_FIELDS)


def _written(run_id: int, now: datetime) -> dict[str, Any]:
    """What every record a batch writes shares: given once, not in each row."""
    return {"synced_at": now, "last_seen_run": run_id, "deleted_on": None}


def write_cases(conn: Connection, cases: Sequence[tuple[Case, str]], run_id: int, now: datetime) -> None:
    # The validated fields as they are, read in one call per record: no copy through a dict per record.
    rows = [(*_case_values(case), case.case_type.value, content_hash) for case, content_hash in cases]
    names = (*_CASE_FIELDS, "case_type", "content_hash")
    keys = ["authority", "case_ref"]
    upsert_tuples(conn, CASES, names, rows, keys, _written(run_id, now), where=not_older)


def write_evidence(
    conn: Connection, records: Sequence[tuple[Evidence, str]], run_id: int, now: datetime
) -> None:
    rows = [(*_evidence_values(e), e.state.value, content_hash) for e, content_hash in records]
    names = (*_EVIDENCE_FIELDS, "state", "content_hash")
    keys = ["authority", "source_id"]
    upsert_tuples(conn, EVIDENCE, names, rows, keys, _written(run_id, now), where=not_older)


def mark_seen(conn: Connection, table: Table, authority: str, keys: Iterable[str], run_id: int) -> None:
    """Note that a full read met these unchanged records, so they are not taken for vanished."""
    for keys_among in among(conn, table.c[key_column(table)], keys):
        conn.execute(
            update(table).where(table.c.authority == authority, keys_among).values(last_seen_run=run_id)
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
    for source_ids_among in among(conn, QUARANTINE.c.source_id, source_ids):
        conn.execute(
            update(QuarantineRow)
            .where(
                QuarantineRow.authority == authority,
                QuarantineRow.stream == stream,
                QuarantineRow.resolved_at.is_(None),
                source_ids_among,
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
