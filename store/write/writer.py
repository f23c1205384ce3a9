"""What every write of a run shares: the authority's row, how durably a commit waits, and a fresh
table's first statistics.

Records reach the live tables one way only: staged (`store.write.staging`), then published
(`store.write.publish`). Every function here runs inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, select

from store.schema.tables import AUTHORITIES
from store.write.upsert import upsert


def commit_without_waiting_for_disk(conn: Connection) -> None:
    """Let this transaction's commit return before its log reaches the disk (PostgreSQL's
    `synchronous_commit = off`, for this transaction only).

    For a batch or a chunk of settled statuses only: each commits with what says it is done (the
    stream position, the touched cases it clears), so a server crash that loses the last of them
    loses those too, and the next run reads or settles them again. The run's own record commits
    durably at its end, which flushes every commit before it. SQLite's `synchronous=NORMAL` in WAL
    mode makes the same trade for the same reason.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


def gather_first_statistics(conn: Connection, table: Table) -> None:
    """Give a PostgreSQL table its first planner statistics, if it has never had any.

    Without statistics the planner cannot tell that a record's key names one row: a fresh store's
    first sync probed each stored version through the authority's case index, visiting every row
    of the authority per key (0.5 s a batch two batches in, and growing), until the server's own
    analysis came round, up to a minute later. Publishing calls it before its set-wise statements;
    a role that may not analyse the table gets a warning from the server and nothing else changes.
    """
    if conn.dialect.name != "postgresql":
        return
    never = conn.exec_driver_sql(
        "SELECT 1 FROM pg_class WHERE oid = to_regclass(%(name)s) AND reltuples < 0", {"name": table.name}
    ).first()
    if never is not None:
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table.name)}")


def gather_statistics_after_growth(conn: Connection, table: Table, added: int) -> None:
    """Give a PostgreSQL table fresh planner statistics when the rows just added outnumber what
    its statistics know (an authority's first sync into a fresh store, whose statistics were
    taken of the empty table), so the statements after it in the transaction plan for its size.

    Measured on a first sync of 100,000 forms: settling statuses read each chunk of cases' evidence
    by scanning all of the authority's rows, planned for an empty table (60 to 140 ms a chunk, 0.85 s
    in all), where an index range per case takes a few milliseconds. Rows the transaction has
    added are sampled like any other. Only the indexed columns are analysed, which is what the
    planner weighs an index by: 0.03 to 0.05 s for 80,000 rows against 0.07 to 0.15 s for every
    column; the server's own analysis, which the growth soon brings, covers the rest.
    """
    if conn.dialect.name != "postgresql" or added < GROWTH_WORTH_ANALYSING:
        return
    known = conn.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(name)s)", {"name": table.name}
    ).scalar()
    if known is not None and added > known:
        quote = conn.dialect.identifier_preparer.quote
        keyed = [*table.primary_key.columns, *(c for index in table.indexes for c in index.columns)]
        indexed = dict.fromkeys(c.name for c in keyed)
        conn.exec_driver_sql(f"ANALYZE {quote(table.name)} ({', '.join(quote(c) for c in indexed)})")


GROWTH_WORTH_ANALYSING = 10_000
"""Rows added below which a table's statistics are left to the server's own analysis."""


def ensure_authority(conn: Connection, code: str, name: str, now: datetime) -> None:
    upsert(conn, AUTHORITIES, [{"code": code, "name": name, "updated_at": now}], keys=["code"])


def hold_authority(conn: Connection, code: str) -> bool:
    """Whether the store knows the authority, held so for the rest of the caller's transaction.

    What the record tables' foreign keys to `authorities` guarded, checked once a publish instead of
    once a row: on PostgreSQL the row is locked against deletion (`FOR KEY SHARE`, the lock such a
    key takes), on SQLite the transaction already holds the write lock.
    """
    held = select(AUTHORITIES.c.code).where(AUTHORITIES.c.code == code)
    return conn.execute(held.with_for_update(read=True, key_share=True)).first() is not None
