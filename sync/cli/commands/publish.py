"""`publish`: the whiteboard as a static site, for the authority's intranet server to serve."""

from __future__ import annotations

from pathlib import Path

import click

from dashboard.publishing import NotASite, check_target, publish
from dashboard.site import load_site
from sync.cli.app import App
from sync.cli.output import UsageError


@click.command("publish")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The site's folder: replaced whole, atomically, at each publish.",
)
@click.pass_obj
def publish_command(app: App, out: Path) -> None:
    """Write the whiteboard as a static site: an index, a page per team and a page per case.

    The folder becomes a symlink to a freshly written sibling folder, swapped in one step, so a
    reader never sees a half-written site; one publisher at a time. Serve it behind the intranet's
    sign-on.
    """
    try:
        check_target(out.absolute())  # before the store is opened or any folder made
        pages = publish(out, load_site(app.ready_engine(), app.config))
    except NotASite as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"published {pages} pages to {out}")
