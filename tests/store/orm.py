"""ORM classes for tests that read the store by row, each mapped on its table in `store.schema.tables`.

A table's shape (types, sizes, keys, indexes) is written there once; a class here only names the
Python type of each column for the type checker, and `tests/store/test_models.py` holds the two to
the same columns and the same nullability.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped

from store.schema.tables import (
    AUDIT_LOG,
    AUDITS,
    AUTHORITIES,
    CASE_EPISODES,
    CASES,
    CHANGES,
    EVIDENCE,
    LEASES,
    METADATA,
    POSITIONS,
    QUARANTINE,
    STATUSES,
    SYNC_RUNS,
    TOUCHED,
)


class Base(DeclarativeBase):
    metadata = METADATA


class Authority(Base):
    __table__ = AUTHORITIES

    code: Mapped[str]
    name: Mapped[str]
    updated_at: Mapped[datetime]


class CaseRow(Base):
    __table__ = CASES

    authority: Mapped[str]
    case_ref: Mapped[str]
    team: Mapped[str | None]
    worker: Mapped[str | None]
    case_type: Mapped[str]
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    cp_plan_start: Mapped[date | None]
    source_updated_at: Mapped[datetime | None]
    content_hash: Mapped[str]
    synced_at: Mapped[datetime]
    last_seen_run: Mapped[int | None]
    deleted_on: Mapped[date | None]


class EvidenceRow(Base):
    __table__ = EVIDENCE

    authority: Mapped[str]
    source_id: Mapped[str]
    case_ref: Mapped[str]
    element: Mapped[str]
    kind: Mapped[str | None]
    state: Mapped[str]
    evidenced_on: Mapped[date]
    scale_value: Mapped[int | None]
    source_updated_at: Mapped[datetime | None]
    content_hash: Mapped[str]
    synced_at: Mapped[datetime]
    last_seen_run: Mapped[int | None]
    deleted_on: Mapped[date | None]


class AuditRow(Base):
    __table__ = AUDITS

    authority: Mapped[str]
    source_id: Mapped[str]
    case_ref: Mapped[str]
    audited_on: Mapped[date]
    grade: Mapped[str]
    grade_words: Mapped[str]
    grade_rank: Mapped[int]
    meets_good_line: Mapped[bool]
    family_participation: Mapped[str | None]
    participants: Mapped[list[str]]
    area_grades: Mapped[dict[str, Any]]
    source_updated_at: Mapped[datetime | None]
    content_hash: Mapped[str]
    synced_at: Mapped[datetime]
    last_seen_run: Mapped[int | None]
    deleted_on: Mapped[date | None]


class CaseEpisodeRow(Base):
    __table__ = CASE_EPISODES

    authority: Mapped[str]
    source_id: Mapped[str]
    case_ref: Mapped[str]
    kind: Mapped[str]
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None]
    previous_cp_plans: Mapped[int | None]
    source_updated_at: Mapped[datetime | None]
    content_hash: Mapped[str]
    synced_at: Mapped[datetime]
    last_seen_run: Mapped[int | None]
    deleted_on: Mapped[date | None]


class CaseElementStatusRow(Base):
    __table__ = STATUSES

    authority: Mapped[str]
    case_ref: Mapped[str]
    element: Mapped[str]
    status: Mapped[str]
    first_evidenced_on: Mapped[date | None]
    last_evidenced_on: Mapped[date | None]
    due_on: Mapped[date | None]
    evidence_count: Mapped[int]
    latest_scale_value: Mapped[int | None]
    computed_on: Mapped[date]


class StatusChange(Base):
    __table__ = CHANGES

    id: Mapped[int]
    authority: Mapped[str]
    case_ref: Mapped[str]
    element: Mapped[str]
    status: Mapped[str]
    from_date: Mapped[date]
    to_date: Mapped[date | None]
    run_id: Mapped[int | None]


class TouchedCase(Base):
    __table__ = TOUCHED

    authority: Mapped[str]
    case_ref: Mapped[str]


class SyncRun(Base):
    __table__ = SYNC_RUNS

    id: Mapped[int]
    authority: Mapped[str]
    trigger: Mapped[str]
    requested_by: Mapped[str]
    reason: Mapped[str | None]
    mode: Mapped[str]
    scope_case_ref: Mapped[str | None]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str]
    read_count: Mapped[int]
    written_count: Mapped[int]
    inserted_count: Mapped[int]
    updated_count: Mapped[int]
    unchanged_count: Mapped[int]
    quarantined_count: Mapped[int]
    not_evidence_count: Mapped[int]
    deleted_count: Mapped[int]
    orphaned_count: Mapped[int]
    superseded_count: Mapped[int]
    duplicates_count: Mapped[int]
    staged_count: Mapped[int]
    ahead_count: Mapped[int]
    error: Mapped[str | None]
    stage: Mapped[str | None]
    notes: Mapped[str | None]


class StreamPosition(Base):
    __table__ = POSITIONS

    authority: Mapped[str]
    stream: Mapped[str]
    position: Mapped[dict[str, object]]
    run_id: Mapped[int | None]
    updated_at: Mapped[datetime]
    config_hash: Mapped[str | None]


class QuarantineRow(Base):
    __table__ = QUARANTINE

    id: Mapped[int]
    run_id: Mapped[int]
    authority: Mapped[str]
    stream: Mapped[str]
    source_id: Mapped[str | None]
    reason: Mapped[str]
    record_hash: Mapped[str]
    record_key: Mapped[str]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class AuditEntry(Base):
    __table__ = AUDIT_LOG

    id: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str]
    action: Mapped[str]
    authority: Mapped[str | None]
    scope: Mapped[str]
    reason: Mapped[str | None]
    run_id: Mapped[int | None]


class Lease(Base):
    __table__ = LEASES

    name: Mapped[str]
    owner: Mapped[str]
    host: Mapped[str]
    pid: Mapped[int]
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]
