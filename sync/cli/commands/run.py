"""`sync` and `resync`: runs started from the command line, recorded with who asked and why."""

from __future__ import annotations

import getpass
import os

import click
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from store.write.runs import ACCOUNTED
from sync.cli.app import App
from sync.cli.output import RunFailed, RunPartial, emit_json
from sync.cli.progress import progress_reporter
from sync.run.errors import not_started
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
    "deleted": "marked deleted",
}
_SHOWN_WHEN_MET = frozenset({"orphaned", "superseded", "deleted"})


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
                    "counts": vars(r.counts),
                }
                for r in results
            ]
        )
    else:
        for r in results:
            counts = vars(r.counts)
            # Where the records read went, in the order of the rule they add up by; rare ones only when met.
            parts = [f"read {r.counts.read}"] + [
                f"{_COUNT_WORDS.get(name, name)} {counts[name]}"
                for name in (*ACCOUNTED, "deleted")
                if counts[name] or name not in _SHOWN_WHEN_MET
            ]
            recorded = f"run {r.run_id}" if r.run_id is not None else "not recorded"
            line = f"{r.authority}: {r.outcome} ({recorded}) " + ", ".join(parts)
            click.echo(line + (f" - {r.error}" if r.error else ""))
    if any(r.outcome is RunOutcome.FAILED for r in results):
        raise RunFailed("a run failed; see `sofs-sync runs` for its error")
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
    config = app.config
    codes = list(authorities) or config.enabled_codes()
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
    config = app.config
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
