"""The store's tables as SQLAlchemy Core tables, for the set-based writes and lookups of a run."""

from __future__ import annotations

from sqlalchemy import Table

from store.models import (
    Authority,
    CaseElementStatusRow,
    CaseRow,
    EvidenceRow,
    QuarantineRow,
    StatusChange,
    StreamPosition,
    TouchedCase,
)

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
