"""The last step of a full or one-case resync: what the source no longer has is marked deleted.

Only after a complete read, and never past the authority's deletion guard unless told to: a
misread source (a page key, a filter, a query) must not empty what dashboards show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import structlog
from sqlalchemy import Connection, Engine

from store import lookups, statuses, tables, writer
from store.lease import StoreLease
from store.runs import record_counts
from sync.run.batch import RunContext
from sync.run.errors import DeletionGuarded, NoSuchCase, NothingRead, UnreadRecords

log = structlog.get_logger("sofs_sync.runner")


@dataclass(frozen=True)
class Resync:
    """What the deletion step needs of the request: one case or all, and whether past the guard."""

    case_ref: str | None
    """The case as the store holds it (its pseudonym where the authority uses them); None: all."""
    guard: float
    allow_deletions: bool


def mark_vanished(
    engine: Engine, ctx: RunContext, resync: Resync, read_per_stream: dict[str, int], lease: StoreLease
) -> None:
    """After a complete full read, what the source no longer has is marked deleted, with the date."""
    if ctx.unread_streams:
        raise UnreadRecords(
            f"stream(s) {', '.join(sorted(ctx.unread_streams))} had records that could not be read "
            "(see quarantine); stored records were kept, not marked deleted"
        )
    case_ref = resync.case_ref
    with engine.begin() as conn:
        lease.confirm(conn)
        empty = [s for s, n in read_per_stream.items() if n == 0]
        live = lookups.count_live(conn, tables.CASES, ctx.authority, case_ref) + lookups.count_live(
            conn, tables.EVIDENCE, ctx.authority, case_ref
        )
        if case_ref is not None and not live and len(empty) == len(read_per_stream):
            if lookups.count_live(conn, tables.CASES, ctx.authority, case_ref, deleted=True):
                raise NoSuchCase(
                    "the store holds that case as deleted (an earlier resync found it gone from the "
                    "source) and the source still does not have it; nothing changed. If the case should "
                    "be open, check it in the case management system, then resync it again"
                )
            raise NoSuchCase("neither the source nor the store has that case; check the reference")
        if empty and live and case_ref is None:
            raise NothingRead(
                f"stream(s) {', '.join(empty)} returned no records; {live} stored records were kept, "
                "not marked deleted"
            )
        _guard_deletions(conn, ctx, resync)
        if case_ref is None:
            for stream in read_per_stream:
                writer.resolve_unseen_quarantine(conn, ctx.authority, stream, ctx.run_id, ctx.now)
        touched: set[str] = set()
        deleted = 0
        for table in (tables.CASES, tables.EVIDENCE):
            refs = writer.mark_vanished(conn, table, ctx.authority, ctx.run_id, ctx.today, case_ref)
            deleted += len(refs)
            touched.update(refs)
        statuses.touch_cases(conn, ctx.authority, touched)
        record_counts(conn, ctx.run_id, replace(ctx.counts, deleted=ctx.counts.deleted + deleted))
    ctx.counts.deleted += deleted


def _guard_deletions(conn: Connection, ctx: RunContext, resync: Resync) -> None:
    """A resync that would delete a large share of what dashboards show stops unless told otherwise."""
    vanished = sum(
        writer.count_vanished(conn, table, ctx.authority, ctx.run_id, resync.case_ref)
        for table in (tables.CASES, tables.EVIDENCE)
    )
    live = sum(lookups.count_live(conn, table, ctx.authority) for table in (tables.CASES, tables.EVIDENCE))
    if vanished <= resync.guard * live:
        return
    if resync.allow_deletions:
        log.warning(
            "deletions past the guard allowed", run_id=ctx.run_id, authority=ctx.authority, count=vanished
        )
        return
    share = f"{vanished:,} of the authority's {live:,} live records ({vanished / live:.0%})"
    raise DeletionGuarded(
        f"this resync would mark {share} deleted, more than its deletion guard of {resync.guard:.0%}; "
        "nothing was marked deleted. Check the connector settings first (a page key, a filter, "
        "a query); if the source really no longer has them, resync again with --allow-deletions"
    )
