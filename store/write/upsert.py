"""The one upsert path: batched INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike.

The rows go through `store.write.bulk`, which runs one statement for many rows cheaply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from store.write.bulk import Rows, execute_rows


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
    if rows:
        _upsert(conn, table, Rows.of_dicts(rows), keys, update, where)


def upsert_tuples(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    keys: Sequence[str],
    constants: Mapping[str, Any] | None = None,
    where: Any = None,
) -> None:
    """`upsert` for rows given as tuples of `names` and values the same for every row given once,
    as `execute_tuples` takes them; every column not in `keys` is updated, where `where` holds."""
    if rows:
        _upsert(conn, table, Rows.of_tuples(names, rows, constants), keys, None, where)


def _upsert(
    conn: Connection,
    table: Table,
    batch: Rows,
    keys: Sequence[str],
    update: Sequence[str] | None,
    where: Any,
) -> None:
    columns = tuple(update if update is not None else [c for c in batch.names if c not in keys])
    statement = _upsert_statement(conn.dialect.name, table, tuple(keys), columns, where)
    execute_rows(conn, statement, batch, distinct_on=keys)


def dialect_insert(conn: Connection, table: Table) -> Any:
    """An INSERT of the connection's dialect, which can take ON CONFLICT."""
    return _INSERTS[conn.dialect.name](table)


_INSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@lru_cache(maxsize=64)
def _upsert_statement(
    dialect: str, table: Table, keys: tuple[str, ...], columns: tuple[str, ...], where: Any
) -> UpdateBase:
    insert_fn: Any = _INSERTS.get(dialect)
    if insert_fn is None:
        raise NotImplementedError(f"the store supports SQLite and PostgreSQL, not {dialect}")
    statement = insert_fn(table)
    excluded = statement.excluded
    if columns:
        condition: ColumnElement[bool] | None = where(table, excluded) if where is not None else None
        return cast(
            UpdateBase,
            statement.on_conflict_do_update(
                index_elements=list(keys), set_={c: excluded[c] for c in columns}, where=condition
            ),
        )
    return cast(UpdateBase, statement.on_conflict_do_nothing(index_elements=list(keys)))
