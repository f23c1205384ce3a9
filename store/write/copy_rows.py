"""Fast twin of executemany of a plain INSERT on PostgreSQL; held equal by tests/store/test_pg_copy_into.py.

Rows of a plain INSERT (a run's staged records, a case's first statuses) are copied straight into
their table: the same rows, in the same order, as the INSERT run once per row, without the round
trip through a staging table that an upsert needs (`store.write.bulk`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Integer, SmallInteger, String, Table
from sqlalchemy.types import TypeEngine

_INTEGER_RANGES: dict[type[TypeEngine[Any]], int] = {SmallInteger: 2**15, Integer: 2**31}


def copy_into(conn: Connection, table: Table, names: Sequence[str], columns: Sequence[list[Any]]) -> bool:
    """COPY the rows, given column by column as their binds made them, into `table`; False, having
    done nothing, where a value is too long or too large for its column: COPY's error would quote
    it, so those rows take the staging table, whose statement fails as row by row does, naming the
    column and not the value."""
    if not all(fits(table.c[n].type, values) for n, values in zip(names, columns, strict=True)):
        return False
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    copy_in = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        try:
            with cursor.copy(copy_in) as copy:
                for row in zip(*columns, strict=True):
                    copy.write_row(row)
        except dialect.loaded_dbapi.Error as exc:
            # As SQLAlchemy's own statements fail; see `store.write.bulk._execute_staged` for why
            # its private handler is called.
            conn._handle_dbapi_exception(exc, copy_in, {}, cursor, None)
    return True


def fits(type_: TypeEngine[Any], values: Sequence[Any]) -> bool:
    """Every value within its column's length or range, so COPY cannot fail on one."""
    if isinstance(type_, String) and type_.length is not None:
        return max((len(v) for v in values if isinstance(v, str)), default=0) <= type_.length
    bound = _INTEGER_RANGES.get(type(type_))
    if bound is not None:
        numbers = [v for v in values if isinstance(v, int)]
        return not numbers or (min(numbers) >= -bound and max(numbers) < bound)
    return True
