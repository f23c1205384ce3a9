"""The sync runner: one run of one authority under the store's lease: read, judge, publish.

A run reads every stream into its own staging area (`sync.run.reading`), a batch and its position
per transaction, so a crash at any point is carried on by the next run. When the read ends, its
guards judge the staged whole; only a run that passes publishes, in one transaction that merges
the rows, settles the statuses and records the outcome (`sync.run.publish`). A refused run changes
nothing dashboards read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine, update
from sqlalchemy.exc import DBAPIError, OperationalError

from config.authority import Authority
from config.errors import ConfigError
from config.loader import Config
from config.secrets import resolve_secret
from connectors.base import Connector
from connectors.errors import RetryBudgetExhausted
from connectors.registry import connector_type
from store.schema.tables import SYNC_RUNS
from store.write import lookups, writer
from store.write.lease import LeaseHeld, StoreLease, utc_now
from store.write.runs import Counts, audit, close_interrupted_runs, finish_run, record_counts, start_run
from sync.run.batch import RunContext
from sync.run.compile import compile_for, stored_case_ref
from sync.run.errors import EXPECTED_FAILURES, EndsPartial, ReadShortfall, not_started, safe_error
from sync.run.publish import Decision, Refused, Scope, discard_run, publish_run, refuse_run
from sync.run.reading import ReadScope, StagedRead
from sync.run.recompute import StatusRules, settle

log = structlog.get_logger("sofs_sync.runner")

ENGLAND = ZoneInfo("Europe/London")
FINISH_ATTEMPTS = 2


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    CLI = "cli"


class Mode(StrEnum):
    INCREMENTAL = "incremental"
    FULL = "full"
    CASE = "case"
    ACCEPT = "accept"
    """An admin publishes a refused run's staged read past its guards."""


class RunOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PARTIAL = "partial"
    """Ended early (a stop, the time limit, a source's rate limit): its staged read waits for the next run."""
    REFUSED = "refused"
    """Read whole but past a guard: nothing published; `accept` or `discard` it, or let a later run."""
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
    accepted_run: int | None = None
    """With `Mode.ACCEPT`: the refused run to publish."""


@dataclass(frozen=True)
class RunResult:
    run_id: int | None
    """None when the store refused even the run's first row."""
    authority: str
    outcome: RunOutcome
    counts: Counts
    error: str | None = None
    notes: str | None = None


def england_today() -> date:
    return datetime.now(ENGLAND).date()


def build_connector(authority: Authority) -> Connector:
    cls = connector_type(authority.file.connector.type)
    return cls(authority.connector_config, resolve_secret)


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
        """One run of one authority; never raises for a failed run, it records and returns it.

        The lease is taken before the run's row is written, so a row left `running` is always one
        whose process held the lease and ended: a run that finds the lease held is recorded skipped,
        never seen `running` by the holder, which closes such rows as interrupted.
        """
        authority = self.config.authority(code)
        lease = StoreLease(self.engine, f"authority:{code}", clock=self.clock)
        not_taken: Exception | None = None
        try:
            lease.__enter__()
        except Exception as exc:  # noqa: BLE001 - held elsewhere, or the store is unreachable: recorded below
            not_taken = exc
        try:
            run_id = self._start_run(authority, request)
        except DBAPIError as exc:
            if not_taken is None:
                _release(lease, log)
            return self._not_started(authority, request, exc)
        bound = log.bind(run_id=run_id, authority=code, mode=str(request.mode), trigger=str(request.trigger))
        ctx = RunContext(
            authority=code,
            run_id=run_id,
            full_read=request.mode in (Mode.FULL, Mode.CASE),
            now=self.clock(),
            today=self.today(),
            elements=self.config.settings.element_keys,
            rules=authority.file.timeliness,
        )
        if isinstance(not_taken, LeaseHeld):
            bound.info("run skipped: authority is being synced elsewhere", holder=not_taken.holder.describe())
            return self._finish(run_id, code, RunOutcome.SKIPPED, ctx, str(not_taken))
        if not_taken is not None:
            bound.error("run failed taking the lease", error_class=type(not_taken).__name__)
            return self._finish(run_id, code, RunOutcome.FAILED, ctx, safe_error(not_taken, request.case_ref))
        try:
            outcome, error = self._outcome(authority, request, ctx, lease, bound)
        except BaseException:
            _release(lease, bound)  # interrupted: the run stays `running` for the next to close
            raise
        try:
            # Recorded while the lease is held, so the next run never finds this one still running.
            result = self._finish(run_id, code, outcome, ctx, error)
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
        ctx = RunContext(authority.code, run_id, False, self.clock(), self.today(), (), {})
        return self._finish(run_id, authority.code, RunOutcome.FAILED, ctx, error)

    def _outcome(
        self, authority: Authority, request: RunRequest, ctx: RunContext, lease: StoreLease, logger: Any
    ) -> tuple[RunOutcome, str | None]:
        """Run it, and sort how it ended into an outcome and a one-line error safe to record."""
        try:
            self._close_interrupted_runs(authority.code, ctx.run_id)
            self._record_start(authority, request, ctx.run_id)
            self._sync(authority, request, ctx, lease)
        except Refused as refused:
            ctx.counts, ctx.stage_open = refused.counts, False
            logger.warning("run refused: nothing published", guards=", ".join(t.guard for t in refused.trips))
            return RunOutcome.REFUSED, f"refused: {refused}"
        except Exception as exc:  # noqa: BLE001 - a run records its failure rather than raising it
            return self._ended_early(exc, request, ctx, logger)
        return RunOutcome.SUCCEEDED, None

    def _ended_early(
        self, exc: Exception, request: RunRequest, ctx: RunContext, logger: Any
    ) -> tuple[RunOutcome, str | None]:
        """How a run that did not publish ended; its staged read waits for the next run to carry on."""
        if ctx.stage_open:
            ctx.counts.left_staged()
        error = safe_error(exc, request.case_ref)
        if isinstance(exc, RetryBudgetExhausted):
            # Rate limited part way: what was staged waits for the next run. Down from the start: failed.
            outcome = RunOutcome.PARTIAL if ctx.counts.read else RunOutcome.FAILED
            logger.warning(
                "run ended early: retry budget spent", outcome=str(outcome), error_class=type(exc).__name__
            )
            return outcome, error
        if isinstance(exc, EndsPartial):
            logger.warning("run ended early", error_class=type(exc).__name__)
            return RunOutcome.PARTIAL, error
        expected = isinstance(exc, (*EXPECTED_FAILURES, OperationalError))
        logger.error("run failed", error_class=type(exc).__name__, exc_info=not expected)
        return RunOutcome.FAILED, error

    def _sync(self, authority: Authority, request: RunRequest, ctx: RunContext, lease: StoreLease) -> None:
        """Read every stream into the run's staging area, then publish it whole or refuse it."""
        compiled = compile_for(authority, self.config.settings.element_keys, ctx.today)
        read = StagedRead(
            self.engine,
            lease,
            ctx,
            self.clock,
            self.stop,
            self.config.run_time_limit(authority.code) if request.mode is Mode.INCREMENTAL else None,
            self.on_batch,
        )
        if request.mode is Mode.ACCEPT:
            assert request.accepted_run is not None
            accepted = read.take_refused(authority, request.accepted_run)
            ctx.full_read = accepted.mode in (Mode.FULL, Mode.CASE)
            scope = self._scope(
                authority, ctx.full_read, accepted.case_ref, allow_deletions=True, accept=True
            )
        else:
            scope = self._scope(
                authority,
                ctx.full_read,
                stored_case_ref(authority, request.case_ref) if request.case_ref else None,
                allow_deletions=request.allow_deletions,
                accept=False,
            )
            read.open(authority, str(request.mode))
            with self.connector_factory(authority) as connector:
                for stream in read.streams(authority, connector, compiled, str(request.mode)):
                    read.read_stream(
                        authority, connector, compiled, stream, ReadScope(request.mode, request.case_ref)
                    )
        try:
            shortfall = publish_run(self.engine, lease, ctx, scope, self._recorder(ctx))
        except Refused:
            refuse_run(self.engine, lease, ctx)
            raise
        if shortfall:
            raise ReadShortfall(shortfall)

    def _scope(
        self,
        authority: Authority,
        full_read: bool,
        case_ref: str | None,
        *,
        allow_deletions: bool,
        accept: bool,
    ) -> Scope:
        return Scope(
            full_read=full_read,
            case_ref=case_ref,
            allow_deletions=allow_deletions,
            accept=accept,
            guards=authority.file.guards,
            deletion_guard=authority.file.deletion_guard,
            latest_by={name: spec.latest_by for name, spec in authority.file.mapping.streams().items()},
        )

    def _recorder(self, ctx: RunContext) -> Callable[[Connection, Counts, str | None], None]:
        """Records the run's outcome, counts and notes inside the publishing transaction."""

        def record(conn: Connection, counts: Counts, shortfall: str | None) -> None:
            ctx.counts = counts
            record_counts(conn, ctx.run_id, counts)
            outcome = RunOutcome.PARTIAL if shortfall else RunOutcome.SUCCEEDED
            error = safe_error(ReadShortfall(shortfall)) if shortfall else None
            conn.execute(
                update(SYNC_RUNS)
                .where(SYNC_RUNS.c.id == ctx.run_id)
                .values(outcome=outcome, finished_at=self.clock(), error=error)
            )

        return record

    def _finish(
        self, run_id: int, code: str, outcome: RunOutcome, ctx: RunContext, error: str | None
    ) -> RunResult:
        """Record the outcome; with the store gone, report it anyway and let the next run record it."""
        counts = ctx.counts
        notes = "; ".join(ctx.notes) or None
        for attempt in range(FINISH_ATTEMPTS):
            try:
                finish_run(self.engine, run_id, outcome, self.clock(), counts, error, notes)
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
        return RunResult(run_id, code, outcome, counts, error, notes)

    def _close_interrupted_runs(self, code: str, run_id: int) -> None:
        """Runs left `running` by a killed process: we hold the lease, so they are not running."""
        with self.engine.begin() as conn:
            close_interrupted_runs(conn, code, run_id, self.clock())

    def _record_start(self, authority: Authority, request: RunRequest, run_id: int) -> None:
        with self.engine.begin() as conn:
            writer.ensure_authority(conn, authority.code, authority.name, self.clock())
            if request.mode is Mode.INCREMENTAL:
                return
            if request.mode is Mode.ACCEPT:
                action, scope = "accept", f"run {request.accepted_run}"
            else:
                ref = _scope_ref(authority, request)
                scope = f"case {ref}" if ref else ("one case" if request.case_ref else "all records")
                action = f"resync:{request.mode}" + (":allow-deletions" if request.allow_deletions else "")
            audit(
                conn,
                at=self.clock(),
                actor=request.requested_by,
                action=action,
                authority=authority.code,
                scope=scope,
                reason=request.reason,
                run_id=run_id,
            )

    def discard(self, code: str, run_id: int, requested_by: str, reason: str) -> None:
        """Drop a refused (or waiting) run's staged read under the lease, recorded with who and why."""
        with StoreLease(self.engine, f"authority:{code}", clock=self.clock) as lease:
            discard_run(self.engine, lease, code, run_id, Decision(requested_by, reason, self.clock()))

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


def _release(lease: StoreLease, bound: Any) -> None:
    try:
        lease.__exit__(None, None, None)
    except Exception as exc:  # noqa: BLE001 - e.g. the store went away; the lease expires anyway
        bound.warning("lease not released", error_class=type(exc).__name__)


def _scope_ref(authority: Authority, request: RunRequest) -> str | None:
    """The requested case as the store may hold it: the pseudonym when the authority uses them."""
    if request.case_ref is None:
        return None
    try:
        return stored_case_ref(authority, request.case_ref)
    except ConfigError:
        return None  # the key is missing: the run itself fails on it and says so
