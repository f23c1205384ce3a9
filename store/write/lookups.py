"""What a run reads from the store before it writes: stored versions, positions, live counts.

Every function here runs on the caller's connection, inside its transaction where it has one. The
status tables keep their own reads (`store.statuses`); the dashboards' read model is `store.read`.

On PostgreSQL a batch's keys go as one array rather than IN lists: a cached plan for a long IN
list filters every row of the authority against every key, which grows with the store, whereas one
index probe per key (`_probe_per_key`) costs the same however large the store is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, bindparam, func, select, true
from sqlalchemy.dialects import postgresql

from store.schema.keys import among
from store.schema.tables import CASES, QUARANTINE, StreamPosition, key_column
from store.write.versions import StoredVersion


def stored_versions(
    conn: Connection, table: Table, authority: str, keys: Iterable[str]
) -> dict[str, StoredVersion]:
    """What the store holds now for these records, to tell new, changed, unchanged and stale apart."""
    key = table.c[key_column(table)]
    columns = [key, table.c.case_ref, table.c.content_hash, table.c.source_updated_at, table.c.deleted_on]
    found: dict[str, StoredVersion] = {}
    for query in _lookups(conn, key, keys, columns, table.c.authority == authority):
        for ref, case_ref, content_hash, updated, deleted_on in conn.execute(query):
            found[ref] = StoredVersion(case_ref, content_hash, updated, deleted_on is not None)
    return found


def _lookups(
    conn: Connection,
    key: ColumnElement[str],
    keys: Iterable[str],
    columns: Sequence[ColumnElement[Any]],
    *conditions: ColumnElement[bool],
) -> Iterator[Select[Any]]:
    """Queries that together read `columns` of the rows meeting `conditions` whose `key` is in `keys`."""
    if conn.dialect.name == "postgresql":
        wanted = sorted(set(keys))
        if wanted:
            yield _probe_per_key(key, wanted, columns, *conditions)
        return
    for keys_among in among(conn, key, keys):
        yield select(*columns).where(*conditions, keys_among)


def _probe_per_key(
    key: ColumnElement[str],
    wanted: Sequence[str],
    columns: Sequence[ColumnElement[Any]],
    *conditions: ColumnElement[bool],
) -> Select[Any]:
    """One index lookup per wanted key, whatever the planner's statistics say (none, early in a first
    sync): the LIMIT keeps the lateral subquery from being merged into a join the planner could turn
    into a scan of the whole table. `key` and the other conditions name at most one row each."""
    wanted_keys = (
        func.unnest(bindparam(None, list(wanted), type_=postgresql.ARRAY(key.type)))
        .table_valued("key")
        .render_derived(name="wanted")
    )
    found = select(*columns).where(*conditions, key == wanted_keys.c.key).limit(1).lateral("found")
    return select(*found.c).select_from(wanted_keys).join(found, true())


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
    row = conn.execute(
        select(StreamPosition.position, StreamPosition.config_hash).where(
            StreamPosition.authority == authority, StreamPosition.stream == stream
        )
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


def live_case_refs(conn: Connection, authority: str, case_refs: Iterable[str]) -> set[str]:
    """Which of these cases the store holds, not deleted: evidence naming any other is orphaned."""
    key = CASES.c.case_ref
    found: set[str] = set()
    for query in _lookups(
        conn, key, case_refs, [key], CASES.c.authority == authority, CASES.c.deleted_on.is_(None)
    ):
        found.update(conn.execute(query).scalars().all())
    return found


def holds_open_quarantine(conn: Connection, authority: str, stream: str) -> bool:
    """Whether any open quarantine row of the stream names a source record a mapping could resolve."""
    q = QUARANTINE.c
    query = select(q.source_id).where(
        q.authority == authority, q.stream == stream, q.resolved_at.is_(None), q.source_id.is_not(None)
    )
    return conn.execute(query.limit(1)).first() is not None
