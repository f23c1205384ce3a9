"""The one upsert path: batched INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike,
and the one way to run a statement for many rows cheaply."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

# Bounds the memory of one executemany call.
ROWS_PER_STATEMENT = 1000


def execute_many(conn: Connection, statement: UpdateBase, rows: Sequence[dict[str, Any]]) -> None:
    """Run an INSERT, UPDATE or DELETE once per row through the driver's own executemany.

    The statement is compiled once and each value goes through its column type's bind processor
    (dates, UTC timestamps, JSON), but none of SQLAlchemy's per-row machinery runs: on a batch of a
    thousand rows that machinery costs more than the database does. Values bound in the statement
    itself (a `.where(x == value)`) are the same for every row.
    """
    if not rows:
        return
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))
    fixed: dict[str, Any] = {}
    processors: dict[str, Callable[[Any], Any]] = {}
    for name, bind in compiled.binds.items():
        if name not in rows[0]:
            fixed[name] = bind.effective_value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    for name in fixed.keys() & processors.keys():
        fixed[name] = processors.pop(name)(fixed[name])
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    converted = [(i, processors[n]) for i, n in enumerate(names) if n in processors]

    def parameters(row: dict[str, Any]) -> list[Any]:
        values = (
            [fixed[n] if n in fixed else row[n] for n in names]
            if fixed
            else list(map(row.__getitem__, names))
        )
        for i, processor in converted:
            values[i] = processor(values[i])
        return values

    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = [parameters(row) for row in rows[start : start + ROWS_PER_STATEMENT]]
        if compiled.positional:
            conn.exec_driver_sql(compiled.string, [tuple(values) for values in chunk])
        else:
            conn.exec_driver_sql(compiled.string, [dict(zip(names, values, strict=True)) for values in chunk])


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
    execute_many(conn, statement, rows)
