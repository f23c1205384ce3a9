"""`run`: the daemon in the foreground, for systemd, a container or any process supervisor."""

from __future__ import annotations

import os
import sys

import click

from sync.cli.app import App
from sync.cli.logs import configure_logging, route_stdlib_logging
from sync.cli.output import EXIT_OK, EXIT_USAGE
from sync.daemon.endpoint import Endpoint
from sync.daemon.scheduler import Daemon, DaemonOptions


class _CannotListen(click.ClickException):
    exit_code = EXIT_USAGE


@click.command("run")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve /metrics and /healthz on this port (0: any free port, logged). Off when not given.",
)
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Address to serve them on.")
@click.option(
    "--stop-timeout",
    type=click.FloatRange(1, 3600),
    default=DaemonOptions.stop_timeout_s,
    show_default=True,
    help="Seconds a running run gets after SIGTERM to commit its current batch before the process exits.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=DaemonOptions.workers,
    show_default=True,
    help="Runs at once across authorities.",
)
@click.pass_context
def run_daemon(
    ctx: click.Context, metrics_port: int | None, metrics_host: str, stop_timeout: float, workers: int
) -> None:
    """The daemon: scheduled syncs of every enabled authority until SIGTERM; SIGHUP reloads the config."""
    app: App = ctx.obj
    config = app.config
    level = ctx.find_root().params.get("log_level") or config.settings.file.log_level
    configure_logging(level, json=True)
    route_stdlib_logging(level)
    options = DaemonOptions(stop_timeout_s=stop_timeout, workers=workers)
    daemon = Daemon(app.config_path, config, app.ready_engine(), options)
    endpoint = None
    if metrics_port is not None:
        try:
            endpoint = Endpoint(metrics_host, metrics_port, daemon.metrics.exposition, daemon.health)
        except OSError as exc:
            raise _CannotListen(f"cannot listen on {metrics_host}:{metrics_port}: {exc.strerror}") from None
    if not daemon.serve(endpoint):
        # A run overran the stop timeout; its worker thread would hold the interpreter open.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_OK)
    ctx.exit(EXIT_OK)
