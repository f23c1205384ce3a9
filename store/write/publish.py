"""Publishing a staged run: measure the staged whole against what dashboards read, then merge it.

`measure` tells a run's guards what publishing would do (rows per key, inserts, updates, orphans,
deletions) without changing a live row; `merge` does it, set-wise, in the caller's transaction,
which also settles statuses and records the outcome, so a run is published whole or not at all.

The change rule: a staged row is written when the store has no live row for its key, holds it
deleted, or holds other content not newer than it (`store.write.versions`, also the upsert's own
guard), so an older source version never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    update,
)

from mapping.checks import PRACTICE_RECORDS
from store.schema.staged import (
    STAGED_AUDITS,
    STAGED_CASES,
    STAGED_EPISODES,
    STAGED_EVIDENCE,
    STAGED_KEPT,
)
from store.schema.tables import (
    AUDITS,
    CASE_EPISODES,
    CASES,
    EVIDENCE,
    TOUCHED,
    UtcDateTime,
    key_column,
)
from store.write.upsert import dialect_insert
from store.write.versions import not_older
from store.write.writer import gather_first_statistics

LIVE = {"cases": CASES, "evidence": EVIDENCE, "audits": AUDITS, "episodes": CASE_EPISODES}
STAGED = {
    "cases": STAGED_CASES,
    "evidence": STAGED_EVIDENCE,
    "audits": STAGED_AUDITS,
    "episodes": STAGED_EPISODES,
}
STATUS_STREAMS = ("cases", "evidence")
"""Streams whose records move a case's element statuses: the cases a change touches are noted."""


@dataclass
class StreamMeasure:
    """One stream of a staged run against the live rows."""

    rows: int = 0
    """Staged rows, every duplicate included."""
    keys: int = 0
    """Distinct keys among them: one row each is kept."""
    conflicting: int = 0
    """Keys the read held more than once with different content: the stream's rule chose."""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    orphaned: int = 0
    """Evidence, audits or episodes naming a case neither the store nor this run holds (cases:
    always 0)."""
    vanished: int = 0
    """Live rows a complete full read did not meet: what publishing would mark deleted."""
    live: int = 0
    """Live rows of the stream (in the run's scope: one case for a one-case read) before publishing."""
    authority_live: int = 0
    """Live rows of the stream in the whole authority: what the deletion guard weighs deletions
    against, for a one-case resync too (as a share of one case, one form would be past it)."""


@dataclass
class Measures:
    streams: dict[str, StreamMeasure] = field(default_factory=dict)

    def stream(self, name: str) -> StreamMeasure:
        return self.streams.setdefault(name, StreamMeasure())


def keep_one_per_key(conn: Connection, run_id: int, stream: str, latest_by: str) -> StreamMeasure:
    """Leave one staged row per key, chosen by the stream's rule, and say how many there were.

    The rule: latest by `latest_by` (a missing value loses), then an open case over a closed one,
    then the greater content hash, so the same rows give the same choice in any order they came.
    """
    table = STAGED[stream]
    key = table.c[key_column(LIVE[stream])]
    of_run = table.c.run_id == run_id
    measure = StreamMeasure()
    rows, keys = conn.execute(select(func.count(), func.count(key.distinct())).where(of_run)).one()
    measure.rows, measure.keys = int(rows), int(keys)
    if measure.rows == measure.keys:
        return measure
    # Conflicting: rows of one key with different content and nothing to tell them apart by the
    # rule's date (a tie, or no date). Two versions of a record, the later one changed at the
    # source (read again when a run carries a stopped read on), are an update, not a conflict.
    tied = func.rank().over(partition_by=key, order_by=table.c[latest_by].desc().nulls_last())
    latest = select(key.label("key"), table.c.content_hash, tied.label("tie")).where(of_run).subquery()
    versions = (
        select(latest.c.key)
        .where(latest.c.tie == 1)
        .group_by(latest.c.key)
        .having(func.count(latest.c.content_hash.distinct()) > 1)
    )
    measure.conflicting = int(
        conn.execute(select(func.count()).select_from(versions.subquery())).scalar_one()
    )
    order: list[Any] = [table.c[latest_by].desc().nulls_last()]
    if stream == "cases":
        order.append(case((table.c.closed_on.is_(None), 1), else_=0).desc())
    order += [table.c.content_hash.desc(), table.c.seq.desc()]
    ranked = select(table.c.seq, func.row_number().over(partition_by=key, order_by=order).label("rank"))
    ranked_rows = ranked.where(of_run).subquery()
    losers = select(ranked_rows.c.seq).where(ranked_rows.c.rank > 1)
    conn.execute(table.delete().where(of_run, table.c.seq.in_(losers)))
    return measure


def _live_of(stream: str, staged: Table, authority: str) -> tuple[Table, Any]:
    """The run's staged rows joined to the authority's live rows of the same key.

    The live side is bound to the run's authority by value, so PostgreSQL's planner reads only that
    authority's rows, from the key's index, whatever the store holds of others. Joined on the staged
    column alone, an authority the statistics did not yet know was joined by a scan of every
    authority's rows at each publish statement, a cost growing with each authority the store took on.
    """
    live = LIVE[stream]
    key = key_column(live)
    joined = staged.outerjoin(
        live,
        and_(
            live.c.authority == authority,
            live.c.authority == staged.c.authority,
            live.c[key] == staged.c[key],
        ),
    )
    return live, joined


def _changed(live: Table, staged: Table) -> ColumnElement[bool]:
    """A staged row that publishing writes: new, deleted in the store, or other content not older."""
    return or_(
        live.c.authority.is_(None),
        live.c.deleted_on.is_not(None),
        and_(live.c.content_hash != staged.c.content_hash, not_older(live, staged.c)),
    )


def _case_present(authority: str, run_id: int, case_ref: Any) -> ColumnElement[bool]:
    """Evidence's case is held: live in the store, or staged by this run."""
    live = exists().where(
        CASES.c.authority == authority, CASES.c.case_ref == case_ref, CASES.c.deleted_on.is_(None)
    )
    staged = exists().where(STAGED_CASES.c.run_id == run_id, STAGED_CASES.c.case_ref == case_ref)
    return or_(live, staged)


def classify(conn: Connection, authority: str, run_id: int, stream: str, measure: StreamMeasure) -> None:
    """Count what publishing the stream's staged rows would insert, update and leave unchanged.

    Rows are grouped by what they are (new, changed, orphaned), so each row's orphan test (two
    index probes) runs once.
    """
    staged = STAGED[stream]
    live, joined = _live_of(stream, staged, authority)
    flags: list[ColumnElement[bool]] = [live.c.authority.is_(None), _changed(live, staged)]
    if stream in PRACTICE_RECORDS:
        flags.append(not_(_case_present(authority, run_id, staged.c.case_ref)))
    query = select(func.count(), *flags).select_from(joined).where(staged.c.run_id == run_id).group_by(*flags)
    total = inserted = updated = orphaned = 0
    for rows, new, changed, *orphan in conn.execute(query):
        total += rows
        if orphan and orphan[0]:
            orphaned += rows
        elif new:
            inserted += rows
        elif changed:
            updated += rows
    measure.inserted, measure.updated, measure.orphaned = inserted, updated, orphaned
    measure.unchanged = total - inserted - updated - orphaned


def _vanished(stream: str, authority: str, run_id: int, case_ref: str | None) -> ColumnElement[bool]:
    live = LIVE[stream]
    staged = STAGED[stream]
    key = key_column(live)
    conditions = [
        live.c.authority == authority,
        live.c.deleted_on.is_(None),
        ~exists().where(staged.c.run_id == run_id, staged.c[key] == live.c[key]),
        ~exists().where(
            STAGED_KEPT.c.run_id == run_id, STAGED_KEPT.c.stream == stream, STAGED_KEPT.c.key == live.c[key]
        ),
    ]
    if case_ref is not None:
        conditions.append(live.c.case_ref == case_ref)
    return and_(*conditions)


def count_deletions(
    conn: Connection, authority: str, run_id: int, stream: str, case_ref: str | None, measure: StreamMeasure
) -> None:
    """How many live rows a complete full read did not meet, and how many live rows there are."""
    live = LIVE[stream]
    measure.vanished = int(
        conn.execute(
            select(func.count()).select_from(live).where(_vanished(stream, authority, run_id, case_ref))
        ).scalar_one()
    )
    scope = [live.c.authority == authority, live.c.deleted_on.is_(None)]
    measure.authority_live = int(
        conn.execute(select(func.count()).select_from(live).where(*scope)).scalar_one()
    )
    if case_ref is not None:
        scope.append(live.c.case_ref == case_ref)
        measure.live = int(conn.execute(select(func.count()).select_from(live).where(*scope)).scalar_one())
    else:
        measure.live = measure.authority_live


def note_touched(
    conn: Connection, authority: str, run_id: int, deletions: Sequence[str], case_ref: str | None
) -> None:
    """The cases whose statuses publishing may move: a changed record's case (and, for evidence that
    moved case, the case it left), and the case of every record about to be marked deleted."""
    sources: list[Select[Any]] = []
    for stream in STATUS_STREAMS:
        staged = STAGED[stream]
        live, joined = _live_of(stream, staged, authority)
        changed = and_(staged.c.run_id == run_id, _changed(live, staged))
        sources.append(select(staged.c.case_ref).select_from(joined).where(changed))
        if stream == "evidence":
            moved = and_(changed, live.c.case_ref.is_not(None), live.c.case_ref != staged.c.case_ref)
            sources.append(select(live.c.case_ref).select_from(joined).where(moved))
    for stream in deletions:
        if stream not in STATUS_STREAMS:
            continue
        live = LIVE[stream]
        sources.append(select(live.c.case_ref).where(_vanished(stream, authority, run_id, case_ref)))
    for source in sources:
        refs = source.subquery()
        statement = dialect_insert(conn, TOUCHED).from_select(
            ["authority", "case_ref"],
            select(literal(authority), refs.c.case_ref).where(refs.c.case_ref.is_not(None)).distinct(),
        )
        conn.execute(statement.on_conflict_do_nothing(index_elements=["authority", "case_ref"]))


def merge_records(
    conn: Connection, authority: str, run_id: int, stream: str, now: datetime, reference: bool = False
) -> None:
    """Write the stream's changed staged rows into the live table, never over a newer version.

    Into a table holding no row of the authority (its first sync) every staged row is new, one per
    key, so they go in by a plain INSERT: ON CONFLICT's speculative insertion of each row was about
    a third of PostgreSQL's time merging 80,000 forms. `reference` takes the general statement,
    which `tests/store/test_first_merge.py` holds equal to it.
    """
    staged = STAGED[stream]
    live, joined = _live_of(stream, staged, authority)
    key = key_column(live)
    names = [c.name for c in staged.c if c.name not in ("run_id", "seq")]
    rows = (
        select(
            *(staged.c[n] for n in names),
            literal(now, UtcDateTime()).label("synced_at"),
            literal(run_id, Integer()).label("last_seen_run"),
            null().label("deleted_on"),
        )
        .select_from(joined)
        .where(staged.c.run_id == run_id, _changed(live, staged))
    )
    columns = [*names, "synced_at", "last_seen_run", "deleted_on"]
    statement = dialect_insert(conn, live).from_select(columns, rows)
    held = select(live.c.authority).where(live.c.authority == authority).limit(1)
    if not reference and conn.execute(held).first() is None:
        conn.execute(statement)
        return
    excluded = statement.excluded
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["authority", key],
            set_={c: excluded[c] for c in columns if c not in ("authority", key)},
            where=not_older(live, excluded),
        )
    )


def mark_deleted(
    conn: Connection, authority: str, run_id: int, stream: str, today: date, case_ref: str | None
) -> int:
    live = LIVE[stream]
    result = conn.execute(
        update(live).where(_vanished(stream, authority, run_id, case_ref)).values(deleted_on=today)
    )
    return int(result.rowcount or 0)


def analyse_staged(conn: Connection) -> None:
    """Give PostgreSQL's planner the staged tables' sizes, and a fresh store's live tables their first
    statistics, before the set-wise statements join them: the writer's decision, not the runner's."""
    if conn.dialect.name != "postgresql":
        return
    for table in (STAGED_CASES, STAGED_EVIDENCE):
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table.name)}")
    for table in LIVE.values():
        gather_first_statistics(conn, table)
