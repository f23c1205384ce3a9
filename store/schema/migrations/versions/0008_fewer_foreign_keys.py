"""record tables without foreign keys to authorities: the write side holds what they guarded

Revision ID: 0008_fewer_foreign_keys
Revises: 0007_audits_episodes

No read uses them, and checking each row against `authorities` was about a third of PostgreSQL's
time merging a first sync's evidence. What they guarded is held where the rows are written: a run
publishes only while the authority's row is there and held (`store.write.writer.hold_authority`),
and `retire` deletes the authority's rows from every table that names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alembic import op
from alembic.operations import BatchOperations

revision = "0008_fewer_foreign_keys"
down_revision = "0007_audits_episodes"
branch_labels = None
depends_on = None

RECORD_TABLES = ("cases", "evidence", "audits", "case_episodes")


def upgrade() -> None:
    _each_table(lambda batch_op, table: batch_op.drop_constraint(_name(table), type_="foreignkey"))


def downgrade() -> None:
    _each_table(
        lambda batch_op, table: batch_op.create_foreign_key(_name(table), "authorities", ["authority"], ["code"])
    )


def _name(table: str) -> str:
    return f"fk_{table}_authority_authorities"


def _each_table(change: Callable[[BatchOperations, str], None]) -> None:
    with _views_set_aside():
        for table in RECORD_TABLES:
            with op.batch_alter_table(table) as batch_op:
                change(batch_op, table)


@contextmanager
def _views_set_aside() -> Iterator[None]:
    """SQLite changes a table's constraints by copying it to a new table renamed to the old name,
    which it refuses while a view names the table: the store's views are dropped for the change and
    made again afterwards from their own SQL, as the store holds them.

    The copy keeps the table's plain indexes but not its triggers or indexes on expressions, which a
    store's operator may have added; each is made again from its own SQL when the copy lost it.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    views = bind.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid").all()
    tables = ", ".join(f"'{table}'" for table in RECORD_TABLES)
    attached = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL "
        f"AND tbl_name IN ({tables}) ORDER BY rowid"  # nosec B608  # our own table names
    ).all()
    for name, _ in reversed(views):
        op.execute(f'DROP VIEW "{name}"')
    yield
    for _, sql in views:
        op.execute(sql)
    kept = {name for (name,) in bind.exec_driver_sql("SELECT name FROM sqlite_master").all()}
    for name, sql in attached:
        if name not in kept:
            op.execute(sql)
