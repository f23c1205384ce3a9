"""Fast twin of Connection.execute(statement, rows); held equal by tests/store/test_sqlite_binds.py.

The one way to run a statement for many rows cheaply: the driver's executemany with SQLite's
date and timestamp binds done once per value, or PostgreSQL's COPY into a staging table.

On PostgreSQL a statement runs once per row only for a few rows. More rows are copied (COPY FROM
STDIN) into a temporary staging table and the statement runs once, set-wise, against it: the
server's per-statement work, not the data, is what made one statement per row slow there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Connection,
    Dialect,
    Integer,
    String,
    Table,
    Text,
    column,
    select,
    table,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import visitors
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import NullType, TypeEngine

from mapping.timeformats import as_utc
from store.schema.tables import UtcDateTime
from store.write.copy_rows import copy_into

# Bounds the memory of one executemany call.
ROWS_PER_STATEMENT = 1000

STAGE_MIN_ROWS = 100
"""From this many rows PostgreSQL gets them through a staging table rather than a statement per row.

Measured on loopback: staging costs two round trips more (prepare, COPY, then the statement) and
far less per row; the two are level at 50 to 100 rows, and staging takes half the time at 500."""

_ORDER = "stage_order"
"""The staging column that keeps the rows' order, so serial ids are given in it as row by row."""


Row = Mapping[str, Any] | Sequence[Any]


@dataclass(frozen=True)
class Rows:
    """Rows to bind and how to read a named value of one: by name from dicts, by position from
    tuples; `constants` are the same for every row, so are given once rather than in each row."""

    rows: Sequence[Row]
    at: Mapping[str, str | int]
    constants: Mapping[str, Any]

    @property
    def names(self) -> list[str]:
        return [*self.at, *self.constants]

    @classmethod
    def of_dicts(cls, rows: Sequence[Mapping[str, Any]]) -> Rows:
        return cls(rows, {name: name for name in rows[0]}, {})

    @classmethod
    def of_tuples(
        cls, names: Sequence[str], rows: Sequence[tuple[Any, ...]], constants: Mapping[str, Any] | None
    ) -> Rows:
        return cls(rows, {name: n for n, name in enumerate(names)}, dict(constants or {}))

    def column(self, name: str, start: int, stop: int) -> Iterable[Any]:
        if name in self.constants:
            return repeat(self.constants[name], stop - start)
        return map(itemgetter(self.at[name]), self.rows[start:stop])


def execute_many(conn: Connection, statement: UpdateBase, rows: Sequence[dict[str, Any]]) -> None:
    """Fast twin of Connection.execute(statement, rows); held equal by tests/store/test_sqlite_binds.py.

    Runs an INSERT, UPDATE or DELETE once per row through the driver's own executemany.

    The statement is compiled once and each value goes through its column type's bind processor
    (dates, UTC timestamps, JSON), but none of SQLAlchemy's per-row machinery runs: on a batch of a
    thousand rows that machinery costs more than the database does. Values bound in the statement
    itself (a `.where(x == value)`) are the same for every row.

    On PostgreSQL many rows go through a staging table instead (`_execute_staged`), to the same end.
    """
    if rows:
        execute_rows(conn, statement, Rows.of_dicts(rows), distinct_on=())


def execute_tuples(
    conn: Connection,
    statement: UpdateBase,
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    constants: Mapping[str, Any] | None = None,
) -> None:
    """`execute_many` for rows given as tuples of the values of `names`, in that order, and values
    the same for every row given once: no dict to build per row where rows come by the thousand."""
    if rows:
        execute_rows(conn, statement, Rows.of_tuples(names, rows, constants), distinct_on=())


def execute_rows(conn: Connection, statement: UpdateBase, batch: Rows, distinct_on: Sequence[str]) -> None:
    """Run `statement` once per row of `batch`; rows sharing a `distinct_on` key keep their order."""
    dialect = conn.dialect
    names = batch.names
    compiled = _compiled(statement, dialect, tuple(names))
    if _stages(conn, batch.rows) and _execute_staged(conn, statement, compiled, batch, distinct_on):
        return
    fixed, processors = _processors(dialect, compiled, names)
    bound = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)

    for start in range(0, len(batch.rows), ROWS_PER_STATEMENT):
        stop = min(start + ROWS_PER_STATEMENT, len(batch.rows))
        # Column by column, so the per-value work runs in C loops rather than a Python call per row.
        columns: list[Iterable[Any]] = []
        for name in bound:
            if name in fixed:
                columns.append(repeat(fixed[name], stop - start))
            else:
                columns.append(_processed(batch.column(name, start, stop), processors.get(name)))
        values = zip(*columns, strict=True)
        if compiled.positional:
            conn.exec_driver_sql(compiled.string, list(values))
        else:
            conn.exec_driver_sql(compiled.string, [dict(zip(bound, v, strict=True)) for v in values])


@lru_cache(maxsize=64)
def _compiled(statement: UpdateBase, dialect: Dialect, names: tuple[str, ...]) -> SQLCompiler:
    """The statement compiled for rows of these names. Statements are immutable, and an upsert's
    is made once per shape (`store.write.upsert`), so a run compiles it once, not once per batch."""
    return statement.compile(dialect=dialect, column_keys=list(names))


def _processors(
    dialect: Dialect, compiled: SQLCompiler, names: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Callable[[Any], Any]]]:
    """The values bound in the statement itself, processed; the bind processors of the rows' values."""
    fixed: dict[str, Any] = {}
    processors: dict[str, Callable[[Any], Any]] = {}
    given = set(names)
    for name, bind in compiled.binds.items():
        if name not in given:
            fixed[name] = bind.effective_value
        processor = _bind_processor(bind.type.dialect_impl(dialect), dialect)
        if processor is not None:
            processors[name] = processor
    for name in fixed.keys() & processors.keys():
        fixed[name] = processors.pop(name)(fixed[name])
    return fixed, processors


def _processed(values: Iterable[Any], processor: Callable[[Any], Any] | None) -> Iterable[Any]:
    """The values through their bind processor; our own date and timestamp formats once per distinct
    value, as a batch holds few distinct dates and one sync time."""
    if processor is None:
        return values
    if processor is not _iso_date and processor is not _utc_text:
        return map(processor, values)
    values = list(values)
    # Mostly distinct values (source versions) gain nothing from a table, so a sample decides.
    if len(set(values[:_SAMPLE])) > _SAMPLE // 2:
        return map(processor, values)
    # Aware times in the repeated hour of a zone differ only in `fold`, yet are equal as keys.
    if processor is _utc_text and any(map(_FOLD, filter(None, values))):
        return map(processor, values)
    text = {value: processor(value) for value in dict.fromkeys(values)}
    return map(text.__getitem__, values)


_FOLD = attrgetter("fold")
_SAMPLE = 64


def _iso_date(value: date | None) -> str | None:
    return None if value is None else date.isoformat(value)


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    # `datetime.isoformat` itself, not a subclass's own text (a data library's timestamp), as
    # SQLAlchemy writes it. A UTC time, as mapping gives every time: its text less the offset.
    if value.tzinfo is UTC:
        return datetime.isoformat(value, " ", "microseconds")[:-6]
    return datetime.isoformat(as_utc(value).replace(tzinfo=None), " ", "microseconds")


def _bind_processor(impl: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """Fast twin of SQLite's date and timestamp binds; held equal by tests/store/test_sqlite_binds.py.

    The type's bind processor. SQLite's own for dates and timestamps formats through a dict per
    value; for their default storage formats `date.isoformat`, and `datetime.isoformat` of the UTC
    time, write the very same text."""
    processor = impl.bind_processor(dialect)
    if processor is None or dialect.name != "sqlite":
        return processor
    # Which storage format a SQLite type has is private to SQLAlchemy, so it is told by what the
    # type's own processor writes: a type with another format keeps its own processor.
    if isinstance(impl, sqlite.DATE) and all(processor(p) == _iso_date(p) for p in _PROBE_DATES):
        return _iso_date
    if isinstance(impl, UtcDateTime) and all(processor(p) == _utc_text(p) for p in _PROBE_TIMES):
        return _utc_text
    return processor


_PROBE_DATES = (date(1, 2, 3), date(2026, 11, 30))
_PROBE_TIMES = (
    datetime(1, 2, 3, 4, 5, 6),
    datetime(2026, 3, 29, 1, 30, 0, 1, tzinfo=UTC),
    datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=-5))),
)


def _stages(conn: Connection, rows: Sequence[Row]) -> bool:
    """Whether these rows go through a staging table: many of them, on PostgreSQL, in a transaction
    (the staging table empties at every commit) and with leave to create temporary tables."""
    if conn.dialect.name != "postgresql" or len(rows) < STAGE_MIN_ROWS:
        return False
    dbapi = conn.connection
    if getattr(dbapi.driver_connection, "autocommit", True):
        return False
    if "may_stage" not in dbapi.info:
        query = "SELECT has_database_privilege(current_database(), 'TEMPORARY')"
        dbapi.info["may_stage"] = bool(conn.exec_driver_sql(query).scalar())
    return bool(dbapi.info["may_stage"])


def _execute_staged(
    conn: Connection,
    statement: UpdateBase,
    compiled: SQLCompiler,
    batch: Rows,
    distinct_on: Sequence[str],
) -> bool:
    """Fast twin of executemany row by row on PostgreSQL; held equal by tests/store/test_pg_copy.py.

    Copy the rows into a staging table and run the statement once against it; False, having done
    nothing, for a statement that cannot be run that way with the same result.

    An INSERT becomes INSERT ... SELECT in the rows' order, its ON CONFLICT clause kept as it is; an
    UPDATE or DELETE whose rows bind only its WHERE clause becomes UPDATE ... FROM or DELETE ...
    USING. Rows sharing a `distinct_on` key go in rounds, the n-th of each key in the n-th, which is
    exactly what running them one by one in order does (one INSERT cannot meet a key twice). A plain
    INSERT of every value it binds is copied straight into its table instead (`copy_rows`).
    """
    dialect = conn.dialect
    names = [name for name in batch.names if name in compiled.binds]
    types = [compiled.binds[name].type for name in names]
    if not names or any(isinstance(t, NullType) for t in types):
        return False
    if _copies_directly(statement, compiled, batch):
        _, processors = _processors(dialect, compiled, batch.names)
        count = len(batch.rows)
        copied = [list(_processed(batch.column(n, 0, count), processors.get(n))) for n in names]
        if copy_into(conn, cast(Table, statement.table), names, copied):
            return True
    stage = _stage_table(dialect, names, types)
    staged = _set_wise(statement, stage, names)
    if staged is None:
        return False
    _, processors = _processors(dialect, compiled, batch.names)
    definition = ", ".join(
        f"{dialect.identifier_preparer.quote(c.name)} {c.type.compile(dialect=dialect)}" for c in stage.c
    )
    columns = ", ".join(dialect.identifier_preparer.quote(c.name) for c in stage.c)
    driver = conn.connection.driver_connection
    assert driver is not None
    # Created once per session, emptied before use: it may hold an earlier round's rows.
    create = f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage.name} ({definition}) ON COMMIT DELETE ROWS"
    empty = f"DELETE FROM {stage.name}"  # nosec B608  # our own name, made from a hash
    prepare = f"{create}; {empty}"
    copy_in = f"COPY {stage.name} ({columns}) FROM STDIN"
    for generation in _generations(batch, distinct_on):
        chunk = Rows([batch.rows[i] for i in generation], batch.at, batch.constants)
        processed = (_processed(chunk.column(n, 0, len(generation)), processors.get(n)) for n in names)
        values = zip(generation, *processed, strict=True)
        with driver.cursor() as cursor:
            try:
                cursor.execute(prepare)
                with cursor.copy(copy_in) as copy:
                    for row in values:
                        copy.write_row(row)
            except dialect.loaded_dbapi.Error as exc:
                # As SQLAlchemy's own statements fail: wrapped, a lost connection invalidated and the
                # pool told. COPY runs on the driver's cursor, and SQLAlchemy has no public way to
                # handle a driver error as its own, so its private handler is called; pyproject.toml
                # pins SQLAlchemy to the versions whose handler this was checked against.
                conn._handle_dbapi_exception(exc, copy_in, {}, cursor, None)
        conn.execute(staged)
    return True


def _copies_directly(statement: UpdateBase, compiled: SQLCompiler, batch: Rows) -> bool:
    """A plain INSERT of every value it binds: COPY into its table does the same, row for row (in
    order, so serial ids too), without the round trip through a staging table. An upsert, an INSERT
    given its own values or returning rows, or one that fills a column's default, goes the set-wise way.
    """
    # SQLAlchemy has no public way to ask for an INSERT's ON CONFLICT clause, values or RETURNING, so
    # its private attributes are read; pyproject.toml pins SQLAlchemy to the versions checked.
    return (
        isinstance(statement, Insert)
        and isinstance(statement.table, Table)
        and statement.select is None
        and statement._post_values_clause is None
        and not statement._returning
        and not statement._values
        and not statement._multi_values
        and set(compiled.binds) <= set(batch.names)
    )


def _stage_table(dialect: Dialect, names: Sequence[str], types: Sequence[TypeEngine[Any]]) -> TableClause:
    """The staging table for rows of these names and types: one per shape, named after it.

    Text and whole numbers are staged unbounded, so a value too long or too large for its column
    fails in the statement, as it would row by row, and not in the COPY, whose error quotes the value.
    """
    staged = [_unbounded(t) for t in types]
    shape = ",".join(f"{n}:{t.compile(dialect=dialect)}" for n, t in zip(names, staged, strict=True))
    name = f"stage_{hashlib.sha256(shape.encode()).hexdigest()[:16]}"
    return table(name, column(_ORDER, Integer()), *(column(n, t) for n, t in zip(names, staged, strict=True)))


def _unbounded(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    if isinstance(type_, String):
        return Text()
    if isinstance(type_, Integer):
        return BigInteger()
    return type_


def _set_wise(statement: UpdateBase, stage: TableClause, names: Sequence[str]) -> UpdateBase | None:
    """The statement run once for every row of the staging table, or None where that could differ
    from running it row by row: an UPDATE that sets values from the rows is one of those, as two
    rows meeting the same target row would leave it to chance which of them wins."""
    if isinstance(statement, Insert):
        in_order = select(*(stage.c[n] for n in names)).order_by(stage.c[_ORDER])
        # An INSERT given its own values cannot take its rows from a SELECT. SQLAlchemy has no public
        # way to ask whether `.values()` was called, so its private attributes are read; pyproject.toml
        # pins SQLAlchemy to the versions they were checked against.
        if statement.select is not None or statement._values or statement._multi_values:
            return None
        return statement.from_select(list(names), in_order)
    if not isinstance(statement, Update | Delete) or statement.whereclause is None:
        return None
    in_where = {e.key for e in visitors.iterate(statement.whereclause) if isinstance(e, BindParameter)}
    if not set(names) <= in_where:
        return None
    if isinstance(statement, Update) and set(names) & set(statement.table.c.keys()):
        return None

    def staged_column(element: Any, **_kw: Any) -> Any:
        if isinstance(element, BindParameter) and element.key in names:
            return stage.c[element.key]
        return None

    return cast(UpdateBase, visitors.replacement_traverse(statement, {}, staged_column))


def _generations(batch: Rows, distinct_on: Sequence[str]) -> Iterator[list[int]]:
    """Row positions in rounds: the first row of each key, then the second of each, and so on.
    A constant part of the key is the same for every row, so only the rest tells rows apart."""
    rows = batch.rows
    varying = [batch.at[name] for name in distinct_on if name not in batch.constants]
    if not distinct_on:
        yield list(range(len(rows)))
        return
    key: Callable[[Row], Any] = itemgetter(*varying) if varying else (lambda _row: ())
    if len(set(map(key, rows))) == len(rows):
        yield list(range(len(rows)))
        return
    seen: dict[Any, int] = {}
    rounds: list[list[int]] = []
    for position, row in enumerate(rows):
        n = seen.get(k := key(row), 0)
        seen[k] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(position)
    yield from rounds
