"""The staging tables: a run's read waits here, apart from what dashboards read, until its guards pass.

Nothing but the write room's staging and publishing touches them; the read side never does.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Index, Integer, SmallInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.schema.tables import Base, Ref, UtcDateTime


class StagedCase(Base):
    """A case row as a run read it, waiting for the run's guards; published or discarded whole.

    Every row read is kept (`seq` numbers them within the run), duplicates included: the publish
    step keeps one per case by the stream's declared rule and counts the rest.
    """

    __tablename__ = "staged_cases"
    __table_args__ = (Index("ix_staged_cases_key", "run_id", "case_ref"),)

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority: Mapped[str] = mapped_column(String(64))
    case_ref: Mapped[str] = mapped_column(Ref)
    team: Mapped[str | None] = mapped_column(Ref)
    worker: Mapped[str | None] = mapped_column(Ref)
    case_type: Mapped[str] = mapped_column(String(32))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    cp_plan_start: Mapped[date | None] = mapped_column(Date)
    source_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    content_hash: Mapped[str] = mapped_column(String(64))


class StagedEvidence(Base):
    """An evidence row as a run read it, waiting for the run's guards (see `StagedCase`)."""

    __tablename__ = "staged_evidence"
    __table_args__ = (Index("ix_staged_evidence_key", "run_id", "source_id"),)

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(Ref)
    case_ref: Mapped[str] = mapped_column(Ref)
    element: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    evidenced_on: Mapped[date] = mapped_column(Date)
    scale_value: Mapped[int | None] = mapped_column(SmallInteger)
    source_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    content_hash: Mapped[str] = mapped_column(String(64))


class StagedQuarantine(Base):
    """A record a run could not map, as it will be written to `quarantine` when the run publishes."""

    __tablename__ = "staged_quarantine"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(140), primary_key=True)
    source_id: Mapped[str | None] = mapped_column(Ref)
    reason: Mapped[str] = mapped_column(Text)
    record_hash: Mapped[str] = mapped_column(String(64))


class StagedKept(Base):
    """A stored record a full read met but could not map: still in the source, so not vanished."""

    __tablename__ = "staged_kept"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(Ref, primary_key=True)


class StagedMapped(Base):
    """A source record a run mapped, while its stream has records waiting in quarantine: publishing
    resolves their quarantine rows. Not written when nothing waits, as in most runs."""

    __tablename__ = "staged_mapped"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(Ref, primary_key=True)


class StagedStream(Base):
    """One stream of a staged run: where its read stands and what it has read so far.

    Written with every staged batch, in the batch's transaction, so a run that stops or crashes
    is carried on by the next from exactly here.
    """

    __tablename__ = "staged_streams"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[dict[str, object] | None] = mapped_column(JSON(none_as_null=True))
    """None for a one-case read, which says nothing of where the stream stands."""
    config_hash: Mapped[str | None] = mapped_column(String(64))
    finished: Mapped[bool] = mapped_column(default=False)
    read_count: Mapped[int] = mapped_column(Integer, default=0)
    quarantined_count: Mapped[int] = mapped_column(Integer, default=0)
    not_evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    superseded_count: Mapped[int] = mapped_column(Integer, default=0)
    unreadable: Mapped[bool] = mapped_column(default=False)
    """A full read met records it could not name, so what vanished cannot be told."""
    incomplete: Mapped[str | None] = mapped_column(Text)
    """What the source holds that this read could not deliver (a file still being written)."""


STAGED_CASES: Table = StagedCase.__table__  # type: ignore[assignment]
STAGED_EVIDENCE: Table = StagedEvidence.__table__  # type: ignore[assignment]
STAGED_QUARANTINE: Table = StagedQuarantine.__table__  # type: ignore[assignment]
STAGED_KEPT: Table = StagedKept.__table__  # type: ignore[assignment]
STAGED_MAPPED: Table = StagedMapped.__table__  # type: ignore[assignment]
STAGED_STREAMS: Table = StagedStream.__table__  # type: ignore[assignment]
STAGED_TABLES = (STAGED_CASES, STAGED_EVIDENCE, STAGED_QUARANTINE, STAGED_KEPT, STAGED_MAPPED, STAGED_STREAMS)
