"""`sync`, `resync`, `accept` and `discard` from the command line, recorded with who asked and why."""

from __future__ import annotations

import getpass
import os

import click
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from store.write.runs import ACCOUNTED
from sync.cli.app import App
from sync.cli.output import RunFailed, RunPartial, UsageError, emit_json
from sync.cli.progress import progress_reporter
from sync.run.errors import NotRefused, not_started
from sync.run.runner import Mode, RunOutcome, RunRequest, RunResult, SyncRunner, Trigger


def who_asked(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


_COUNT_WORDS = {
    "not_evidence": "not practice evidence",
    "orphaned": "evidence naming no stored case",
    "superseded": "superseded by a later episode",
    "duplicates": "duplicate rows passed over",
    "staged": "staged for the next run",
    "deleted": "marked deleted",
}
_SHOWN_WHEN_MET = frozenset({"orphaned", "superseded", "duplicates", "staged", "deleted"})
_WOULD = {"inserted": "would insert", "updated": "would update", "deleted": "would mark deleted"}
"""A refused run's counts say what publishing would have done: none of it was."""


def report_runs(results: list[RunResult], as_json: bool) -> None:
    """A line per run with its counts (or JSON); a failed run fails the command."""
    if as_json:
        emit_json(
            [
                {
                    "run_id": r.run_id,
                    "authority": r.authority,
                    "outcome": r.outcome,
                    "error": r.error,
                    "notes": r.notes,
                    "counts": vars(r.counts),
                }
                for r in results
            ]
        )
    else:
        for r in results:
            counts = vars(r.counts)
            # Where the records read went, in the order of the rule they add up by; rare ones only when met.
            words = {**_COUNT_WORDS, **(_WOULD if r.outcome is RunOutcome.REFUSED else {})}
            names = ("inserted", "updated", *(n for n in ACCOUNTED if n != "written"), "deleted")
            parts = [f"read {r.counts.read}"] + [
                f"{words.get(name, name)} {counts[name]}"
                for name in names
                if counts[name] or name not in _SHOWN_WHEN_MET
            ]
            recorded = f"run {r.run_id}" if r.run_id is not None else "not recorded"
            line = f"{r.authority}: {r.outcome} ({recorded}) " + ", ".join(parts)
            click.echo(line + (f" - {r.error}" if r.error else ""))
            if r.notes:
                click.echo(f"  note: {r.notes}")
            if r.outcome is RunOutcome.REFUSED:
                click.echo(
                    "  nothing was published. Fix the cause and sync again, or publish this read anyway "
                    f"with `sofs-sync accept {r.run_id} --reason ...`, or drop it with "
                    f"`sofs-sync discard {r.run_id} --reason ...`"
                )
    if any(r.outcome is RunOutcome.FAILED for r in results):
        raise RunFailed("a run failed; see `sofs-sync runs` for its error")
    if any(r.outcome is RunOutcome.REFUSED for r in results):
        raise RunPartial("a run was refused by its guards; see its error above and `sofs-sync runs`")
    if any(r.outcome is RunOutcome.PARTIAL for r in results):
        raise RunPartial("a run ended partial; see its error above and `sofs-sync runs`")


def store_for_runs(app: App) -> Engine:
    """The store, or a failed run in one line when it cannot even be opened (exit 1, like any run
    the store failed; a store not brought up by `init` stays a usage error)."""
    try:
        return app.ready_engine()
    except OperationalError as exc:
        raise RunFailed(not_started(exc)) from None


by_option = click.option("--by", help="Who asked for this run (default: the OS user).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")


@click.command("sync")
@click.argument("authorities", nargs=-1)
@by_option
@json_option
@click.pass_obj
def sync_command(app: App, authorities: tuple[str, ...], by: str | None, as_json: bool) -> None:
    """Incremental sync now, of the named authorities or of every enabled one."""
    config = app.config_of(authorities)
    codes = list(authorities) or config.enabled_codes()
    if not codes:
        written = ", ".join(sorted(config.authorities)) or "none yet"
        raise UsageError(
            "no authority is enabled, so there is nothing to sync. Name one (`sofs-sync sync CODE`), or "
            "set enabled: true in its file once `sofs-sync check CODE` passes "
            f"(authority files: {written})"
        )
    for code in codes:
        config.authority(code)
    runner = SyncRunner(config, store_for_runs(app))
    results = []
    for code in codes:
        with progress_reporter(code, enabled=not as_json) as on_batch:
            runner.on_batch = on_batch
            results.append(runner.run(code, RunRequest(Trigger.CLI, who_asked(by))))
    report_runs(results, as_json)


@click.command()
@click.argument("authority")
@click.option("--case", "case_ref", help="Resync only this case (the authority's own case reference).")
@click.option("--reason", required=True, help="Why the resync is needed; kept in the audit log.")
@click.option(
    "--allow-deletions",
    is_flag=True,
    help="Mark vanished records deleted even past the authority's deletion guard (kept in the audit log).",
)
@by_option
@json_option
@click.pass_obj
def resync(
    app: App,
    authority: str,
    case_ref: str | None,
    reason: str,
    allow_deletions: bool,
    by: str | None,
    as_json: bool,
) -> None:
    """Full resync of one authority or one case: re-read everything, then mark what vanished as deleted."""
    if not reason.strip():
        raise click.BadParameter("give a reason", param_hint="--reason")
    config = app.config_of([authority])
    config.authority(authority)
    runner = SyncRunner(config, store_for_runs(app))
    request = RunRequest(
        Trigger.MANUAL,
        who_asked(by),
        Mode.CASE if case_ref else Mode.FULL,
        reason=reason.strip(),
        case_ref=case_ref,
        allow_deletions=allow_deletions,
    )
    with progress_reporter(authority, enabled=not as_json) as on_batch:
        runner.on_batch = on_batch
        result = runner.run(authority, request)
    report_runs([result], as_json)


@click.command()
@click.argument("run_id", type=int)
@click.option(
    "--reason", required=True, help="Why this read may be published past its guards; kept in the audit log."
)
@by_option
@json_option
@click.pass_obj
def accept(app: App, run_id: int, reason: str, by: str | None, as_json: bool) -> None:
    """Publish a refused run's read anyway, past its guards, recorded with who and why."""
    if not reason.strip():
        raise click.BadParameter("give a reason", param_hint="--reason")
    engine = app.ready_engine()
    authority = _authority_of(engine, run_id, waiting=("refused",))
    runner = SyncRunner(app.config, engine)
    request = RunRequest(
        Trigger.MANUAL, who_asked(by), Mode.ACCEPT, reason=reason.strip(), accepted_run=run_id
    )
    report_runs([runner.run(authority, request)], as_json)


@click.command()
@click.argument("run_id", type=int)
@click.option("--reason", required=True, help="Why this read is dropped; kept in the audit log.")
@by_option
@click.pass_obj
def discard(app: App, run_id: int, reason: str, by: str | None) -> None:
    """Drop a refused run's staged read, recorded with who and why; dashboards never saw it."""
    if not reason.strip():
        raise click.BadParameter("give a reason", param_hint="--reason")
    engine = app.ready_engine()
    authority = _authority_of(engine, run_id)
    runner = SyncRunner(app.config, engine)
    try:
        runner.discard(authority, run_id, who_asked(by), reason.strip())
    except NotRefused as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"{authority}: run {run_id}'s staged read discarded")


def _authority_of(engine: Engine, run_id: int, waiting: tuple[str, ...] = ("refused", "open")) -> str:
    """The run's authority, once it is known to have a staged read waiting: a typo records no run."""
    from store.read.queries import run_authority

    found = run_authority(engine, run_id)
    if found is None:
        raise UsageError(f"there is no run {run_id}; see `sofs-sync runs`")
    authority, stage = found
    if stage not in waiting:
        raise UsageError(
            f"run {run_id} of {authority} has no refused read waiting (its read is {stage or 'not staged'}); "
            "only an authority's latest refused run can be accepted or discarded, until a later run "
            "publishes (see `sofs-sync runs`)"
        )
    return authority
