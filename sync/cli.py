"""The `sofs-sync` command line. Exit codes: 0 ok, 1 a run failed, 2 usage or config error."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from config.errors import ConfigError
from sync.app import App, StoreNotReady
from sync.logs import configure_logging

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE = 0, 1, 2


class RunFailed(click.ClickException):
    exit_code = EXIT_RUN_FAILED


class _Group(click.Group):
    """Turns config and store problems into a clear message and exit code 2, not a traceback."""

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
    from sync import commands  # noqa: F401 - registers the commands on `cli`

    sys.exit(cli.main(prog_name="sofs-sync", standalone_mode=True))
