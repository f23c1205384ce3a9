"""Removing a retired authority's data from the store; its runs and audit entries stay as history."""

from __future__ import annotations

from sqlalchemy import Connection, MetaData, Table, delete, inspect, select, update

from store.schema.staged import STAGED_TABLES
from store.schema.tables import METADATA, SYNC_RUNS
from store.write.staging import Stage

RETIRED_TABLES = (
    "case_element_status",
    "status_changes",
    "touched_cases",
    "evidence",
    "audits",
    "case_episodes",
    "quarantine",
    "stream_positions",
    "cases",
    "authorities",
)
"""Every table that names the authority, the authority's own row last (a store before revision 0008
still has foreign keys from the record tables to it); a table the store does not have (an older
revision) is passed over. `sync_runs` and `audit_log` are kept: they say what was
done, by whom and why."""


def retire_authority(conn: Connection, authority: str) -> dict[str, int]:
    """Delete every row of the authority's data, in the caller's transaction; rows deleted per table."""
    present = set(inspect(conn).get_table_names())
    deleted: dict[str, int] = {}
    # A refused or unfinished run's read waits in the staging tables: it is the authority's data too.
    runs = select(SYNC_RUNS.c.id).where(SYNC_RUNS.c.authority == authority)
    for table in STAGED_TABLES:
        if table.name in present:
            deleted[table.name] = conn.execute(delete(table).where(table.c.run_id.in_(runs))).rowcount or 0
    if any(deleted.values()):
        waiting = SYNC_RUNS.c.stage.in_([Stage.OPEN, Stage.REFUSED])
        conn.execute(
            update(SYNC_RUNS).where(SYNC_RUNS.c.authority == authority, waiting).values(stage=Stage.DISCARDED)
        )
    for name in RETIRED_TABLES:
        if name not in present:
            continue
        table = _table(conn, name)
        column = table.c.code if name == "authorities" else table.c.authority
        deleted[name] = conn.execute(delete(table).where(column == authority)).rowcount or 0
    return deleted


def _table(conn: Connection, name: str) -> Table:
    known = METADATA.tables.get(name)
    return known if known is not None else Table(name, MetaData(), autoload_with=conn)
