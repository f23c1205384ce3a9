"""`dashboard`: the whiteboard of open cases by element status, and the team summary."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from mapping.elements import Element
from store import read
from sync.app import App
from sync.cli import cli, emit_json

SYMBOLS = {
    "evidenced": "✔",
    "review_due": "↻",
    "in_progress": "…",
    "not_started": "·",
    "overdue": "!",
}
STYLES = {
    "evidenced": "green",
    "review_due": "yellow",
    "in_progress": "cyan",
    "not_started": "dim",
    "overdue": "bold red",
}


@cli.command()
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
    engine = app.ready_engine()
    elements = app.config.settings.catalogue
    cases = read.whiteboard(engine, authority, team)
    teams = read.team_summary(engine, authority, team)
    if html_file is not None:
        from sync.html import write_whiteboard

        write_whiteboard(html_file, elements, cases, teams)
        click.echo(f"wrote {html_file}")
    if as_json:
        emit_json({"elements": [e.model_dump() for e in elements], "cases": cases, "teams": teams})
        return
    if html_file is None:
        print_whiteboard(elements, cases, teams)


def print_whiteboard(
    elements: tuple[Element, ...], cases: list[dict[str, object]], teams: list[dict[str, object]]
) -> None:
    console = Console()
    keys = [e.key for e in elements]
    grid = Table(title=f"Whiteboard: {len(cases)} open cases", caption=_legend())
    for column in ["authority", "team", "case", "type"]:
        grid.add_column(column)
    for e in elements:
        grid.add_column(e.label, justify="center")
    for case in cases:
        cells = []
        for key in keys:
            status = case.get(key)
            cells.append(
                f"[{STYLES.get(str(status), '')}]{SYMBOLS.get(str(status), '?')}[/]" if status else ""
            )
        grid.add_row(
            str(case["authority"]),
            str(case["team"] or ""),
            str(case["case_ref"]),
            str(case["case_type"]),
            *cells,
        )
    console.print(grid)

    summary = Table(title="Team summary (open cases per element)")
    for column in [
        "authority",
        "team",
        "element",
        "open",
        "evidenced",
        "review due",
        "in progress",
        "not started",
        "overdue",
    ]:
        summary.add_column(column)
    for row in teams:
        summary.add_row(
            *[
                str(row[c])
                for c in (
                    "authority",
                    "team",
                    "element",
                    "open_cases",
                    "evidenced",
                    "review_due",
                    "in_progress",
                    "not_started",
                    "overdue",
                )
            ]
        )
    console.print(summary)


def _legend() -> str:
    return "  ".join(f"[{STYLES[s]}]{SYMBOLS[s]}[/] {s.replace('_', ' ')}" for s in SYMBOLS)
