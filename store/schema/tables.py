"""Tables of the store, each defined once as a SQLAlchemy Core table. Only pseudonymised or LA
references, states and dates: no names or narrative.

Both sides use these, as Core tables: neither imports the ORM, whose import is a noticeable part of
a command's start. The migrations keep their own DDL, one revision at a time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from mapping.timeformats import as_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

METADATA = MetaData(naming_convention=NAMING)

Ref = String(128)
AuthorityCode = String(64)
"""An authority's code, as `authorities` keys it. The record tables name theirs without a foreign
key: the run that writes them holds the authority's row (`store.write.writer.hold_authority`) and
`retire` deletes every table's rows with it, so a key would guard nothing the write side does not,
and its check on every row was a third of PostgreSQL's time merging a first sync's evidence."""


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and read back time-zone aware, on SQLite as on PostgreSQL.

    A naive value is taken to be UTC already: sources that omit the offset are read that way.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def required(name: str, kind: Any, **options: Any) -> Column[Any]:
    """A column that always holds a value; plain `Column` is one that may be empty."""
    return Column(name, kind, nullable=False, **options)


def count(name: str, server_default: str | None = None) -> Column[Any]:
    """A run's or a stream's count of records: zero until counted."""
    return required(name, Integer, default=0, server_default=server_default)


def record_state() -> list[Column[Any]]:
    """What the store keeps of every source record besides its own fields: the source's version,
    the content hash that tells a change, when and by which run it was last seen, its deletion."""
    return [
        Column("source_updated_at", UtcDateTime()),
        required("content_hash", String(64)),
        required("synced_at", UtcDateTime()),
        Column("last_seen_run", Integer),
        Column("deleted_on", Date),
    ]


AUTHORITIES = Table(
    "authorities",
    METADATA,
    Column("code", AuthorityCode, primary_key=True),
    required("name", String(200)),
    required("updated_at", UtcDateTime()),
)

CASES = Table(
    "cases",
    METADATA,
    Column("authority", AuthorityCode, primary_key=True),
    Column("case_ref", Ref, primary_key=True),
    Column("team", Ref),
    Column("worker", Ref),
    required("case_type", String(32)),
    required("opened_on", Date),
    Column("closed_on", Date),
    Column("cp_plan_start", Date),
    *record_state(),
    Index("ix_cases_open", "authority", "case_ref", "closed_on", "deleted_on"),
)

EVIDENCE = Table(
    "evidence",
    METADATA,
    # No foreign key to cases: evidence may arrive before its case and is linked when the case does.
    Column("authority", AuthorityCode, primary_key=True),
    Column("source_id", Ref, primary_key=True),
    required("case_ref", Ref),
    required("element", String(64)),
    Column("kind", String(64)),
    required("state", String(16)),
    required("evidenced_on", Date),
    Column("scale_value", SmallInteger),
    *record_state(),
    Index("ix_evidence_case_live", "authority", "case_ref", "deleted_on"),
)

AUDITS = Table(
    "audits",
    METADATA,
    # No foreign key to cases, for the reason evidence has none.
    Column("authority", AuthorityCode, primary_key=True),
    Column("source_id", Ref, primary_key=True),
    required("case_ref", Ref),
    required("audited_on", Date),
    required("grade", String(64)),
    required("grade_words", String(64)),
    required("grade_rank", SmallInteger),
    required("meets_good_line", Boolean),
    Column("family_participation", String(32)),
    required("participants", JSON, doc="role codes, never names"),
    required(
        "area_grades",
        JSON,
        doc="practice area to its grade code, words and good line on the authority's scale",
    ),
    *record_state(),
    Index("ix_audits_case_live", "authority", "case_ref", "deleted_on"),
)
"""Collaborative case audits: how good the practice on a case was, on the authority's own scale."""

CASE_EPISODES = Table(
    "case_episodes",
    METADATA,
    Column("authority", AuthorityCode, primary_key=True),
    Column("source_id", Ref, primary_key=True),
    required("case_ref", Ref),
    required("kind", String(16)),
    required("started_on", Date),
    Column("ended_on", Date),
    Column("end_reason", String(64)),
    Column("previous_cp_plans", SmallInteger),
    *record_state(),
    Index("ix_case_episodes_case_live", "authority", "case_ref", "deleted_on"),
)
"""Every referral, CP plan and period of care of a case: the course its outcomes are read from."""

STATUSES = Table(
    "case_element_status",
    METADATA,
    Column("authority", String(64), primary_key=True),
    Column("case_ref", Ref, primary_key=True),
    Column("element", String(64), primary_key=True),
    required("status", String(16)),
    Column("first_evidenced_on", Date),
    Column("last_evidenced_on", Date),
    Column("due_on", Date),
    count("evidence_count"),
    Column("latest_scale_value", SmallInteger),
    required(
        "computed_on",
        Date,
        doc="The date the row last changed: rows are rewritten only when a recompute changes them.",
    ),
)

CHANGES = Table(
    "status_changes",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    required("authority", String(64)),
    required("case_ref", Ref),
    required("element", String(64)),
    required("status", String(16)),
    required("from_date", Date),
    Column("to_date", Date),
    Column("run_id", Integer),
    Index("ix_status_changes_case", "authority", "case_ref", "element"),
    Index("ix_status_changes_from", "authority", "from_date"),
    Index(
        "uq_status_changes_open",
        "authority",
        "case_ref",
        "element",
        unique=True,
        sqlite_where=text("to_date IS NULL"),
        postgresql_where=text("to_date IS NULL"),
    ),
)
"""Every change of a case element's status, from the date it took effect; the read side's history.

`to_date` is null while the status is current, and only one row per case element is open at a
time. `run_id` is the sync run that made the change, null when the daily recompute moved it.
"""

TOUCHED = Table(
    "touched_cases",
    METADATA,
    Column("authority", String(64), primary_key=True),
    Column("case_ref", Ref, primary_key=True),
)
"""A case whose records a committed batch changed and whose statuses are not yet recomputed.

Written in the batch's own transaction, so a crash loses none; removed in the transaction that
writes the case's new statuses.
"""

SYNC_RUNS = Table(
    "sync_runs",
    METADATA,
    # In the order `status --json` and `runs --json` give a run's fields.
    Column("id", Integer, primary_key=True, autoincrement=True),
    required("authority", String(64)),
    required("trigger", String(16)),
    required("requested_by", String(128)),
    Column("reason", Text),
    required("mode", String(16)),
    Column("scope_case_ref", Ref),
    required("started_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    required("outcome", String(16)),
    count("read_count"),
    count("written_count"),
    count("inserted_count", server_default="0"),
    count("updated_count", server_default="0"),
    count("unchanged_count"),
    count("quarantined_count"),
    count("not_evidence_count"),
    count("deleted_count"),
    count("orphaned_count", server_default="0"),
    count("superseded_count", server_default="0"),
    count("duplicates_count", server_default="0"),
    count("staged_count", server_default="0"),
    count("ahead_count", server_default="0"),
    Column("error", Text),
    Column(
        "stage",
        String(16),
        doc="Where the run's staged rows stand: `open` while read or waiting for a run to carry it "
        "on, `published`, `refused` (waiting for accept or discard), `discarded` or `adopted` by a "
        "later run.",
    ),
    Column(
        "notes",
        Text,
        doc="What a person should know of a run that is not an error: a watermark held, a position reset.",
    ),
    Index("ix_sync_runs_authority_started", "authority", "started_at"),
)

POSITIONS = Table(
    "stream_positions",
    METADATA,
    Column("authority", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    required("position", JSON),
    Column("run_id", Integer),
    required("updated_at", UtcDateTime()),
    Column(
        "config_hash",
        String(64),
        doc="The stream's connector configuration the position was made with; another one starts afresh.",
    ),
)

QUARANTINE = Table(
    "quarantine",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    required("run_id", ForeignKey("sync_runs.id")),
    required("authority", String(64)),
    required("stream", String(64)),
    Column("source_id", Ref),
    required("reason", Text),
    required("record_hash", String(64)),
    required(
        "record_key",
        String(140),
        doc="`id:<source id>`, or `hash:<record hash>` for a record without a usable id: one row per record.",
    ),
    required("first_seen_at", UtcDateTime()),
    required("last_seen_at", UtcDateTime()),
    Column("resolved_at", UtcDateTime()),
    UniqueConstraint("authority", "stream", "record_key", name="uq_quarantine_record_key"),
)

AUDIT_LOG = Table(
    "audit_log",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    required("at", UtcDateTime()),
    required("actor", String(128)),
    required("action", String(32)),
    Column("authority", String(64)),
    required("scope", String(200)),
    Column("reason", Text),
    Column("run_id", Integer),
)

LEASES = Table(
    "leases",
    METADATA,
    Column("name", String(200), primary_key=True),
    required("owner", String(200)),
    required("host", String(200)),
    required("pid", Integer),
    required("acquired_at", UtcDateTime()),
    required("heartbeat_at", UtcDateTime()),
    required("expires_at", UtcDateTime()),
)
"""Who may write an authority's stream now; the database, not the scheduler, keeps one writer."""

STREAM_TABLES: dict[str, Table] = {
    "cases": CASES,
    "evidence": EVIDENCE,
    "audits": AUDITS,
    "episodes": CASE_EPISODES,
}


def key_column(table: Table) -> str:
    """What names a record in its source: a case its reference, a piece of evidence its source id."""
    return "case_ref" if table is CASES else "source_id"
