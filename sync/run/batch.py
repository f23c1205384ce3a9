"""Staging one mapped batch inside one transaction: its rows, quarantine, position and counts.

Nothing here touches what dashboards read: the run publishes its staged whole once its guards
pass (`sync.run.publish`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Connection

from connectors.base import Rejected
from mapping.outcomes import Mapped, NotPracticeEvidence, Quarantined, Record, RecordOutcome
from mapping.timeliness import TimelinessRules
from store.write import staging, writer
from store.write.runs import Counts, record_counts
from store.write.staging import StagedQuarantineItem, StreamState
from sync.run.recompute import StatusRules


@dataclass
class RunContext:
    """What every batch of one run shares."""

    authority: str
    run_id: int
    full_read: bool
    """A full or per-case read: records met are staged whole, so vanished ones can be found after."""
    now: datetime
    today: date
    elements: Sequence[str]
    rules: TimelinessRules
    counts: Counts = field(default_factory=Counts)
    """Totals of committed batches only: the runner adds a batch's counts once it has committed."""
    streams: dict[str, StreamState] = field(default_factory=dict)
    """Each stream's staged state as committed: position, configuration, counts, what went unread."""
    next_seq: int = 1
    """The number the next staged row takes."""
    open_quarantine: dict[str, bool] = field(default_factory=dict)
    """Per stream, whether quarantine holds open rows a mapped record could resolve: asked of the
    store once per run, so runs with nothing waiting stage nothing for it."""
    notes: list[str] = field(default_factory=list)
    """What a person should know of the run that is not an error."""
    stage_open: bool = False
    """The run's staging area holds its read, not yet published or refused."""

    @property
    def status_rules(self) -> StatusRules:
        return StatusRules(self.elements, self.rules, self.today)


@dataclass(frozen=True)
class BatchRead:
    """One batch as a connector gave it and mapping made of it."""

    stream: str
    outcomes: Sequence[RecordOutcome]
    rejected: Sequence[Rejected]
    position: dict[str, object] | None
    superseded: int = 0
    incomplete: Sequence[str] = ()
    ahead: int = 0


def stage_batch(conn: Connection, ctx: RunContext, batch: BatchRead, config_hash: str) -> Counts:
    """Stage one batch; the caller's transaction makes it all-or-nothing with the stream's position.

    Returns the batch's counts; the run's totals stored with it include them, `ctx.counts` does not
    until the caller has committed.
    """
    writer.commit_without_waiting_for_disk(conn)  # a batch lost with the server is read again
    stream = batch.stream
    counts = Counts(
        read=len(batch.outcomes) + len(batch.rejected) + batch.superseded,
        superseded=batch.superseded,
        ahead=batch.ahead,
    )
    records: list[tuple[Record, str]] = []
    quarantined = [
        StagedQuarantineItem(stream, r.reason, r.raw_hash or "", r.source_id) for r in batch.rejected
    ]
    for outcome in batch.outcomes:
        if isinstance(outcome, NotPracticeEvidence):
            counts.not_evidence += 1
        elif not isinstance(outcome, Mapped):
            quarantined.append(
                StagedQuarantineItem(stream, outcome.reason, outcome.raw_hash, outcome.source_id)
            )
        else:
            records.append((outcome.record, outcome.content_hash))
    counts.quarantined = len(quarantined)

    staging.stage_records(conn, stream, ctx.run_id, ctx.next_seq, records)
    staging.stage_quarantine(conn, ctx.run_id, quarantined)
    if quarantined:
        ctx.open_quarantine[stream] = True
    if ctx.open_quarantine.get(stream):
        mapped = [o.source_id for o in batch.outcomes if isinstance(o, Mapped)]
        staging.stage_mapped(conn, ctx.run_id, stream, mapped)

    before = ctx.streams.get(stream) or StreamState(None, config_hash, 0, 0, 0, 0, False, None)
    state = replace(
        before,
        config_hash=config_hash,
        read=before.read + counts.read,
        quarantined=before.quarantined + counts.quarantined,
        not_evidence=before.not_evidence + counts.not_evidence,
        superseded=before.superseded + counts.superseded,
    )
    if batch.position is not None:
        state.position = dict(batch.position)
    if batch.incomplete:
        state.incomplete = "; ".join(filter(None, [before.incomplete, *batch.incomplete]))
    if ctx.full_read:
        # A record still in the source that no longer maps is not gone: its stored version stays.
        # One the source could not even name (an unreadable file) leaves the stream's deletions unknown.
        kept = [r.source_id for r in batch.rejected if r.source_id is not None]
        kept += [key for o in batch.outcomes if isinstance(o, Quarantined) for key in o.stored_ids]
        staging.stage_kept(conn, ctx.run_id, stream, kept)
        if batch.rejected or any(q.source_id is None for q in quarantined):
            state.unreadable = True
    staging.save_stream(conn, ctx.run_id, stream, state)
    ctx.next_seq += len(records)
    ctx.streams[stream] = state
    total = replace(ctx.counts)
    total.add(counts)
    record_counts(conn, ctx.run_id, total)
    return counts
