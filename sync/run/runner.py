"""The sync runner: read, map and write one authority, batch by batch, under the store's lease.

At-least-once reading and idempotent writing: each batch's records, quarantine rows, statuses and
stream position commit together, so a crash at any point leaves a position that is never ahead of
its data, and the next run converges to the state an uninterrupted run would have reached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Engine, update
from sqlalchemy.exc import DBAPIError, OperationalError

from config.authority import Authority
from config.errors import ConfigError
from config.loader import Config
from config.secrets import resolve_secret
from connectors.base import Batch, CaseFilterUnsupported, Connector
from connectors.errors import RetryBudgetExhausted
from connectors.registry import connector_type
from mapping.mapper import CompiledMapping
from store.schema.tables import STREAM_TABLES, SyncRun
from store.write import lookups, writer
from store.write.lease import LeaseHeld, LeaseLost, StoreLease, utc_now
from store.write.runs import Counts, audit, finish_run, start_run
from sync.run.batch import RunContext, write_batch
from sync.run.compile import compile_for, stored_case_ref
from sync.run.deletions import Resync, mark_vanished
from sync.run.errors import (
    EXPECTED_FAILURES,
    EndsPartial,
    IncompleteRead,
    MostlyOrphaned,
    Stopped,
    TimeLimitReached,
    not_started,
    safe_error,
)
from sync.run.recompute import StatusRules, settle

log = structlog.get_logger("sofs_sync.runner")

ENGLAND = ZoneInfo("Europe/London")
STREAM_ORDER = ("cases", "evidence")
FINISH_ATTEMPTS = 2


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    CLI = "cli"


class Mode(StrEnum):
    INCREMENTAL = "incremental"
    FULL = "full"
    CASE = "case"


class RunOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PARTIAL = "partial"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class RunRequest:
    trigger: Trigger
    requested_by: str
    mode: Mode = Mode.INCREMENTAL
    reason: str | None = None
    case_ref: str | None = None
    allow_deletions: bool = False
    """Past the authority's deletion guard: the person asking has checked the source really dropped them."""


@dataclass(frozen=True)
class RunResult:
    run_id: int | None  # None: the store could not take even the run's row
    authority: str
    outcome: RunOutcome
    counts: Counts
    error: str | None = None


def england_today() -> date:
    return datetime.now(ENGLAND).date()


def build_connector(authority: Authority) -> Connector:
    cls = connector_type(authority.file.connector.type)
    return cls(authority.connector_config, resolve_secret)


def ordered_streams(names: list[str]) -> list[str]:
    """Cases before evidence, so evidence always finds its case when both arrive in one run."""
    return sorted(names, key=lambda s: (STREAM_ORDER.index(s) if s in STREAM_ORDER else len(STREAM_ORDER), s))


class SyncRunner:
    def __init__(
        self,
        config: Config,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utc_now,
        today: Callable[[], date] = england_today,
        stop: threading.Event | None = None,
        connector_factory: Callable[[Authority], Connector] = build_connector,
        on_batch: Callable[[str, str, Counts], None] | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.today = today
        self.stop = stop or threading.Event()
        self.connector_factory = connector_factory
        self.on_batch = on_batch

    def run(self, code: str, request: RunRequest) -> RunResult:
        """One run of one authority; never raises for a failed run, it records and returns it."""
        authority = self.config.authority(code)
        try:
            run_id = self._start_run(authority, request)
        except DBAPIError as exc:
            return self._not_started(authority, request, exc)
        bound = log.bind(run_id=run_id, authority=code, mode=str(request.mode), trigger=str(request.trigger))
        ctx = RunContext(
            authority=code,
            run_id=run_id,
            full_read=request.mode is not Mode.INCREMENTAL,
            now=self.clock(),
            today=self.today(),
            elements=self.config.settings.element_keys,
            rules=authority.file.timeliness,
        )
        lease = StoreLease(self.engine, f"authority:{code}", clock=self.clock)
        try:
            lease.__enter__()
        except LeaseHeld as held:
            bound.info("run skipped: authority is being synced elsewhere", holder=held.holder.describe())
            return self._finish(run_id, code, RunOutcome.SKIPPED, ctx.counts, str(held))
        except Exception as exc:  # noqa: BLE001 - e.g. the store is unreachable; the run says so
            bound.error("run failed taking the lease", error_class=type(exc).__name__)
            return self._finish(
                run_id, code, RunOutcome.FAILED, ctx.counts, safe_error(exc, request.case_ref)
            )
        outcome, error = RunOutcome.SUCCEEDED, None
        try:
            self._close_interrupted_runs(code, run_id)
            self._record_start(authority, request, run_id)
            self._sync_and_settle(authority, request, ctx, lease)
        except RetryBudgetExhausted as exc:
            # Rate limited part way: keep what committed, resume next run. Down from the start: failed.
            outcome = RunOutcome.PARTIAL if ctx.counts.read else RunOutcome.FAILED
            error = safe_error(exc, request.case_ref)
            bound.warning(
                "run ended early: retry budget spent", outcome=str(outcome), error_class=type(exc).__name__
            )
        except EndsPartial as exc:
            outcome, error = RunOutcome.PARTIAL, safe_error(exc, request.case_ref)
            bound.warning("run ended early", error_class=type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - a run records its failure rather than raising it
            outcome, error = RunOutcome.FAILED, safe_error(exc, request.case_ref)
            expected = isinstance(exc, (*EXPECTED_FAILURES, OperationalError))
            bound.error("run failed", error_class=type(exc).__name__, exc_info=not expected)
        except BaseException:
            _release(lease, bound)  # interrupted: the run stays `running` for the next to close
            raise
        try:
            # Recorded while the lease is held: no next run can find it `running` and call it interrupted.
            result = self._finish(run_id, code, outcome, ctx.counts, error)
        finally:
            _release(lease, bound)
        bound.info("run finished", outcome=str(outcome), **vars(ctx.counts))
        return result

    def _start_run(self, authority: Authority, request: RunRequest) -> int:
        return start_run(
            self.engine,
            authority=authority.code,
            trigger=request.trigger,
            requested_by=request.requested_by,
            reason=request.reason,
            mode=request.mode,
            scope_case_ref=_scope_ref(authority, request),
            started_at=self.clock(),
        )

    def _not_started(self, authority: Authority, request: RunRequest, exc: DBAPIError) -> RunResult:
        """The store refused the run's first row: a failed run, recorded if the store takes it now."""
        error = not_started(exc)
        log.error("run not started: the store refused it", authority=authority.code, error=error)
        try:
            run_id = self._start_run(authority, request)
        except DBAPIError:
            return RunResult(None, authority.code, RunOutcome.FAILED, Counts(), error)
        return self._finish(run_id, authority.code, RunOutcome.FAILED, Counts(), error)

    def _finish(
        self, run_id: int, code: str, outcome: RunOutcome, counts: Counts, error: str | None
    ) -> RunResult:
        """Record the outcome; with the store gone, report it anyway and let the next run record it."""
        for attempt in range(FINISH_ATTEMPTS):
            try:
                finish_run(self.engine, run_id, outcome, self.clock(), counts, error)
                break
            except DBAPIError as exc:
                if attempt + 1 < FINISH_ATTEMPTS:
                    self.engine.dispose()  # drop pooled connections to a restarted server
                    continue
                outcome, error = RunOutcome.FAILED, error or safe_error(exc)
                log.error(
                    "run outcome not recorded: the store is unreachable; the next run records it",
                    run_id=run_id,
                    authority=code,
                    error_class=type(exc.orig).__name__,
                )
        return RunResult(run_id, code, outcome, counts, error)

    def _close_interrupted_runs(self, code: str, run_id: int) -> None:
        """Runs left `running` by a killed process: we hold the lease, so they are not running."""
        with self.engine.begin() as conn:
            conn.execute(
                update(SyncRun)
                .where(SyncRun.authority == code, SyncRun.outcome == "running", SyncRun.id != run_id)
                .values(
                    outcome=RunOutcome.FAILED,
                    finished_at=self.clock(),
                    error="interrupted: the process ended or lost the store before recording an outcome",
                )
            )

    def _record_start(self, authority: Authority, request: RunRequest, run_id: int) -> None:
        with self.engine.begin() as conn:
            writer.ensure_authority(conn, authority.code, authority.name, self.clock())
            if request.mode is not Mode.INCREMENTAL:
                ref = _scope_ref(authority, request)
                scope = f"case {ref}" if ref else ("one case" if request.case_ref else "all records")
                audit(
                    conn,
                    at=self.clock(),
                    actor=request.requested_by,
                    action=f"resync:{request.mode}" + (":allow-deletions" if request.allow_deletions else ""),
                    authority=authority.code,
                    scope=scope,
                    reason=request.reason,
                    run_id=run_id,
                )

    def _sync_and_settle(
        self, authority: Authority, request: RunRequest, ctx: RunContext, lease: StoreLease
    ) -> None:
        """Sync, then settle the statuses of the cases committed batches touched, once per run.

        A run that ends early still settles what it committed, so a source that keeps ending runs
        partial never leaves statuses behind; a stop or a lost lease leaves them to the next run.
        """
        try:
            self._sync(authority, request, ctx, lease)
        except (Stopped, LeaseLost):
            raise
        except Exception:
            try:
                settle(self.engine, lease, ctx.authority, ctx.status_rules, ctx.run_id)
            except Exception as exc:  # noqa: BLE001 - the run's own error is the one to report
                log.warning(
                    "statuses left for the next run", run_id=ctx.run_id, error_class=type(exc).__name__
                )
            raise
        settle(self.engine, lease, ctx.authority, ctx.status_rules, ctx.run_id)

    def _sync(self, authority: Authority, request: RunRequest, ctx: RunContext, lease: StoreLease) -> None:
        compiled = compile_for(authority, self.config.settings.element_keys, ctx.today)
        with self.connector_factory(authority) as connector:
            streams = ordered_streams([s for s in connector.streams() if s in compiled.streams])
            if request.mode is Mode.CASE:
                unfiltered = [s for s in streams if not connector.supports_case_filter(s)]
                if unfiltered:
                    raise CaseFilterUnsupported(
                        f"the {authority.file.connector.type} connector cannot read one case from stream(s) "
                        f"{', '.join(unfiltered)}; configure a case filter for them, "
                        "or resync the whole authority"
                    )
            read_per_stream: dict[str, int] = {}
            incomplete: list[str] = []
            limit = self.config.run_time_limit(authority.code)
            ends_by = self.clock() + limit
            for stream in streams:
                before = ctx.counts.read
                orphans_before = ctx.counts.orphaned
                first_batch = True
                for batch, position in self._batches(connector, compiled, stream, request):
                    lease.check()
                    incomplete += batch.incomplete
                    outcomes = compiled.map_batch(stream, batch.records)
                    rejected = [r.told(compiled.stream(stream).identifiers) for r in batch.rejected]
                    with self.engine.begin() as conn:
                        lease.confirm(conn)
                        counts = write_batch(
                            conn, ctx, stream, outcomes, rejected, position, batch.superseded
                        )
                    ctx.counts.add(counts)
                    if first_batch and stream in STREAM_TABLES:
                        with self.engine.begin() as conn:
                            writer.gather_first_statistics(conn, STREAM_TABLES[stream])
                    first_batch = False
                    if self.on_batch is not None:
                        self.on_batch(authority.code, stream, ctx.counts)
                    log.debug(
                        "batch committed",
                        run_id=ctx.run_id,
                        authority=ctx.authority,
                        stream=stream,
                        records=len(batch.records),
                    )
                    if self.stop.is_set():
                        raise Stopped("stopped on request after committing a batch")
                    if self.clock() >= ends_by:
                        minutes = limit.total_seconds() / 60
                        raise TimeLimitReached(f"reached its {minutes:g}-minute limit; the next run resumes")
                read_per_stream[stream] = ctx.counts.read - before
                if stream == "evidence":
                    _refuse_mostly_orphaned(read_per_stream[stream], ctx.counts.orphaned - orphans_before)
            if incomplete:
                raise IncompleteRead(
                    "; ".join(incomplete) + " (nothing marked deleted)" * (request.mode is Mode.FULL)
                )
            if request.mode is not Mode.INCREMENTAL:
                resync = Resync(
                    stored_case_ref(authority, request.case_ref) if request.case_ref else None,
                    authority.file.deletion_guard,
                    request.allow_deletions,
                )
                mark_vanished(self.engine, ctx, resync, read_per_stream, lease)

    def _batches(
        self, connector: Connector, compiled: CompiledMapping, stream: str, request: RunRequest
    ) -> Iterator[tuple[Batch, dict[str, object] | None]]:
        if request.mode is Mode.CASE:
            assert request.case_ref is not None
            for batch in connector.read_case(stream, request.case_ref):
                yield batch, None  # a one-case read says nothing about where the stream stands
            return
        position = None
        if request.mode is Mode.INCREMENTAL:
            with self.engine.connect() as conn:
                position = lookups.load_position(conn, compiled.authority, stream)
        for batch in connector.read(stream, position):
            yield batch, batch.position

    def recompute(self, code: str) -> int:
        """Recompute every open case's statuses for today's date (overdue and review due move daily),
        and any case a crashed run touched; returns how many cases were recomputed.

        Takes the authority's lease like a sync, so it never interleaves with one; when a sync holds
        it, that sync recomputes what it touches and this raises LeaseHeld for the caller to retry.
        """
        authority = self.config.authority(code)
        how = StatusRules(self.config.settings.element_keys, authority.file.timeliness, self.today())
        with StoreLease(self.engine, f"authority:{code}", clock=self.clock) as lease:
            with self.engine.connect() as conn:
                refs = lookups.open_case_refs(conn, code)
            return settle(self.engine, lease, code, how, None, also=refs)


def _release(lease: StoreLease, bound: structlog.typing.FilteringBoundLogger) -> None:
    try:
        lease.__exit__(None, None, None)
    except Exception as exc:  # noqa: BLE001 - e.g. the store went away; the lease expires anyway
        bound.warning("lease not released", error_class=type(exc).__name__)


def _refuse_mostly_orphaned(read: int, orphaned: int) -> None:
    """Evidence is kept for cases that may arrive later, but a run where most of it names no stored
    case is a configuration problem (the streams key cases differently), not a green run."""
    if orphaned * 2 > read:
        raise MostlyOrphaned(
            f"{orphaned:,} of {read:,} evidence records name a case the store does not have; check that "
            "the cases and evidence mappings take case_ref from matching columns (see `sofs-sync check`)"
        )


def _scope_ref(authority: Authority, request: RunRequest) -> str | None:
    """The requested case as the store may hold it: the pseudonym when the authority uses them."""
    if request.case_ref is None:
        return None
    try:
        return stored_case_ref(authority, request.case_ref)
    except ConfigError:
        return None  # the key is missing: the run itself fails on it and says so
