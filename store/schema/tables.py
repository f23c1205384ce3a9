"""Tables of the store. Only pseudonymised or LA references, states and dates: no names or narrative."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from mapping.timeformats import as_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Ref = String(128)


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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Authority(Base):
    __tablename__ = "authorities"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_open", "authority", "case_ref", "closed_on", "deleted_on"),)

    authority: Mapped[str] = mapped_column(ForeignKey("authorities.code"), primary_key=True)
    case_ref: Mapped[str] = mapped_column(Ref, primary_key=True)
    team: Mapped[str | None] = mapped_column(Ref)
    worker: Mapped[str | None] = mapped_column(Ref)
    case_type: Mapped[str] = mapped_column(String(32))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    cp_plan_start: Mapped[date | None] = mapped_column(Date)
    source_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_run: Mapped[int | None] = mapped_column(Integer)
    deleted_on: Mapped[date | None] = mapped_column(Date)


class EvidenceRow(Base):
    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_case_live", "authority", "case_ref", "deleted_on"),)

    # No foreign key to cases: evidence may arrive before its case and is linked when the case does.
    authority: Mapped[str] = mapped_column(ForeignKey("authorities.code"), primary_key=True)
    source_id: Mapped[str] = mapped_column(Ref, primary_key=True)
    case_ref: Mapped[str] = mapped_column(Ref)
    element: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    evidenced_on: Mapped[date] = mapped_column(Date)
    scale_value: Mapped[int | None] = mapped_column(SmallInteger)
    source_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_run: Mapped[int | None] = mapped_column(Integer)
    deleted_on: Mapped[date | None] = mapped_column(Date)


class CaseElementStatusRow(Base):
    __tablename__ = "case_element_status"

    authority: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_ref: Mapped[str] = mapped_column(Ref, primary_key=True)
    element: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    first_evidenced_on: Mapped[date | None] = mapped_column(Date)
    last_evidenced_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    latest_scale_value: Mapped[int | None] = mapped_column(SmallInteger)
    computed_on: Mapped[date] = mapped_column(Date)
    """The date the row last changed: rows are rewritten only when a recompute changes them."""


class StatusChange(Base):
    """Every change of a case element's status, from the date it took effect; the read side's history.

    `to_date` is null while the status is current, and only one row per case element is open at a
    time. `run_id` is the sync run that made the change, null when the daily recompute moved it.
    """

    __tablename__ = "status_changes"
    __table_args__ = (
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority: Mapped[str] = mapped_column(String(64))
    case_ref: Mapped[str] = mapped_column(Ref)
    element: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(Integer)


class TouchedCase(Base):
    """A case whose records a committed batch changed and whose statuses are not yet recomputed.

    Written in the batch's own transaction, so a crash loses none; removed in the transaction that
    writes the case's new statuses.
    """

    __tablename__ = "touched_cases"

    authority: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_ref: Mapped[str] = mapped_column(Ref, primary_key=True)


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_authority_started", "authority", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))
    scope_case_ref: Mapped[str | None] = mapped_column(Ref)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    read_count: Mapped[int] = mapped_column(Integer, default=0)
    written_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    quarantined_count: Mapped[int] = mapped_column(Integer, default=0)
    not_evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    deleted_count: Mapped[int] = mapped_column(Integer, default=0)
    orphaned_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    superseded_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inserted_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duplicates_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    staged_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ahead_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(16))
    """Where the run's staged rows stand: `open` while read or waiting for a run to carry it on,
    `published`, `refused` (waiting for accept or discard), `discarded` or `adopted` by a later run."""
    notes: Mapped[str | None] = mapped_column(Text)
    """What a person should know of a run that is not an error: a watermark held, a position reset."""


class StreamPosition(Base):
    __tablename__ = "stream_positions"

    authority: Mapped[str] = mapped_column(String(64), primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[dict[str, object]] = mapped_column(JSON)
    run_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    config_hash: Mapped[str | None] = mapped_column(String(64))
    """The stream's connector configuration the position was made with; another one starts afresh."""


class QuarantineRow(Base):
    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("authority", "stream", "record_key", name="uq_quarantine_record_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id"))
    authority: Mapped[str] = mapped_column(String(64))
    stream: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(Ref)
    reason: Mapped[str] = mapped_column(Text)
    record_hash: Mapped[str] = mapped_column(String(64))
    record_key: Mapped[str] = mapped_column(String(140))
    """`id:<source id>`, or `hash:<record hash>` for a record without a usable id: one row per record."""
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    authority: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(Integer)


class Lease(Base):
    """Who may write an authority's stream now; the database, not the scheduler, keeps one writer."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


# The same tables as SQLAlchemy Core tables, for the set-based writes and lookups of a run.
CASES: Table = CaseRow.__table__  # type: ignore[assignment]
EVIDENCE: Table = EvidenceRow.__table__  # type: ignore[assignment]
STATUSES: Table = CaseElementStatusRow.__table__  # type: ignore[assignment]
QUARANTINE: Table = QuarantineRow.__table__  # type: ignore[assignment]
POSITIONS: Table = StreamPosition.__table__  # type: ignore[assignment]
AUTHORITIES: Table = Authority.__table__  # type: ignore[assignment]
CHANGES: Table = StatusChange.__table__  # type: ignore[assignment]
TOUCHED: Table = TouchedCase.__table__  # type: ignore[assignment]
STREAM_TABLES: dict[str, Table] = {"cases": CASES, "evidence": EVIDENCE}


def key_column(table: Table) -> str:
    """What names a record in its source: a case its reference, a piece of evidence its source id."""
    return "case_ref" if table is CASES else "source_id"
