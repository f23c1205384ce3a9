"""The one upsert path: batched INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

# Bounds the memory of one executemany call.
ROWS_PER_STATEMENT = 1000


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str] | None = None,
    where: Any = None,
) -> None:
    """Insert rows, or update the `update` columns of rows whose `keys` already exist.

    `where(target_table, excluded)` may return a condition that must hold for an update to happen,
    which is how an older source version is kept from overwriting a newer one.
    """
    if not rows:
        return
    dialect = conn.dialect.name
    insert_fn: Any = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert_fn is None:
        raise NotImplementedError(f"the store supports SQLite and PostgreSQL, not {dialect}")
    columns = update if update is not None else [c for c in rows[0] if c not in keys]
    statement = insert_fn(table)
    excluded = statement.excluded
    if columns:
        condition: ColumnElement[bool] | None = where(table, excluded) if where is not None else None
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={c: excluded[c] for c in columns}, where=condition
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    # One compiled statement, executed for many rows: cached by SQLAlchemy, sent as executemany.
    for chunk in _chunks(rows, ROWS_PER_STATEMENT):
        conn.execute(statement, list(chunk))
