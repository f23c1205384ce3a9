"""The staging tables: a run's read waits here, apart from what dashboards read, until its guards pass.

Nothing but the write room's staging and publishing touches them; the read side never does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table, Text

from store.schema.tables import (
    AUDITS,
    CASE_EPISODES,
    CASES,
    EVIDENCE,
    METADATA,
    Ref,
    count,
    key_column,
    required,
)

PUBLISHED_ONLY = frozenset({"synced_at", "last_seen_run", "deleted_on"})
"""Columns of a record that publishing gives it, not the source: no staged row has them."""


def as_read(live: Table) -> list[Column[Any]]:
    """The live table's record columns as a run reads them: each once, in `tables.py`, so a staged
    row and a live one can never disagree on a column."""
    return [Column(c.name, c.type, nullable=c.nullable) for c in live.columns if c.name not in PUBLISHED_ONLY]


def staged_copy(live: Table) -> Table:
    """A stream's staging table: its live table's record columns, each row numbered within its run
    (`seq`), indexed by the record's key within the run."""
    return Table(
        f"staged_{live.name}",
        METADATA,
        Column("run_id", Integer, primary_key=True),
        Column("seq", Integer, primary_key=True),
        *as_read(live),
        Index(f"ix_staged_{live.name}_key", "run_id", key_column(live)),
    )


STAGED_CASES = staged_copy(CASES)
"""A case row as a run read it, waiting for the run's guards; published or discarded whole.

Every row read is kept (`seq` numbers them within the run), duplicates included: the publish
step keeps one per case by the stream's declared rule and counts the rest.
"""

STAGED_EVIDENCE = staged_copy(EVIDENCE)
"""An evidence row as a run read it, waiting for the run's guards (see `STAGED_CASES`)."""

STAGED_AUDITS = staged_copy(AUDITS)
"""An audit as a run read it, waiting for the run's guards (see `STAGED_CASES`)."""

STAGED_EPISODES = staged_copy(CASE_EPISODES)
"""A case episode as a run read it, waiting for the run's guards (see `STAGED_CASES`)."""

STAGED_QUARANTINE = Table(
    "staged_quarantine",
    METADATA,
    Column("run_id", Integer, primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("record_key", String(140), primary_key=True),
    Column("source_id", Ref),
    required("reason", Text),
    required("record_hash", String(64)),
)
"""A record a run could not map, as it will be written to `quarantine` when the run publishes."""

STAGED_KEPT = Table(
    "staged_kept",
    METADATA,
    Column("run_id", Integer, primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("key", Ref, primary_key=True),
)
"""A stored record a full read met but could not map: still in the source, so not vanished."""

STAGED_MAPPED = Table(
    "staged_mapped",
    METADATA,
    Column("run_id", Integer, primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("source_id", Ref, primary_key=True),
)
"""A source record a run mapped, while its stream has records waiting in quarantine: publishing
resolves their quarantine rows. Not written when nothing waits, as in most runs."""

STAGED_STREAMS = Table(
    "staged_streams",
    METADATA,
    Column("run_id", Integer, primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column(
        "position",
        JSON(none_as_null=True),
        doc="None for a one-case read, which says nothing of where the stream stands.",
    ),
    Column("config_hash", String(64)),
    count("read_count"),
    count("quarantined_count"),
    count("not_evidence_count"),
    count("superseded_count"),
    required(
        "unreadable",
        Boolean,
        default=False,
        doc="A full read met records it could not name, so what vanished cannot be told.",
    ),
    Column(
        "incomplete",
        Text,
        doc="What the source holds that this read could not deliver (a file still being written).",
    ),
)
"""One stream of a staged run: where its read stands and what it has read so far.

Written with every staged batch, in the batch's transaction, so a run that stops or crashes
is carried on by the next from exactly here.
"""

STAGED_RECORDS = (STAGED_CASES, STAGED_EVIDENCE, STAGED_AUDITS, STAGED_EPISODES)
"""The staged record tables, one per stream; a run's `seq` numbers its rows across all of them."""

STAGED_TABLES = (*STAGED_RECORDS, STAGED_QUARANTINE, STAGED_KEPT, STAGED_MAPPED, STAGED_STREAMS)
