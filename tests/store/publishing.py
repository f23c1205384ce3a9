"""Live rows in a store test come the one way a run brings them: staged, then published.

`publish` takes the engine's steps (`sync.run.publish.publish_run`) in the engine's order, without
the guards, the lease and the statuses, which have tests of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, select

from mapping.outcomes import Record as SchemaRecord
from mapping.outcomes import content_hash
from mapping.schema import Audit, Case, CaseEpisode, Evidence
from store.write import publish as publishing
from store.write import publish_state, staging
from store.write.publish import Measures
from store.write.staging import StagedQuarantineItem, StreamState
from tests.store.conftest import AUTHORITY, NOW, a_run

Record = SchemaRecord | tuple[SchemaRecord, str]
"""A record to stage, with its content hash, or hashed by its content when given alone."""


def stage(
    store: Engine,
    run_id: int,
    records: Iterable[Record] = (),
    *,
    quarantine: Sequence[StagedQuarantineItem] = (),
    kept: Mapping[str, Iterable[str]] | None = None,
    mapped: Mapping[str, Iterable[str]] | None = None,
    positions: Mapping[str, dict[str, Any] | None] | None = None,
    config_hash: str | None = None,
) -> None:
    """Stage one batch of the run in one transaction, as a run's batch is staged."""
    by_stream: dict[str, list[tuple[SchemaRecord, str]]] = {}
    for record in records:
        found, hashed = record if isinstance(record, tuple) else (record, content_hash(record))
        by_stream.setdefault(STREAM_OF[type(found)], []).append((found, hashed))
    named = set(by_stream)
    named |= {item.stream for item in quarantine} | set(positions or {})
    with store.begin() as conn:
        before = staging.load_streams(conn, run_id)
        first = staging.next_seq(conn, run_id)
        for stream, rows in by_stream.items():
            staging.stage_records(conn, stream, run_id, first, rows)
            first += len(rows)
        staging.stage_quarantine(conn, run_id, quarantine)
        for stream, keys in (kept or {}).items():
            staging.stage_kept(conn, run_id, stream, keys)
        for stream, source_ids in (mapped or {}).items():
            staging.stage_mapped(conn, run_id, stream, source_ids)
        for stream in sorted(named):
            # As a run's batch does: a batch without a position leaves the stream where it stood.
            held = before[stream].position if stream in before else None
            position = (positions or {}).get(stream, held)
            state = StreamState(position, config_hash, 0, 0, 0, 0, False, None)
            staging.save_stream(conn, run_id, stream, state)


STREAM_OF: dict[type, str] = {Case: "cases", Evidence: "evidence", Audit: "audits", CaseEpisode: "episodes"}


def publish(
    store: Engine,
    run_id: int,
    *,
    full_read: bool = False,
    case_ref: str | None = None,
    latest_by: Mapping[str, str] | None = None,
    now: datetime = NOW,
) -> Measures:
    """Measure the run's staged whole and publish it in one transaction; what was measured is returned."""
    with store.begin() as conn:
        measures = Measures()
        for stream in publishing.STAGED:
            rule = (latest_by or {}).get(stream, "source_updated_at")
            measure = publishing.keep_one_per_key(conn, run_id, stream, rule)
            publishing.classify(conn, AUTHORITY, run_id, stream, measure)
            if full_read:
                publishing.count_deletions(conn, AUTHORITY, run_id, stream, case_ref, measure)
            measures.streams[stream] = measure
        deleting = [s for s in publishing.STAGED if measures.stream(s).vanished]
        publishing.note_touched(conn, AUTHORITY, run_id, deleting, case_ref)
        for stream in publishing.STAGED:
            publishing.merge_records(conn, AUTHORITY, run_id, stream, now)
        for stream in deleting:
            publishing.mark_deleted(conn, AUTHORITY, run_id, stream, now.date(), case_ref)
        streams = staging.load_streams(conn, run_id)
        whole = sorted(streams) if full_read and case_ref is None else []
        publish_state.merge_quarantine(conn, AUTHORITY, run_id, now, whole)
        publish_state.publish_positions(conn, AUTHORITY, run_id, now)
        staging.drop(conn, run_id)
        staging.set_stage(conn, run_id, staging.Stage.PUBLISHED)
    return measures


def a_published_run(
    store: Engine,
    records: Iterable[Record] = (),
    *,
    full_read: bool = False,
    case_ref: str | None = None,
    now: datetime = NOW,
    **staged: Any,
) -> int:
    """A run that stages `records` (and whatever else `stage` takes) in one batch and publishes them."""
    mode = "case" if case_ref is not None else "full" if full_read else "incremental"
    run_id = a_run(store, mode=mode, scope_case_ref=case_ref)
    stage(store, run_id, records, **staged)
    publish(store, run_id, full_read=full_read, case_ref=case_ref, now=now)
    return run_id


def rows_of(store: Engine, table: Table, *columns: str) -> dict[str, tuple[Any, ...]]:
    """The table's rows by their key (case_ref or source_id), with the named columns."""
    key = "source_id" if "source_id" in table.c else "case_ref"
    with store.connect() as conn:
        query = select(table.c[key], *(table.c[c] for c in columns)).order_by(table.c[key])
        return {row[0]: tuple(row[1:]) for row in conn.execute(query)}
