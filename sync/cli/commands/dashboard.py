"""`dashboard`: the whiteboard of open cases by element status, and the team summary.

Terminal tables by default, a static page with `--html FILE`, the same data with `--json`.
"""

from __future__ import annotations

from pathlib import Path

import click

from dashboard.terminal import print_board
from dashboard.whiteboard import Board, load_board
from sync.cli.app import App
from sync.cli.output import emit_json


@click.command()
@click.argument("authority", required=False)
@click.option("--team", help="Only this team.")
@click.option(
    "--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write a static page."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.pass_obj
def dashboard(
    app: App, authority: str | None, team: str | None, html_file: Path | None, as_json: bool
) -> None:
    """The whiteboard: open cases by element status, and the team summary."""
    if authority:
        app.config.authority(authority)
    board = board_for(app, authority, team)
    if team and not board.cases:
        known = ", ".join(sorted({g.team for g in board_for(app, authority).groups()})) or "none yet"
        raise click.BadParameter(
            f"no open cases in a team named {team!r}; teams: {known}", param_hint="--team"
        )
    if html_file is not None:
        from dashboard.html import write_whiteboard

        write_whiteboard(html_file, board)
        click.echo(f"wrote {html_file}", err=as_json)
    if as_json:
        emit_json(board.as_json())
    elif html_file is None:
        print_board(board)


def board_for(app: App, authority: str | None = None, team: str | None = None) -> Board:
    names = {code: a.name for code, a in app.config.authorities.items()}
    rules = {code: a.file.timeliness for code, a in app.config.authorities.items()}
    return load_board(app.ready_engine(), app.config.settings.catalogue, names, authority, team, rules=rules)
