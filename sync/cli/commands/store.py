"""`init`: create or upgrade the store."""

from __future__ import annotations

import click

from store.schema import current_revision, upgrade
from sync.cli.app import App


@click.command()
@click.pass_obj
def init(app: App) -> None:
    """Create or upgrade the store (safe to run again)."""
    before = current_revision(app.engine)
    upgrade(app.engine)
    after = current_revision(app.engine)
    if before == after:
        click.echo(f"store is up to date (revision {after})")
    else:
        click.echo(f"store upgraded from {before or 'empty'} to revision {after}")
