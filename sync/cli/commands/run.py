"""`sync` and `resync`: runs started from the command line, recorded with who asked and why."""

from __future__ import annotations

import getpass
import os

import click

from sync.cli.app import App
from sync.cli.output import RunFailed, RunPartial, UsageError, emit_json
from sync.cli.progress import progress_reporter
from sync.run.runner import Mode, RunOutcome, RunRequest, RunResult, SyncRunner, Trigger


def who_asked(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


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
            c = r.counts
            line = (
                f"{r.authority}: {r.outcome} (run {r.run_id}) read {c.read}, written {c.written}, "
                f"unchanged {c.unchanged}, quarantined {c.quarantined}, "
                f"not practice evidence {c.not_evidence}"
            )
            if c.orphaned:
                line += f", evidence naming no stored case {c.orphaned}"
            if c.superseded:
                line += f", superseded by a later episode {c.superseded}"
            if c.deleted:
                line += f", marked deleted {c.deleted}"
            click.echo(line + (f" - {r.error}" if r.error else ""))
    if any(r.outcome is RunOutcome.FAILED for r in results):
        raise RunFailed("a run failed; see `sofs-sync runs` for its error")
    if any(r.outcome is RunOutcome.PARTIAL for r in results):
        raise RunPartial("a run ended partial; see its error above and `sofs-sync runs`")


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
    if not codes:
        written = ", ".join(sorted(config.authorities)) or "none yet"
        raise UsageError(
            "no authority is enabled, so there is nothing to sync. Name one (`sofs-sync sync CODE`), or "
            "set enabled: true in its file once `sofs-sync check CODE` passes "
            f"(authority files: {written})"
        )
    for code in codes:
        config.authority(code)
    runner = SyncRunner(config, app.ready_engine())
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
    runner = SyncRunner(config, app.ready_engine())
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
