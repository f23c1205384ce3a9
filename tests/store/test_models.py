"""The tests' ORM classes are mapped on the store's tables and say of each column what the table
says: the same columns, empty only where the table allows it, of the table's Python type."""

from __future__ import annotations

import types
import typing

import pytest
from sqlalchemy import Table
from sqlalchemy.types import TypeDecorator

from store.schema import tables
from tests.store import orm as models

CLASSES = sorted(models.Base.__subclasses__(), key=lambda cls: cls.__name__)


def annotated(cls: type) -> dict[str, tuple[type, bool]]:
    """Each annotated attribute's Python type, and whether it may be None."""
    found: dict[str, tuple[type, bool]] = {}
    for name, hint in typing.get_type_hints(cls).items():
        if typing.get_origin(hint) is not models.Mapped:
            continue
        (inner,) = typing.get_args(hint)
        parts = typing.get_args(inner) if isinstance(inner, types.UnionType) else (inner,)
        kinds = [p for p in parts if p is not type(None)]
        assert len(kinds) == 1, name
        found[name] = (typing.get_origin(kinds[0]) or kinds[0], len(parts) > len(kinds))
    return found


def declared(table: Table) -> dict[str, tuple[type, bool]]:
    """Each column's Python type (a decorated type's own), and whether it may be empty."""
    found: dict[str, tuple[type, bool]] = {}
    for c in table.columns:
        kind = c.type.impl_instance if isinstance(c.type, TypeDecorator) else c.type
        found[c.name] = (kind.python_type, bool(c.nullable))
    return found


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_each_class_names_its_table_s_columns_as_the_table_declares_them(cls: type) -> None:
    table = cls.__table__  # type: ignore[attr-defined]
    assert table is tables.METADATA.tables[table.name]
    named, columns = annotated(cls), declared(table)
    assert {n: empty for n, (_, empty) in named.items()} == {n: empty for n, (_, empty) in columns.items()}
    # A JSON column holds any JSON value; its class may say which.
    assert [n for n, (kind, _) in named.items() if not issubclass(kind, columns[n][0])] == []


def test_every_table_but_the_staging_ones_has_its_class() -> None:
    mapped = {cls.__table__.name for cls in CLASSES}  # type: ignore[attr-defined]
    assert mapped == {t.name for t in vars(tables).values() if isinstance(t, Table)}
