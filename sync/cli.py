"""The `sofs-sync` command line. Exit codes: 0 ok, 1 a run failed, 2 usage or config error."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from config.errors import ConfigError
from sync.app import App, StoreNotReady
from sync.logs import configure_logging

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE = 0, 1, 2


class RunFailed(click.ClickException):
    exit_code = EXIT_RUN_FAILED


COMMAND_MODULES = {
    "init": "sync.commands.store",
    "status": "sync.commands.read",
    "runs": "sync.commands.read",
    "quarantine": "sync.commands.read",
    "dashboard": "sync.commands.dashboard",
    "sync": "sync.commands.run",
    "resync": "sync.commands.run",
    "check": "sync.commands.onboard",
    "pseudonym": "sync.commands.onboard",
    "new-authority": "sync.commands.onboard",
    "run": "sync.commands.daemon",
    "demo": "sync.commands.demo",
}
"""Where each command lives; a command's module is imported only when that command runs, so that
`sofs-sync sync` does not pay for the daemon's scheduler and metrics at every start."""


class _Group(click.Group):
    """Loads commands on demand, and turns config and store problems into a message and exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMAND_MODULES and cmd_name not in self.commands:
            importlib.import_module(COMMAND_MODULES[cmd_name])
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(f"config error: {problem}", err=True)
            ctx.exit(EXIT_USAGE)
        except StoreNotReady as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except OperationalError as exc:
            # The store is down or unreachable: say so in a line, not a page of traceback.
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            click.echo(f"error: cannot use the store: {reason}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=_Group)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Settings file (default: $SOFS_SYNC_CONFIG or config/sofs-sync.yaml).",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None)
@click.version_option(package_name="sofs-sync")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_level: str | None) -> None:
    """Sync Signs of Safety practice evidence from local authority systems into the store."""
    ctx.obj = App(config_path)
    configure_logging(log_level or "warning")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def main() -> None:
    sys.exit(cli.main(prog_name="sofs-sync", standalone_mode=True))
