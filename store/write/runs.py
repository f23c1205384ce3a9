"""Run records and the audit log: every run is recorded with its trigger, who asked and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from store.schema.tables import AUDIT_LOG, SYNC_RUNS

RUN = SYNC_RUNS.c
"""A run's columns; the statements here are Core, so a run loads no ORM."""

ACCOUNTED = (
    "written",
    "unchanged",
    "quarantined",
    "not_evidence",
    "orphaned",
    "superseded",
    "duplicates",
    "staged",
)
"""Where each record read ends, in exactly one of these: the counts add up when `read` is their sum,
and `written` is `inserted` + `updated`. Orphaned evidence is stored (its case may arrive later) but
names a case the store does not have, so it is not counted as written; superseded rows were read but
replaced by a later one of the same case (a child's earlier episodes in a statutory return);
duplicates are rows of a key the read held more than once, passed over for the row the stream's rule
keeps; staged rows wait, unpublished, for the next run to carry the read on (after a stop or a time
limit). `deleted` stands apart: it counts records a full read did not meet, not records it read; so
does `ahead`: records whose change time lay past now, counted above as well."""


@dataclass
class Counts:
    """What a run did with what it read; `adds_up` is the rule its counts keep (see `ACCOUNTED`).

    A refused run's counts say what publishing would have done, and none of it was.
    """

    read: int = 0
    written: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    not_evidence: int = 0
    deleted: int = 0
    orphaned: int = 0
    superseded: int = 0
    duplicates: int = 0
    staged: int = 0
    """Rows read into the run's staging area and not yet published: the next run carries them on."""
    ahead: int = 0
    """Records whose change time lay past now beyond the tolerance: the watermark was held at now."""

    def add(self, other: Counts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_columns(self) -> dict[str, int]:
        return {f"{name}_count": value for name, value in asdict(self).items()}

    def accounted(self) -> int:
        """The right-hand side of read = written + unchanged + quarantined + not practice evidence +
        orphaned + superseded + duplicates + staged."""
        return sum(getattr(self, name) for name in ACCOUNTED)

    def left_staged(self) -> None:
        """The run ended before publishing: what it mapped waits in its staging area, unclassified."""
        self.written = self.inserted = self.updated = self.unchanged = self.orphaned = self.duplicates = 0
        self.deleted = 0
        self.staged = self.read - self.quarantined - self.not_evidence - self.superseded

    def adds_up(self) -> bool:
        return self.read == self.accounted() and self.written == self.inserted + self.updated

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
            insert(SYNC_RUNS).values(
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
    conn.execute(update(SYNC_RUNS).where(RUN.id == run_id).values(**counts.as_columns()))


def finish_run(
    engine: Engine,
    run_id: int,
    outcome: str,
    finished_at: datetime,
    counts: Counts,
    error: str | None = None,
    notes: str | None = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(SYNC_RUNS)
            .where(RUN.id == run_id)
            .values(outcome=outcome, finished_at=finished_at, error=error, **counts.as_columns())
        )
        if notes:
            add_note(conn, run_id, notes)


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
        insert(AUDIT_LOG).values(
            at=at, actor=actor, action=action, authority=authority, scope=scope, reason=reason, run_id=run_id
        )
    )


def load_counts(conn: Connection, run_id: int) -> Counts:
    """A run's recorded counts, for the run that carries its staged read on."""
    columns = [RUN[f"{name}_count"] for name in Counts.__dataclass_fields__]
    return Counts.of_columns(dict(conn.execute(select(*columns).where(RUN.id == run_id)).one()._mapping))


def stage_of_run(conn: Connection, run_id: int, authority: str) -> tuple[str | None, str, str | None]:
    """Where a run's staged rows stand, its mode and the case it covered; (None, "", None) for a run
    of another authority or none."""
    row = conn.execute(
        select(RUN.stage, RUN.mode, RUN.scope_case_ref).where(RUN.id == run_id, RUN.authority == authority)
    ).first()
    return (None, "", None) if row is None else (row[0], str(row[1]), row[2])


def add_note(conn: Connection, run_id: int, note: str) -> None:
    notes = func.coalesce(RUN.notes + "; ", "") + note
    conn.execute(update(SYNC_RUNS).where(RUN.id == run_id).values(notes=notes))


def close_interrupted_runs(conn: Connection, authority: str, run_id: int, now: datetime) -> None:
    """Runs of the authority left `running` by a process that ended: failed, interrupted. What such a
    run read before publishing waits in its staging area, and its counts say so, adding up."""
    interrupted = and_(RUN.authority == authority, RUN.outcome == "running", RUN.id != run_id)
    unpublished = select(RUN.id).where(interrupted, RUN.stage.in_(["open", "refused"]))
    for (waiting,) in conn.execute(unpublished).all():
        counts = load_counts(conn, waiting)
        counts.left_staged()
        record_counts(conn, waiting, counts)
    conn.execute(
        update(SYNC_RUNS)
        .where(interrupted)
        .values(
            outcome="failed",
            finished_at=now,
            error="interrupted: the process ended or lost the store before recording an outcome",
        )
    )
