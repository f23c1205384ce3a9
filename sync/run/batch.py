"""Writing one mapped batch inside one transaction: records, quarantine, touched cases, position, counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, select

from connectors.base import Rejected
from mapping.outcomes import Mapped, NotPracticeEvidence, Quarantined, RecordOutcome
from mapping.schema import Case, Evidence
from mapping.timeliness import TimelinessRules
from store.schema import tables
from store.write import lookups, statuses, writer
from store.write.runs import Counts, record_counts
from store.write.versions import is_older
from sync.run.recompute import StatusRules

R = TypeVar("R", Case, Evidence)


@dataclass(frozen=True)
class RunContext:
    """What every batch of one run shares."""

    authority: str
    run_id: int
    full_read: bool
    """A full or per-case read: records met are marked seen so vanished ones can be found after."""
    now: datetime
    today: date
    elements: Sequence[str]
    rules: TimelinessRules
    counts: Counts = field(default_factory=Counts)
    """Totals of committed batches only: the runner adds a batch's counts once it has committed."""
    unread_streams: set[str] = field(default_factory=set)
    """Streams where a full read met records it could not identify, so vanished ones cannot be told."""
    live_cases: set[str] = field(default_factory=set)
    """Cases the store was found to hold during this run. One found stays held until the run ends:
    cases are read before evidence, and vanished records are marked deleted only after reading."""
    touched_cases: set[str] = field(default_factory=set)
    """Cases this run's batches noted as touched. A batch notes only those not noted yet: an earlier
    batch's note is committed (a batch that fails ends the run), and statuses settle after reading."""
    open_quarantine: dict[str, bool] = field(default_factory=dict)
    """Per stream, whether quarantine may hold open rows a mapped record would resolve: asked of
    the store once per run, and set again whenever a batch quarantines something."""

    @property
    def status_rules(self) -> StatusRules:
        return StatusRules(self.elements, self.rules, self.today)


RUN_MEMO_CASES = 20_000
"""At most this many case references in each per-run memo. The memos only save asking the store
again, so past this they start afresh: a run over a large caseload then repeats some lookups but
holds no more memory than one over a small one."""


def _live_cases(conn: Connection, ctx: RunContext, case_refs: set[str]) -> set[str]:
    """This run's memo of live cases, holding at least those among `case_refs` the store has."""
    if len(ctx.live_cases) > RUN_MEMO_CASES:
        ctx.live_cases.clear()
    unknown = case_refs - ctx.live_cases
    if unknown:
        ctx.live_cases.update(lookups.live_case_refs(conn, ctx.authority, unknown))
    return ctx.live_cases


def _note_touched(conn: Connection, ctx: RunContext, touched: set[str]) -> None:
    if len(ctx.touched_cases) > RUN_MEMO_CASES:
        ctx.touched_cases.clear()
    statuses.touch_cases(conn, ctx.authority, touched - ctx.touched_cases)
    ctx.touched_cases.update(touched)


def _key(record: Case | Evidence) -> str:
    return record.case_ref if isinstance(record, Case) else record.source_id


def _newest_per_key(records: list[tuple[R, str]]) -> dict[str, tuple[R, str]]:
    """Within a batch the newest version of a record wins; on equal versions, the later row."""
    chosen: dict[str, tuple[R, str]] = {}
    for record, content_hash in records:
        key = _key(record)
        held = chosen.get(key)
        if held is None or not is_older(record.source_updated_at, held[0].source_updated_at):
            chosen[key] = (record, content_hash)
    return chosen


def _split(
    conn: Connection, table: Table, authority: str, records: list[tuple[R, str]]
) -> tuple[list[tuple[R, str]], list[str], set[str]]:
    """Records to write, keys met but unchanged (or older than stored), case refs whose status may move."""
    newest = _newest_per_key(records)
    stored = lookups.stored_versions(conn, table, authority, newest)
    to_write: list[tuple[R, str]] = []
    unchanged: list[str] = []
    touched: set[str] = set()
    for key, (record, content_hash) in newest.items():
        version = stored.get(key)
        if (
            version is None
            or version.deleted
            or (version.content_hash != content_hash and not version.is_newer_than(record.source_updated_at))
        ):
            to_write.append((record, content_hash))
            touched.add(record.case_ref)
            if version is not None:
                touched.add(version.case_ref)
        else:
            unchanged.append(key)
    return to_write, unchanged, touched


def _holds_open_quarantine(conn: Connection, authority: str, stream: str) -> bool:
    """Whether any open quarantine row of the stream names a source record a mapping could resolve."""
    q = tables.QUARANTINE.c
    query = select(q.source_id).where(
        q.authority == authority, q.stream == stream, q.resolved_at.is_(None), q.source_id.is_not(None)
    )
    return conn.execute(query.limit(1)).first() is not None


def write_batch(
    conn: Connection,
    ctx: RunContext,
    stream: str,
    outcomes: Sequence[RecordOutcome],
    rejected: Sequence[Rejected],
    position: dict[str, Any] | None,
    superseded: int = 0,
) -> Counts:
    """Apply one batch; the caller's transaction makes it all-or-nothing with the position.

    Returns the batch's counts; the run's totals stored with it include them, `ctx.counts` does not
    until the caller has committed.
    """
    writer.commit_without_waiting_for_disk(conn)
    counts = Counts(read=len(outcomes) + len(rejected) + superseded, superseded=superseded)
    cases: list[tuple[Case, str]] = []
    evidence: list[tuple[Evidence, str]] = []
    quarantined: list[writer.QuarantineItem] = [
        writer.QuarantineItem(stream, r.reason, r.raw_hash or "", r.source_id) for r in rejected
    ]
    mapped_ids = [o.source_id for o in outcomes if isinstance(o, Mapped)]
    for outcome in outcomes:
        if isinstance(outcome, NotPracticeEvidence):
            counts.not_evidence += 1
        elif not isinstance(outcome, Mapped):
            quarantined.append(
                writer.QuarantineItem(stream, outcome.reason, outcome.raw_hash, outcome.source_id)
            )
        elif isinstance(outcome.record, Case):
            cases.append((outcome.record, outcome.content_hash))
        else:
            evidence.append((outcome.record, outcome.content_hash))

    case_writes, case_unchanged, touched = _split(conn, tables.CASES, ctx.authority, cases)
    writer.write_cases(conn, case_writes, ctx.run_id, ctx.now)
    evidence_writes, evidence_unchanged, moved = _split(conn, tables.EVIDENCE, ctx.authority, evidence)
    writer.write_evidence(conn, evidence_writes, ctx.run_id, ctx.now)
    touched |= moved
    if ctx.full_read:
        writer.mark_seen(conn, tables.CASES, ctx.authority, case_unchanged, ctx.run_id)
        writer.mark_seen(conn, tables.EVIDENCE, ctx.authority, evidence_unchanged, ctx.run_id)
        # A record still in the source that no longer maps is not gone: its stored version stays.
        # One the source could not even name (an unreadable file) leaves the stream's deletions unknown.
        still_there = [r.source_id for r in rejected if r.source_id is not None]
        still_there += [key for o in outcomes if isinstance(o, Quarantined) for key in o.stored_ids]
        writer.mark_seen(conn, tables.STREAM_TABLES[stream], ctx.authority, still_there, ctx.run_id)
        if rejected or any(q.source_id is None for q in quarantined):
            ctx.unread_streams.add(stream)
    # Cases are read before evidence, so a case missing now is missing at the end of the run too.
    present = _live_cases(conn, ctx, {e.case_ref for e, _ in evidence})
    orphans = {e.source_id for e, _ in evidence if e.case_ref not in present}
    counts.orphaned = sum(1 for e, _ in evidence if e.source_id in orphans)
    counts.written = len(case_writes) + sum(1 for e, _ in evidence_writes if e.source_id not in orphans)
    counts.unchanged = len(cases) + len(evidence) - counts.written - counts.orphaned

    counts.quarantined = len(quarantined)
    writer.write_quarantine(conn, ctx.authority, ctx.run_id, quarantined, ctx.now)
    if quarantined:
        ctx.open_quarantine[stream] = True
    elif stream not in ctx.open_quarantine:
        ctx.open_quarantine[stream] = _holds_open_quarantine(conn, ctx.authority, stream)
    if ctx.open_quarantine[stream]:
        writer.resolve_quarantine(conn, ctx.authority, stream, mapped_ids, ctx.now)
    # Statuses are settled once per run, not per batch: a case's evidence spans many batches.
    _note_touched(conn, ctx, touched)
    if position is not None:
        writer.save_position(conn, ctx.authority, stream, position, ctx.run_id, ctx.now)
    total = replace(ctx.counts)
    total.add(counts)
    record_counts(conn, ctx.run_id, total)
    return counts
