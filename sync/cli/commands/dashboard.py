"""`dashboard`: the whiteboard of open cases by element status, and the team summary.

Terminal tables by default, the same data with `--json`; `publish` writes it as a site.
"""

from __future__ import annotations

import click

from dashboard.terminal import print_board
from dashboard.whiteboard import Board, load_board
from store.views import NO_TEAM
from sync.cli.app import App
from sync.cli.output import emit_json


@click.command()
@click.argument("authority", required=False)
@click.option("--team", help=f"Only this team; {NO_TEAM!r} for cases without one.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.pass_obj
def dashboard(app: App, authority: str | None, team: str | None, as_json: bool) -> None:
    """The whiteboard: open cases by element status, and the team summary."""
    if authority:
        app.config.authority(authority)
    board = board_for(app, authority, team)
    if team and not board.cases:
        known = ", ".join(sorted({g.team for g in board_for(app, authority).groups()})) or "none yet"
        raise click.BadParameter(
            f"no open cases in a team named {team!r}; teams: {known}", param_hint="--team"
        )
    if as_json:
        emit_json(board.as_json())
    else:
        print_board(board)


def board_for(app: App, authority: str | None = None, team: str | None = None) -> Board:
    names = {code: a.name for code, a in app.config.authorities.items()}
    return load_board(app.ready_engine(), app.config.settings.catalogue, names, authority, team)
