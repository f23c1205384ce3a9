"""The end of a run: judge its staged whole, then publish it in one transaction, or refuse it.

Publishing merges the staged rows into the live ones, marks what a complete full read did not
meet as deleted, writes quarantine, moves the positions, settles the statuses of the cases it
touched and records the outcome, all in one transaction: dashboards see the run whole or not at
all. A refused run changes nothing they read; its staged rows wait for `accept` or `discard`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from config.authority import Guards
from store.write import lookups, publish, publish_state, staging, writer
from store.write.lease import StoreLease
from store.write.publish import Measures
from store.write.runs import Counts, audit, stage_of_run
from store.write.staging import Stage, StreamState
from sync.run.batch import RunContext
from sync.run.errors import NoSuchCase, NotRefused, RunRefused
from sync.run.guards import StreamRead, Trip, judge
from sync.run.recompute import settle_within


@dataclass(frozen=True)
class Scope:
    """What the publish step needs of the request besides the staged rows."""

    full_read: bool
    """A full or one-case read: what it did not meet is marked deleted, if the read was complete."""
    case_ref: str | None
    """The one case a case read covers (as the store holds it); None: the whole authority."""
    allow_deletions: bool
    accept: bool
    """An admin's `accept`: publish past the guards."""
    guards: Guards
    deletion_guard: float
    latest_by: Mapping[str, str]
    """Per stream the authority maps, the date its rule keeps the latest by."""

    @property
    def streams(self) -> list[str]:
        """The streams the authority maps, in the order they are published: cases first."""
        return [name for name in publish.STAGED if name in self.latest_by]


class AuthorityUnknown(RunRefused):
    """The store has no row for the run's authority (retired while the run read): nothing is
    published, and the staged read waits, as a stopped run's does."""


class Refused(Exception):
    """The staged run tripped its guards; the message says each, and nothing was published."""

    def __init__(self, trips: list[Trip], counts: Counts) -> None:
        super().__init__("; ".join(t.message for t in trips))
        self.trips = trips
        self.counts = counts


def shortfalls(streams: Mapping[str, StreamState], full_read: bool) -> list[str]:
    """What the source holds that the read could not deliver (a drop still being written, a file that
    cannot be read): the rest is published, the run ends partial naming them, and nothing is
    marked deleted, since what vanished cannot be told from what went unread."""
    found = [s.incomplete for s in streams.values() if s.incomplete]
    unreadable = sorted(name for name, s in streams.items() if s.unreadable)
    if full_read and unreadable and not found:
        found.append(f"stream(s) {', '.join(unreadable)} had records that could not be read (see quarantine)")
    return found


def _nothing_read(streams: Mapping[str, StreamState], measures: Measures, scope: Scope) -> list[Trip]:
    empty = sorted(name for name, s in streams.items() if s.read == 0 and measures.stream(name).live)
    if not (scope.full_read and scope.case_ref is None and empty):
        return []
    live = sum(measures.stream(name).live for name in empty)
    return [
        Trip(
            "nothing read",
            f"stream(s) {', '.join(empty)} returned no records; {live:,} stored records were kept",
        )
    ]


def measure(conn: Connection, ctx: RunContext, scope: Scope) -> tuple[Measures, list[Trip], list[str]]:
    """What publishing would do, the guards it trips, and what the read fell short of."""
    streams = ctx.streams
    if conn.dialect.name == "postgresql" and ctx.next_seq > 10_000:
        publish.analyse_staged(conn)
    measures = Measures()
    for stream in scope.streams:
        m = publish.keep_one_per_key(
            conn, ctx.run_id, stream, scope.latest_by.get(stream, "source_updated_at")
        )
        publish.classify(conn, ctx.authority, ctx.run_id, stream, m)
        measures.streams[stream] = m
    short = shortfalls(streams, scope.full_read)
    deletions_known = scope.full_read and not short and set(streams) >= set(scope.streams)
    if scope.full_read:
        for stream in scope.streams:
            m = measures.stream(stream)
            publish.count_deletions(conn, ctx.authority, ctx.run_id, stream, scope.case_ref, m)
            if not deletions_known:
                m.vanished = 0
    nothing_anywhere = not any(s.read for s in streams.values()) and not any(
        m.live for m in measures.streams.values()
    )
    if scope.case_ref is not None and nothing_anywhere:
        if lookups.count_live(conn, publish.LIVE["cases"], ctx.authority, scope.case_ref, deleted=True):
            raise NoSuchCase(
                "the store holds that case as deleted (an earlier resync found it gone from the "
                "source) and the source still does not have it; nothing changed. If the case should "
                "be open, check it in the case management system, then resync it again"
            )
        raise NoSuchCase("neither the source nor the store has that case; check the reference")
    reads = {
        name: StreamRead(s.read, s.quarantined, s.not_evidence, s.superseded) for name, s in streams.items()
    }
    trips = _nothing_read(streams, measures, scope)
    trips += judge(
        measures,
        reads,
        scope.guards,
        deletion_guard=scope.deletion_guard,
        allow_deletions=scope.allow_deletions,
    )
    return measures, trips, short


def counts_of(ctx: RunContext, measures: Measures) -> Counts:
    """The run's counts once its staged whole is measured: what publishing changes, adding up."""
    counts = Counts(**vars(ctx.counts))
    counts.inserted = sum(m.inserted for m in measures.streams.values())
    counts.updated = sum(m.updated for m in measures.streams.values())
    counts.written = counts.inserted + counts.updated
    counts.unchanged = sum(m.unchanged for m in measures.streams.values())
    counts.orphaned = sum(m.orphaned for m in measures.streams.values())
    counts.duplicates = sum(m.rows - m.keys for m in measures.streams.values())
    counts.deleted = sum(m.vanished for m in measures.streams.values())
    counts.staged = 0
    return counts


def publish_run(
    engine: Engine,
    lease: StoreLease,
    ctx: RunContext,
    scope: Scope,
    finish: Callable[[Connection, Counts, str | None], None],
) -> str | None:
    """Judge the run's staged whole and publish it in one transaction; raise `Refused`, with nothing
    changed, when a guard trips and no admin accepted it. `finish` records the outcome in it.

    Returns what the read fell short of, if anything: the run then ends partial, published.
    """
    with engine.begin() as conn:
        lease.confirm(conn)
        if not writer.hold_authority(conn, ctx.authority):
            raise AuthorityUnknown(
                f"the store has no authority {ctx.authority} (retired while the run read?); "
                "nothing was published"
            )
        measures, trips, short = measure(conn, ctx, scope)
        deletions_known = scope.full_read and not short
        counts = counts_of(ctx, measures)
        if trips and not scope.accept:
            conn.rollback()
            raise Refused(trips, counts)
        deleting = [s for s in scope.streams if deletions_known and measures.stream(s).vanished]
        publish.note_touched(conn, ctx.authority, ctx.run_id, deleting, scope.case_ref)
        for stream in scope.streams:
            publish.merge_records(conn, ctx.authority, ctx.run_id, stream, ctx.now)
            # New rows naming a case the store does not hold are counted as orphaned, not inserted.
            added = measures.stream(stream).inserted + measures.stream(stream).orphaned
            writer.gather_statistics_after_growth(conn, publish.LIVE[stream], added)
        for stream in deleting:
            publish.mark_deleted(conn, ctx.authority, ctx.run_id, stream, ctx.today, scope.case_ref)
        whole = [s for s in ctx.streams if deletions_known and scope.case_ref is None]
        publish_state.merge_quarantine(conn, ctx.authority, ctx.run_id, ctx.now, whole)
        publish_state.publish_positions(conn, ctx.authority, ctx.run_id, ctx.now)
        settle_within(conn, ctx.authority, ctx.status_rules, ctx.run_id)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL synchronous_commit = on")  # the run's record is durable
        for earlier in staging.waiting_runs(conn, ctx.authority, ctx.run_id):
            staging.discard(conn, earlier, f"superseded: run {ctx.run_id} published")
        staging.drop(conn, ctx.run_id)
        staging.set_stage(conn, ctx.run_id, Stage.PUBLISHED)
        shortfall = (
            ("; ".join(short) + (" (nothing marked deleted)" if scope.full_read else "")) if short else None
        )
        finish(conn, counts, shortfall)
    ctx.stage_open = False
    return shortfall


def refuse_run(engine: Engine, lease: StoreLease, ctx: RunContext) -> None:
    """Keep the refused run's staged rows for `accept` or `discard`; an earlier refused run's rows
    are dropped, as this later read supersedes them."""
    with engine.begin() as conn:
        lease.confirm(conn)
        for earlier in staging.waiting_runs(conn, ctx.authority, ctx.run_id):
            staging.discard(conn, earlier, f"superseded: run {ctx.run_id} read the source again")
        staging.set_stage(conn, ctx.run_id, Stage.REFUSED)


@dataclass(frozen=True)
class Decision:
    """Who decided what of a refused read, why, and when: kept in the audit log."""

    by: str
    reason: str
    at: datetime


def discard_run(engine: Engine, lease: StoreLease, authority: str, run_id: int, decision: Decision) -> None:
    """Drop a refused (or waiting) run's staged read, recorded with who and why; dashboards never saw it."""
    with engine.begin() as conn:
        lease.confirm(conn)
        stage, _, _ = stage_of_run(conn, run_id, authority)
        if stage not in (Stage.REFUSED, Stage.OPEN):
            raise NotRefused(f"run {run_id} of {authority} has no staged read waiting (see `sofs-sync runs`)")
        staging.discard(conn, run_id, f"discarded by {decision.by}")
        audit(
            conn,
            at=decision.at,
            actor=decision.by,
            action="discard",
            authority=authority,
            scope=f"run {run_id}",
            reason=decision.reason,
            run_id=run_id,
        )
