"""`demo`: build three demo authorities, sync them and show the whiteboard; `demo serve` for the daemon."""

from __future__ import annotations

import os
import shlex
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import click
from rich.console import Console

from dashboard.site import load_site, publish
from dashboard.terminal import print_board
from demo.build import (
    DEFAULT_PORT,
    HOST,
    Manifest,
    NotADemoFolder,
    bind_api,
    load_api,
    prepare,
    read_manifest,
    serving_already,
    write_config,
)
from demo.history import REPLAY_WEEKS, is_fresh, replay_history
from demo.layout import REST_AUTHORITY, DemoPaths
from demo.server import base_url, bind, serve_until_stopped, serving
from store.read import queries
from store.schema.engine import STORE_URL_ENV
from sync.cli.app import App
from sync.cli.commands.dashboard import board_for
from sync.cli.commands.run import report_runs, sync_command
from sync.cli.commands.store import init
from sync.cli.output import EXIT_USAGE, RunPartial
from sync.run.runner import england_today


class DemoUsage(click.ClickException):
    exit_code = EXIT_USAGE


dir_option = click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-out"),
    show_default=True,
    help="The demo folder: sources, configuration, store and whiteboard site.",
)


@click.group(invoke_without_command=True)
@dir_option
@click.option(
    "--cases",
    "size",
    type=click.IntRange(1, 5000),
    default=60,
    show_default=True,
    help="Cases per authority.",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="The same seed gives the same data.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help=f"Port of the demo REST API (default: the folder's, else {DEFAULT_PORT}; 0: any free port). "
    "A busy port is swapped for a free one.",
)
@click.pass_context
def demo(ctx: click.Context, folder: Path, size: int, seed: int, port: int | None) -> None:
    """Build three demo authorities, sync them and show the whiteboard.

    One authority per connector type: a Liquidlogic-shaped reporting database, a REST API with OAuth2
    on loopback, a file drop. Run again on the same folder, it reuses the sources and syncs them
    again: nothing is duplicated.
    """
    if ctx.invoked_subcommand is not None:
        return
    started = time.monotonic()
    if os.environ.pop(STORE_URL_ENV, None):
        click.echo(f"note: {STORE_URL_ENV} is ignored: the demo keeps its own store in {folder}", err=True)
    paths = DemoPaths(folder.resolve())
    try:
        manifest, reused = prepare(paths, size, seed, england_today())
    except NotADemoFolder as exc:
        raise DemoUsage(str(exc)) from None
    if reused:
        click.echo(f"Reusing the demo sources in {_shown(paths.root)} (built {manifest.as_of}, seed {seed}).")
    else:
        click.echo(f"Built three demo authorities in {_shown(paths.root)}: {size} cases each, seed {seed}.")

    app = App(str(paths.settings))
    wanted = port if port is not None else (manifest.port or DEFAULT_PORT)
    port = _sync_all(ctx, app, paths, manifest, wanted)
    board = board_for(app)
    print_board(board, Console())
    pages = publish(paths.site, load_site(app.engine, app.config))
    held = sum(queries.quarantine_counts(app.engine).values())
    app.engine.dispose()
    _next_steps(paths, port, held, pages, time.monotonic() - started)


def _sync_all(ctx: click.Context, app: App, paths: DemoPaths, manifest: Manifest, wanted: int) -> int:
    """`init`, then `sync` of every demo authority while the REST one's API is up; returns its port."""
    with ExitStack() as stack:
        if wanted and serving_already(paths, manifest, wanted):
            click.echo(
                f"The demo API is running already on port {wanted} (`demo serve`); syncing through it."
            )
            port = wanted
        else:
            server = bind_api(paths, manifest, wanted)
            stack.enter_context(serving(server))
            port = int(server.server_address[1])
            if wanted and port != wanted:
                click.echo(f"Port {wanted} is busy: the demo API uses {port}, written in its config.")
        write_config(paths, manifest, port)
        ctx.obj = app
        ctx.invoke(init)
        try:
            if is_fresh(app.engine):
                today = england_today()
                click.echo(
                    f"A new store: syncing as of {today - timedelta(weeks=REPLAY_WEEKS)}, then recomputing "
                    "statuses weekly and, for the last four weeks, daily, so the status change log has "
                    "weeks of history (`dashboard --since`, `trends`)."
                )
                report_runs(replay_history(app.config, app.engine, today), as_json=False)
            else:
                ctx.invoke(sync_command, authorities=(), by="demo", as_json=False)
        except RunPartial:
            # The file-drop authority is given a cut-short export on purpose: its run says so.
            click.echo("A partial run above names the cut-short export the demo drops on purpose.")
    return port


def _next_steps(paths: DemoPaths, port: int, quarantined: int, pages: int, seconds: float) -> None:
    program = _program()
    config = f"{program} --config {_shown(paths.settings)}"
    click.echo(
        f"\nDone in {seconds:.1f} s. The whiteboard site, {pages} pages: "
        f"{_shown(paths.site / 'index.html')}\n"
        f"{quarantined} records were quarantined with their reasons: {config} quarantine\n"
        "\nTo keep the demo authorities syncing on their schedules, run in two terminals:\n"
        f"  {program} demo serve --dir {_shown(paths.root)}    "
        f"# the {REST_AUTHORITY} API on {HOST}:{port}\n"
        f"  {config} run    # the daemon, until Ctrl-C"
    )


@demo.command("serve")
@dir_option
def serve(folder: Path) -> None:
    """Serve the demo's REST authority on loopback, on the port its config names, until SIGTERM or Ctrl-C."""
    paths = DemoPaths(folder.resolve())
    manifest = read_manifest(paths)
    if manifest is None or not manifest.complete:
        raise DemoUsage(f"no demo in {folder}: run `sofs-sync demo --dir {folder}` first")
    try:
        server = bind(load_api(paths, manifest), HOST, manifest.port)
    except OSError as exc:
        raise DemoUsage(
            f"cannot listen on {HOST}:{manifest.port} ({exc.strerror}); is `demo serve` running already?"
        ) from None
    click.echo(
        f"The {REST_AUTHORITY} demo API is on {base_url(server)} (OAuth2 token at /oauth2/token, "
        "records under /api/v1/). Ctrl-C or SIGTERM stops it."
    )
    serve_until_stopped(server)
    click.echo("stopped")


def _shown(path: Path) -> str:
    """A path as short as it can be said from here, quoted for a shell where it needs to be."""
    try:
        return shlex.quote(str(path.relative_to(Path.cwd())))
    except ValueError:
        return shlex.quote(str(path))


def _program() -> str:
    """How the user started us, so the printed commands work as pasted (e.g. `.venv/bin/sofs-sync`)."""
    invoked = Path(sys.argv[0])
    if invoked.name != "sofs-sync" or not invoked.parent.parts:
        return "sofs-sync"
    return _shown(invoked.absolute())
