"""A run's staging area: what it read, kept apart from what dashboards read until its guards pass.

Each batch is staged in its own transaction with the stream's position and running counts, so a
run that stops or crashes is carried on by the next from exactly where it stood. Nothing here
touches a live table: publishing (`store.write.publish`) is the only way staged rows reach one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Connection, Table, delete, func, select, update

from mapping.outcomes import Record
from mapping.schema import Audit, Case, CaseEpisode, Evidence
from store.schema.staged import (
    STAGED_AUDITS,
    STAGED_CASES,
    STAGED_EPISODES,
    STAGED_EVIDENCE,
    STAGED_KEPT,
    STAGED_MAPPED,
    STAGED_QUARANTINE,
    STAGED_RECORDS,
    STAGED_STREAMS,
    STAGED_TABLES,
)
from store.schema.tables import SYNC_RUNS
from store.write.bulk import execute_tuples
from store.write.upsert import upsert

_CASE_FIELDS = tuple(f for f in Case.model_fields if f != "case_type")
_EVIDENCE_FIELDS = tuple(f for f in Evidence.model_fields if f != "state")
_case_values = attrgetter(*_CASE_FIELDS)
_evidence_values = attrgetter(*_EVIDENCE_FIELDS)


class Stage:
    """Where a run's staged rows stand (`sync_runs.stage`)."""

    OPEN = "open"
    PUBLISHED = "published"
    REFUSED = "refused"
    DISCARDED = "discarded"
    ADOPTED = "adopted"


@dataclass(frozen=True)
class StagedQuarantineItem:
    stream: str
    reason: str
    record_hash: str
    source_id: str | None

    @property
    def record_key(self) -> str:
        """One row per source record: by its id, or by its content where it has no usable id."""
        return f"id:{self.source_id}" if self.source_id is not None else f"hash:{self.record_hash}"


@dataclass
class StreamState:
    """One stream of a staged run as the store holds it."""

    position: dict[str, Any] | None
    config_hash: str | None
    read: int
    quarantined: int
    not_evidence: int
    superseded: int
    unreadable: bool
    incomplete: str | None


def next_seq(conn: Connection, run_id: int) -> int:
    """The number the run's next staged row takes: rows are numbered once, across every table."""
    highest = 0
    for table in STAGED_RECORDS:
        found = conn.execute(select(func.max(table.c.seq)).where(table.c.run_id == run_id)).scalar()
        highest = max(highest, int(found or 0))
    return highest + 1


def stage_cases(conn: Connection, run_id: int, first_seq: int, cases: Sequence[tuple[Case, str]]) -> None:
    names = ("seq", *_CASE_FIELDS, "case_type", "content_hash")
    rows = [
        (first_seq + n, *_case_values(case), case.case_type.value, content_hash)
        for n, (case, content_hash) in enumerate(cases)
    ]
    execute_tuples(conn, STAGED_CASES.insert(), names, rows, {"run_id": run_id})


def stage_evidence(
    conn: Connection, run_id: int, first_seq: int, records: Sequence[tuple[Evidence, str]]
) -> None:
    names = ("seq", *_EVIDENCE_FIELDS, "state", "content_hash")
    rows = [
        (first_seq + n, *_evidence_values(e), e.state.value, content_hash)
        for n, (e, content_hash) in enumerate(records)
    ]
    execute_tuples(conn, STAGED_EVIDENCE.insert(), names, rows, {"run_id": run_id})


def stage_records(
    conn: Connection, stream: str, run_id: int, first_seq: int, records: Sequence[tuple[Record, str]]
) -> None:
    """Stage one batch of a stream's mapped records, numbered from `first_seq`."""
    if stream == "cases":
        stage_cases(conn, run_id, first_seq, cast(Sequence[tuple[Case, str]], records))
    elif stream == "evidence":
        stage_evidence(conn, run_id, first_seq, cast(Sequence[tuple[Evidence, str]], records))
    elif records:
        target, table = _MEASURES[stream]
        names = ("seq", *target.model_fields, "content_hash")
        rows = [
            (first_seq + n, *(_stored(value) for value in record.__dict__.values()), content_hash)
            for n, (record, content_hash) in enumerate(records)
        ]
        execute_tuples(conn, table.insert(), names, rows, {"run_id": run_id})


_MEASURES: dict[str, tuple[type[Audit] | type[CaseEpisode], Table]] = {
    "audits": (Audit, STAGED_AUDITS),
    "episodes": (CaseEpisode, STAGED_EPISODES),
}
"""Audits and episodes are staged field by field in their schema's order: few, so no fast path."""


def _stored(value: Any) -> Any:
    """A record's value as its column binds it: an enum as its code, role codes as a JSON list,
    per-area grades as JSON objects."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {
            key: item.model_dump() if isinstance(item, BaseModel) else item for key, item in value.items()
        }
    return value


def stage_quarantine(conn: Connection, run_id: int, items: Sequence[StagedQuarantineItem]) -> None:
    """One row per bad record of the run; meeting it again in the run keeps the latest reason."""
    unique = {(i.stream, i.record_key): i for i in items}
    rows = [
        {
            "run_id": run_id,
            "stream": i.stream,
            "record_key": i.record_key,
            "source_id": i.source_id,
            "reason": i.reason,
            "record_hash": i.record_hash,
        }
        for i in unique.values()
    ]
    upsert(conn, STAGED_QUARANTINE, rows, keys=["run_id", "stream", "record_key"])


def stage_kept(conn: Connection, run_id: int, stream: str, keys: Iterable[str]) -> None:
    """Stored records a full read met but could not map: they are still in the source."""
    rows = [{"run_id": run_id, "stream": stream, "key": key} for key in dict.fromkeys(keys)]
    upsert(conn, STAGED_KEPT, rows, keys=["run_id", "stream", "key"], update=[])


def stage_mapped(conn: Connection, run_id: int, stream: str, source_ids: Iterable[str]) -> None:
    """Source records that now map, so publishing resolves what quarantine holds of them."""
    rows = [{"run_id": run_id, "stream": stream, "source_id": i} for i in dict.fromkeys(source_ids)]
    upsert(conn, STAGED_MAPPED, rows, keys=["run_id", "stream", "source_id"], update=[])


def save_stream(conn: Connection, run_id: int, stream: str, state: StreamState) -> None:
    """Where the stream's read stands after a batch, committed with the batch."""
    upsert(
        conn,
        STAGED_STREAMS,
        [
            {
                "run_id": run_id,
                "stream": stream,
                "position": state.position,
                "config_hash": state.config_hash,
                "read_count": state.read,
                "quarantined_count": state.quarantined,
                "not_evidence_count": state.not_evidence,
                "superseded_count": state.superseded,
                "unreadable": state.unreadable,
                "incomplete": state.incomplete,
            }
        ],
        keys=["run_id", "stream"],
    )


def load_streams(conn: Connection, run_id: int) -> dict[str, StreamState]:
    s = STAGED_STREAMS.c
    query = select(
        s.stream,
        s.position,
        s.config_hash,
        s.read_count,
        s.quarantined_count,
        s.not_evidence_count,
        s.superseded_count,
        s.unreadable,
        s.incomplete,
    ).where(s.run_id == run_id)
    return {row[0]: StreamState(*row[1:]) for row in conn.execute(query)}


@dataclass(frozen=True)
class WaitingStage:
    """An earlier run's staged rows that no run has published, refused or discarded."""

    run_id: int
    mode: str


def open_stage(conn: Connection, authority: str, before_run: int, mode: str) -> WaitingStage | None:
    """The authority's latest earlier run of this mode whose read is still open (it stopped or
    crashed mid-read). Only a run of the same mode carries a read on: an incremental run that took
    on a full read would publish it without its deletions, and a publish in between supersedes
    every waiting read, so a carried-on full read never misses a record published since."""
    r = SYNC_RUNS.c
    found = conn.execute(
        select(r.id, r.mode)
        .where(r.authority == authority, r.stage == Stage.OPEN, r.mode == mode, r.id < before_run)
        .order_by(r.id.desc())
        .limit(1)
    ).first()
    return None if found is None else WaitingStage(int(found[0]), str(found[1]))


def waiting_runs(conn: Connection, authority: str, before_run: int) -> list[int]:
    """Earlier runs whose staged rows still wait (open or refused): superseded once a run publishes."""
    r = SYNC_RUNS.c
    query = select(r.id).where(
        r.authority == authority, r.stage.in_([Stage.OPEN, Stage.REFUSED]), r.id < before_run
    )
    return [int(run_id) for (run_id,) in conn.execute(query)]


def adopt(conn: Connection, from_run: int, to_run: int) -> None:
    """Carry an earlier run's staged rows on as this run's; its read resumes from their positions."""
    for table in STAGED_TABLES:
        conn.execute(update(table).where(table.c.run_id == from_run).values(run_id=to_run))
    # What a read could not deliver then, it is asked for again now.
    conn.execute(update(STAGED_STREAMS).where(STAGED_STREAMS.c.run_id == to_run).values(incomplete=None))
    set_stage(conn, from_run, Stage.ADOPTED)


def drop(conn: Connection, run_id: int) -> None:
    """Remove a run's staged rows, as publishing or discarding it ends them."""
    for table in STAGED_TABLES:
        conn.execute(delete(table).where(table.c.run_id == run_id))


def set_stage(conn: Connection, run_id: int, stage: str) -> None:
    conn.execute(update(SYNC_RUNS).where(SYNC_RUNS.c.id == run_id).values(stage=stage))


def discard(conn: Connection, run_id: int, why: str) -> None:
    """Drop a run's staged rows for good, saying why in its notes."""
    drop(conn, run_id)
    notes = func.coalesce(SYNC_RUNS.c.notes + "; ", "") + why
    conn.execute(update(SYNC_RUNS).where(SYNC_RUNS.c.id == run_id).values(stage=Stage.DISCARDED, notes=notes))
