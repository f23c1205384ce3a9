"""Picking rows by a list of keys, the one way the store does it for writes and reads alike.

It imports no ORM model, so the read side can use it without loading the models.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, Connection, any_, bindparam

KEY_CHUNK = 500
"""Keys per IN (...) list: well inside every driver's parameter limit."""


def among(conn: Connection, column: ColumnElement[str], keys: Iterable[str]) -> Iterator[ColumnElement[bool]]:
    """Conditions that together pick the rows whose `column` is one of `keys`, one statement each:
    on PostgreSQL a single `= ANY(array)`, elsewhere IN lists of `KEY_CHUNK` keys. None for no keys."""
    wanted = sorted(set(keys))
    if not wanted:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # loaded already on a PostgreSQL connection

        yield column == any_(bindparam(None, wanted, type_=postgresql.ARRAY(column.type)))
        return
    for start in range(0, len(wanted), KEY_CHUNK):
        yield column.in_(wanted[start : start + KEY_CHUNK])
