"""Run records and the audit log: every run is recorded with its trigger, who asked and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, update

from store.schema.tables import AuditEntry, SyncRun

ACCOUNTED = ("written", "unchanged", "quarantined", "not_evidence", "orphaned", "superseded")
"""Where each record read ends, in exactly one of these: the counts add up when `read` is their sum.
Orphaned evidence is stored (its case may arrive later) but names a case the store does not have, so
it is not counted as written; superseded rows were read but replaced by a later one of the same case
(a child's earlier episodes in a statutory return), so they are neither written nor unchanged.
`deleted` stands apart: it counts records a full read did not meet, not records it read."""


@dataclass
class Counts:
    """What a run did with what it read; `adds_up` is the rule its counts keep (see `ACCOUNTED`)."""

    read: int = 0
    written: int = 0
    unchanged: int = 0
    quarantined: int = 0
    not_evidence: int = 0
    deleted: int = 0
    orphaned: int = 0
    superseded: int = 0

    def add(self, other: Counts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_columns(self) -> dict[str, int]:
        return {f"{name}_count": value for name, value in asdict(self).items()}

    def accounted(self) -> int:
        """read = written + unchanged + quarantined + not practice evidence + orphaned + superseded:
        this is the right-hand side."""
        return sum(getattr(self, name) for name in ACCOUNTED)

    def adds_up(self) -> bool:
        return self.read == self.accounted()

    @classmethod
    def of_columns(cls, row: Mapping[str, Any]) -> Counts:
        """The counts of a `sync_runs` row as the store and `runs --json` give it (`read_count`, ...)."""
        return cls(**{name: int(row[f"{name}_count"] or 0) for name in cls.__dataclass_fields__})


def start_run(
    engine: Engine,
    *,
    authority: str,
    trigger: str,
    requested_by: str,
    reason: str | None,
    mode: str,
    scope_case_ref: str | None,
    started_at: datetime,
) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            insert(SyncRun).values(
                authority=authority,
                trigger=trigger,
                requested_by=requested_by,
                reason=reason,
                mode=mode,
                scope_case_ref=scope_case_ref,
                started_at=started_at,
                outcome="running",
                **Counts().as_columns(),
            )
        )
        run_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert isinstance(run_id, int)
    return run_id


def record_counts(conn: Connection, run_id: int, counts: Counts) -> None:
    """Store the run's running totals in the same transaction as the batch that produced them."""
    conn.execute(update(SyncRun).where(SyncRun.id == run_id).values(**counts.as_columns()))


def finish_run(
    engine: Engine, run_id: int, outcome: str, finished_at: datetime, counts: Counts, error: str | None = None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(outcome=outcome, finished_at=finished_at, error=error, **counts.as_columns())
        )


def audit(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    authority: str | None,
    scope: str,
    reason: str | None,
    run_id: int | None,
) -> None:
    conn.execute(
        insert(AuditEntry).values(
            at=at, actor=actor, action=action, authority=authority, scope=scope, reason=reason, run_id=run_id
        )
    )
