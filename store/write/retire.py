"""Removing a retired authority's data from the store; its runs and audit entries stay as history."""

from __future__ import annotations

from sqlalchemy import Connection, MetaData, Table, delete, inspect

from store.schema.tables import Base

RETIRED_TABLES = (
    "case_element_status",
    "status_changes",
    "touched_cases",
    "evidence",
    "quarantine",
    "stream_positions",
    "cases",
    "authorities",
)
"""Children before parents (evidence and cases name their authority); a table the store does not
have (an older revision) is passed over. `sync_runs` and `audit_log` are kept: they say what was
done, by whom and why."""


def retire_authority(conn: Connection, authority: str) -> dict[str, int]:
    """Delete every row of the authority's data, in the caller's transaction; rows deleted per table."""
    present = set(inspect(conn).get_table_names())
    deleted: dict[str, int] = {}
    for name in RETIRED_TABLES:
        if name not in present:
            continue
        table = _table(conn, name)
        column = table.c.code if name == "authorities" else table.c.authority
        deleted[name] = conn.execute(delete(table).where(column == authority)).rowcount or 0
    return deleted


def _table(conn: Connection, name: str) -> Table:
    known = Base.metadata.tables.get(name)
    return known if known is not None else Table(name, MetaData(), autoload_with=conn)
