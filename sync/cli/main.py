"""The `sofs-sync` command line. Exit codes: 0 ok, 1 a run failed, 2 usage or config error, 3 a run
ended `partial`."""

from __future__ import annotations

import importlib
import sys
from typing import Any, NamedTuple

import click
from click.formatting import HelpFormatter

from sync.cli.app import App, StoreNotReady
from sync.cli.output import EXIT_USAGE


class Entry(NamedTuple):
    """Where a command lives and its one-line help, so `--help` lists commands without importing them.

    `logs`: whether the command (or anything it imports) writes the structured log. A command that
    only reads and prints does not, and starts without importing and configuring the logging
    library; a test holds that such a command never imports it."""

    target: str
    summary: str
    logs: bool = True


COMMANDS: dict[str, Entry] = {
    "init": Entry(
        "sync.cli.commands.store:init",
        "Create or upgrade the store (safe to run again); with no settings file, write a commented one.",
    ),
    "check": Entry(
        "sync.cli.commands.onboard:check",
        "Connectivity, a sample of each stream, how the mapping covers it, and the guard a sync would trip.",
    ),
    "sync": Entry(
        "sync.cli.commands.run:sync_command",
        "Incremental sync now, of the named authorities or of every enabled one.",
    ),
    "resync": Entry(
        "sync.cli.commands.run:resync",
        "Full resync of one authority or one case: re-read everything, then mark what vanished as deleted.",
    ),
    "accept": Entry(
        "sync.cli.commands.run:accept",
        "Publish a refused run's read anyway, past its guards, recorded with who and why.",
    ),
    "discard": Entry(
        "sync.cli.commands.run:discard",
        "Drop a refused run's staged read, recorded with who and why; dashboards never saw it.",
    ),
    "retire": Entry(
        "sync.cli.commands.retire:retire",
        "Delete a retired authority's data from the store; its runs and audit log keep who, when and why.",
    ),
    "run": Entry(
        "sync.cli.commands.daemon:run_daemon",
        "The daemon: scheduled syncs of every enabled authority until SIGTERM; SIGHUP reloads the config.",
    ),
    "status": Entry(
        "sync.cli.commands.read:status",
        "Per authority: last run, outcome, counts, next run, records in quarantine.",
        logs=False,
    ),
    "runs": Entry(
        "sync.cli.commands.read:runs",
        "Run history: trigger, who asked and why, outcome and counts.",
        logs=False,
    ),
    "quarantine": Entry(
        "sync.cli.commands.read:quarantine",
        "Records that could not be mapped, with the reason and the run that met them.",
        logs=False,
    ),
    "dashboard": Entry(
        "sync.cli.commands.dashboard:dashboard",
        "The whiteboard: open cases by element status, and the team summary.",
        logs=False,
    ),
    "publish": Entry(
        "sync.cli.commands.publish:publish_command",
        "Write the whiteboard as a static site: an index, a page per team and a page per case.",
    ),
    "case": Entry(
        "sync.cli.commands.case:case",
        "One case's timeline: each element's records with dates, states, scale values, status changes.",
        logs=False,
    ),
    "trends": Entry(
        "sync.cli.commands.trends:trends",
        "A team against its own past, week by week, per element, from the status change log.",
        logs=False,
    ),
    "pseudonym": Entry(
        "sync.cli.commands.onboard:pseudonym",
        "Print the case reference the store holds for an authority's own case reference.",
    ),
    "new-authority": Entry(
        "sync.cli.commands.onboard:new_authority",
        "Write a starting authority file, with comments marking what the authority must fill in.",
    ),
    "schema": Entry(
        "sync.cli.commands.onboard:schema",
        "Print the JSON Schema of an authority file (or, with --settings, of the settings file).",
    ),
    "demo": Entry("demo.command:demo", "Build three demo authorities, sync them and show the whiteboard."),
}
"""Every command, in one place: adding a command is one entry here. Its module is imported only when
the command runs, so that `sofs-sync sync` does not pay for the daemon's scheduler at every start.
A test holds each summary to the command's own docstring."""


def load_command(name: str) -> click.Command:
    module, _, attribute = COMMANDS[name].target.partition(":")
    if COMMANDS[name].logs and not sys.stderr.isatty():
        _import_structlog_without_terminal_output()
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)
    return command


def _import_structlog_without_terminal_output() -> None:
    """Import structlog without the terminal library its console renderer and rich tracebacks use.

    Off a terminal the log is JSON lines (`sync.cli.logs`), and exceptions are rendered by our own
    processor before the renderer, so nothing of `rich` is ever used; yet `import structlog` loads
    its `dev` module, which imports rich, its pretty printer and pygments when they are installed:
    about a tenth of a run's start-up. structlog treats rich as optional (ImportError: not
    installed), so it is hidden for that one import and importable again afterwards, as for the
    progress bar of a run on a terminal."""
    if "structlog" in sys.modules or "rich" in sys.modules:
        return
    sys.modules["rich"] = None  # type: ignore[assignment]  # the import system's "not installed"
    try:
        importlib.import_module("structlog")
    finally:
        del sys.modules["rich"]


class _Group(click.Group):
    """Loads commands on demand, and turns config and store problems into a message and exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(load_command(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        """The listing from the registry's summaries: `--help` imports no command module."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, click.Command(name, short_help=COMMANDS[name].summary).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
        except Exception as exc:
            problems = _usage_problems(exc)
            if problems is None:
                raise
            for problem in problems:
                click.echo(problem, err=True)
            if isinstance(exc, StoreNotReady):
                _name_broken_files(ctx)
            ctx.exit(EXIT_USAGE)
        if _name_broken_files(ctx):
            ctx.exit(EXIT_USAGE)
        return result


def _name_broken_files(ctx: click.Context) -> bool:
    """Name the authority files a command had to leave out (it served every valid one)."""
    config = vars(ctx.obj).get("config") if ctx.obj is not None else None  # only if it was loaded
    if config is None or not config.broken:
        return False
    for problem in config.problems:
        click.echo(f"config error: {problem}", err=True)
    click.echo(f"left out until fixed: {', '.join(str(p) for p in config.broken)}", err=True)
    return True


def _usage_problems(exc: Exception) -> list[str] | None:
    """Config and store problems as lines for the user, or None for anything else.

    The exception classes are imported here, when a command has failed, so that starting the
    command line imports neither pydantic nor SQLAlchemy.
    """
    from config.errors import ConfigError
    from sync.cli.app import StoreNotReady

    if isinstance(exc, ConfigError):
        return [f"config error: {problem}" for problem in exc.problems]
    if isinstance(exc, StoreNotReady):
        return [f"error: {exc}"]
    store_errors = sys.modules.get("sqlalchemy.exc")
    if store_errors is not None and isinstance(exc, store_errors.OperationalError):
        # The store is down or unreachable: say so in a line, not a page of traceback.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return [f"error: cannot use the store: {reason}"]
    return None


@click.group(cls=_Group)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Settings file (default: $SOFS_SYNC_CONFIG or config/sofs-sync.yaml).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="For commands that write a log (sync, resync, run, init, ...); listings write none.",
)
@click.version_option(package_name="sofs-sync")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_level: str | None) -> None:
    """Sync Signs of Safety practice evidence from local authority systems into the store."""
    ctx.obj = App(config_path)
    entry = COMMANDS.get(ctx.invoked_subcommand or "")
    if entry is None or entry.logs:
        from sync.cli.logs import configure_logging

        configure_logging(log_level or "warning")


def main() -> None:
    sys.exit(cli.main(prog_name="sofs-sync", standalone_mode=True))
