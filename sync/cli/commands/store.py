"""`init`: create or upgrade the store, writing a starting settings file where there is none."""

from __future__ import annotations

import click

from store.schema.upgrade import current_revision, upgrade
from sync.cli.app import App


@click.command()
@click.pass_obj
def init(app: App) -> None:
    """Create or upgrade the store (safe to run again); with no settings file, write a commented one."""
    if not app.config_path.exists():
        from config.templates import write_starting_settings

        authorities = write_starting_settings(app.config_path)
        click.echo(f"wrote {app.config_path} (commented; every value shown is the default)")
        click.echo(f"authority files go in {authorities}")
    before = current_revision(app.engine)
    upgrade(app.engine)
    after = current_revision(app.engine)
    if before == after:
        click.echo(f"store is up to date (revision {after})")
    else:
        click.echo(f"store upgraded from {before or 'empty'} to revision {after}")
