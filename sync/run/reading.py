"""A run's read: every stream into the run's staging area, batch by batch, each with its position.

A batch's rows, quarantine, position and counts commit together, so a run that stops, runs out of
time or crashes is carried on by the next incremental run from exactly where it stood. Nothing
here touches what dashboards read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Connection, Engine

from config.authority import Authority
from connectors.base import Batch, CaseFilterUnsupported, Connector
from mapping.mapper import CompiledMapping
from store.write import lookups, staging
from store.write.lease import StoreLease
from store.write.runs import Counts, load_counts, record_counts, stage_of_run
from store.write.staging import Stage
from sync.run.batch import BatchRead, RunContext, stage_batch
from sync.run.collector import fewer_collections
from sync.run.compile import stream_config_hash
from sync.run.errors import NotRefused, Stopped, TimeLimitReached

log = structlog.get_logger("sofs_sync.runner")

STREAM_ORDER = ("cases", "evidence", "audits", "episodes")


def ordered_streams(names: list[str]) -> list[str]:
    """Cases first, so evidence, audits and episodes always find their case when both arrive in
    one run."""
    return sorted(names, key=lambda s: (STREAM_ORDER.index(s) if s in STREAM_ORDER else len(STREAM_ORDER), s))


@dataclass(frozen=True)
class ReadScope:
    """What the read needs of the request."""

    mode: str
    """`incremental`, `full` or `case`."""
    case_ref: str | None
    """The source's own reference of the one case a case read asks for."""


@dataclass(frozen=True)
class AcceptedRead:
    """The refused read an admin's `accept` publishes: its mode and the case it covered."""

    mode: str
    case_ref: str | None


@dataclass
class StagedRead:
    """Reads one authority's streams into one run's staging area under the run's lease."""

    engine: Engine
    lease: StoreLease
    ctx: RunContext
    clock: Callable[[], datetime]
    stop: threading.Event
    time_limit: timedelta | None
    """The run's bound (`max_run_minutes`), from its start across all its streams; None for a
    resync, which an admin started and can stop, and which must read whole to publish."""
    on_batch: Callable[[str, str, Counts], None] | None = None

    def __post_init__(self) -> None:
        self.ends_by = None if self.time_limit is None else self.clock() + self.time_limit

    def open(self, authority: Authority, mode: str) -> None:
        """Open the run's staging area, carrying on a stopped read of the same mode made with the
        same settings (a one-case read is never carried on)."""
        ctx = self.ctx
        with self.engine.begin() as conn:
            self.lease.confirm(conn)
            waiting = staging.open_stage(conn, authority.code, ctx.run_id, mode) if mode != "case" else None
            if waiting is not None:
                streams = staging.load_streams(conn, waiting.run_id)
                if all(s.config_hash == stream_config_hash(authority, n) for n, s in streams.items()):
                    staging.adopt(conn, waiting.run_id, ctx.run_id)
                    ctx.counts = load_counts(conn, waiting.run_id)
                    record_counts(conn, ctx.run_id, ctx.counts)
                    ctx.notes.append(f"carried on run {waiting.run_id}'s staged read")
                else:
                    staging.discard(
                        conn, waiting.run_id, f"the settings changed; run {ctx.run_id} read again"
                    )
            self._take_stage(conn)
            for stream in authority.file.mapping.streams():
                ctx.open_quarantine[stream] = lookups.holds_open_quarantine(conn, authority.code, stream)

    def take_refused(self, authority: Authority, refused_run: int) -> AcceptedRead:
        """An admin's `accept`: this run takes the latest refused run's staged rows as its own."""
        ctx = self.ctx
        with self.engine.begin() as conn:
            self.lease.confirm(conn)
            stage, mode, case_ref = stage_of_run(conn, refused_run, authority.code)
            if stage != Stage.REFUSED:
                raise NotRefused(
                    f"run {refused_run} of {authority.code} has no refused read waiting (see `sofs-sync "
                    "runs`); only an authority's latest refused run can be accepted, until a later run "
                    "publishes"
                )
            staging.adopt(conn, refused_run, ctx.run_id)
            ctx.counts = load_counts(conn, refused_run)
            record_counts(conn, ctx.run_id, ctx.counts)
            ctx.notes.append(f"publishes run {refused_run}'s refused read")
            self._take_stage(conn)
        return AcceptedRead(mode, case_ref)

    def _take_stage(self, conn: Connection) -> None:
        staging.set_stage(conn, self.ctx.run_id, Stage.OPEN)
        self.ctx.stage_open = True
        self.ctx.streams.update(staging.load_streams(conn, self.ctx.run_id))
        self.ctx.next_seq = staging.next_seq(conn, self.ctx.run_id)

    def streams(
        self, authority: Authority, connector: Connector, compiled: CompiledMapping, mode: str
    ) -> list[str]:
        streams = ordered_streams([s for s in connector.streams() if s in compiled.streams])
        if mode == "case":
            unfiltered = [s for s in streams if not connector.supports_case_filter(s)]
            if unfiltered:
                raise CaseFilterUnsupported(
                    f"the {authority.file.connector.type} connector cannot read one case from stream(s) "
                    f"{', '.join(unfiltered)}; configure a case filter for them, "
                    "or resync the whole authority"
                )
        return streams

    def read_stream(
        self,
        authority: Authority,
        connector: Connector,
        compiled: CompiledMapping,
        stream: str,
        scope: ReadScope,
    ) -> None:
        """Stage the stream batch by batch, each with its position in one transaction."""
        ctx = self.ctx
        config_hash = stream_config_hash(authority, stream)
        identifiers = compiled.stream(stream).identifiers
        staged_any = False
        ahead = 0
        try:
            with fewer_collections():
                for batch in self._batches(connector, compiled, stream, scope, config_hash):
                    self.lease.check()
                    read = BatchRead(
                        stream,
                        compiled.map_batch(stream, batch.records),
                        [r.told(identifiers) for r in batch.rejected],
                        None if scope.mode == "case" else batch.position,  # a case read moves no stream
                        batch.superseded,
                        batch.incomplete,
                        batch.ahead,
                    )
                    self._stage(read, config_hash)
                    ctx.notes.extend(batch.notes)
                    staged_any = True
                    ahead += batch.ahead
                    if self.on_batch is not None:
                        self.on_batch(authority.code, stream, ctx.counts)
                    log.debug(
                        "batch staged",
                        run_id=ctx.run_id,
                        authority=ctx.authority,
                        stream=stream,
                        records=len(batch.records),
                    )
                    if self.stop.is_set():
                        raise Stopped("stopped on request; the next run carries on from the batches staged")
                    if self.ends_by is not None and self.time_limit and self.clock() >= self.ends_by:
                        minutes = self.time_limit.total_seconds() / 60
                        raise TimeLimitReached(
                            f"reached its {minutes:g}-minute limit; the next run carries on from here"
                        )
        finally:
            if ahead:
                self._note_ahead(connector, stream, ahead)
        if not staged_any and stream not in ctx.streams:
            self._stage(BatchRead(stream, [], [], None), config_hash)  # read, and empty

    def _note_ahead(self, connector: Connector, stream: str, ahead: int) -> None:
        """Say that change times lay ahead of now: the stream's watermark was held at now for them."""
        tolerance = connector.ahead_tolerance(stream)
        beyond = f"more than {spoken(tolerance)} ahead of now" if tolerance else "ahead of now"
        said = (
            ("record had a change time", "it is") if ahead == 1 else ("records had change times", "they are")
        )
        self.ctx.notes.append(
            f"{ahead} {stream} {said[0]} {beyond}; the watermark was held at now, so {said[1]} read again "
            "until then"
        )
        log.warning(
            "change times ahead of now; the watermark was held at now",
            authority=self.ctx.authority,
            stream=stream,
            records=ahead,
        )

    def _stage(self, read: BatchRead, config_hash: str) -> None:
        with self.engine.begin() as conn:
            self.lease.confirm(conn)
            counts = stage_batch(conn, self.ctx, read, config_hash)
        self.ctx.counts.add(counts)

    def _batches(
        self, connector: Connector, compiled: CompiledMapping, stream: str, scope: ReadScope, config_hash: str
    ) -> Iterator[Batch]:
        if scope.mode == "case":
            assert scope.case_ref is not None
            yield from connector.read_case(stream, scope.case_ref)
            return
        position = None
        staged = self.ctx.streams.get(stream)
        if staged is not None and staged.position is not None:
            position = staged.position  # carried on from a stopped run's staged read
        elif scope.mode == "incremental":
            with self.engine.connect() as conn:
                position, made_with = lookups.load_position(conn, compiled.authority, stream)
            if position is not None and made_with is not None and made_with != config_hash:
                self.ctx.notes.append(
                    f"the {stream} stream's settings changed since its position was saved, so it was read "
                    "from the start"
                )
                log.warning(
                    "position reset: the stream's settings changed",
                    authority=compiled.authority,
                    stream=stream,
                )
                position = None
        yield from connector.read(stream, position)


def spoken(span: timedelta) -> str:
    """A tolerance as a person says it: `1 h`, `30 min`, `2 days`, `90 s`."""
    seconds = round(span.total_seconds())
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if unit == 'day' and count != 1 else ''}"
    return f"{seconds} s"
