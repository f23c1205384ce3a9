"""`dashboard`: the whiteboard of open cases by element status, and the team summary.

Terminal tables by default, the same data with `--json`; `publish` writes it as a site. Filters
narrow the cases; `--since` shows what changed since a date instead of the grid; `--worker` shows
one worker's caseload, the id pseudonymised here with the authority's key and then forgotten.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from dashboard.caseload import LEGAL_STATUSES, CaseFilter
from dashboard.whiteboard import CASES_PER_TEAM, ENGLAND, STATUS_BY_KEY, Board, load_board
from mapping.schema import Status
from store.read import history
from store.schema.views import NO_TEAM
from sync.cli.app import App
from sync.cli.output import UsageError, emit_json


@click.command()
@click.argument("authority", required=False)
@click.option("--team", help=f"Only this team; {NO_TEAM!r} for cases without one.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write this board (authority, team and filters as chosen) as one self-contained page.",
)
@click.option(
    "--type",
    "legal_status",
    type=click.Choice(sorted(LEGAL_STATUSES), case_sensitive=False),
    help="Only cases of this legal status.",
)
@click.option(
    "--element", help="Only this element's column (and, with --status, its status): its key or its label."
)
@click.option(
    "--status",
    type=click.Choice([s.value for s in Status]),
    help="Only cases with an element (or the --element) in this status.",
)
@click.option(
    "--worker",
    "worker_id",
    metavar="ID",
    help="One worker's caseload: the id as the case system knows it; never stored or shown.",
)
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DATE",
    help="What changed since DATE (e.g. the last supervision), per team, from the status change log.",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Every team's tallies side by side in one summary; by default each team stands on its own.",
)
@click.pass_obj
def dashboard(
    app: App,
    authority: str | None,
    team: str | None,
    as_json: bool,
    legal_status: str | None,
    element: str | None,
    status: str | None,
    worker_id: str | None,
    since: datetime | None,
    html_file: Path | None,
    compare: bool,
) -> None:
    """The whiteboard: open cases by element status, and the team summary.

    `--html FILE` writes the same board as one page, its styles inline, laid out as the published
    site's team pages are (each team's summary and grid, one team after another) and printable on A3.
    """
    if authority:
        app.config.authority(authority)
    keys = [e.key for e in app.config.settings.catalogue]
    labels = {e.label.lower(): e.key for e in app.config.settings.catalogue}
    element = labels.get(element.lower(), element) if element is not None else None
    if element is not None and element not in keys:
        raise click.BadParameter(
            f"unknown element {element!r}; elements: {', '.join(keys)} (or their labels)",
            param_hint="--element",
        )
    case_filter = CaseFilter(
        legal_status=legal_status.upper() if legal_status else None,
        element=element,
        status=Status(status) if status else None,
        case_refs=_caseload(app, authority, worker_id) if worker_id is not None else None,
    )
    # The terminal grid shows each team's first cases unless one team or one caseload is asked for;
    # --json, --html and --since take every case's cells.
    capped = not (as_json or html_file is not None or since is not None or team or worker_id is not None)
    board = board_for(app, authority, team, case_filter, cells_per_team=CASES_PER_TEAM if capped else None)
    if team and not board.cases:
        teams = {g.team for g in board_for(app, authority, cells_per_team=0).groups()}
        if team not in teams:
            raise click.BadParameter(
                f"no open cases in a team named {team!r}; teams: {', '.join(sorted(teams)) or 'none yet'}",
                param_hint="--team",
            )
    if since is not None:
        if html_file is not None:
            raise UsageError("--html writes the board; --since shows changes: choose one")
        _show_since(app, board, since.date(), as_json)
        return
    if html_file is not None:
        _write_page(app, board, html_file, authority, team, case_filter)
        click.echo(f"wrote {html_file}", err=as_json)
        if not as_json:
            return
    if worker_id is not None and not as_json:
        # Neither the id nor its pseudonym is printed: the manager knows whose caseload they asked for.
        if not case_filter.case_refs:
            click.echo(
                f"No open case of {authority} has that worker. Check the id as the case system shows it; "
                "a worker with no open cases shows nothing either."
            )
            return
        click.echo(
            f"One worker's caseload: {len(board.cases)} open case{'' if len(board.cases) == 1 else 's'}."
        )
    if as_json:
        from dashboard.team_measures import with_measures

        # Team measures, never one worker's: a caseload gets none.
        measures = None if worker_id is not None else _team_measures(app, board)
        emit_json(
            lambda: board.as_json() | {"measures": measures},
            compact=lambda: with_measures(board.json_chunks(), measures),
        )
    else:
        from dashboard.terminal import print_board  # the terminal library, for a terminal only

        # One team, or one worker's caseload, is asked for in full; the whole board is capped per team.
        print_board(board, cases_per_team=CASES_PER_TEAM if capped else None, compare=compare)


def _write_page(
    app: App, board: Board, path: Path, authority: str | None, team: str | None, case_filter: CaseFilter
) -> None:
    from dashboard.freshness import judge
    from dashboard.site import write_board_page
    from store.read import queries

    # Every authority the page shows says when it last synced; with none selected, every authority.
    shown = {authority} if authority else set(app.config.authorities)
    runs = queries.last_runs(app.ready_engine())
    fresh = [f for f in judge(app.config, runs, board.generated_at) if f.authority in shown]
    title = board.authorities.get(authority, authority) if authority else "All authorities"
    if team:
        title = f"{team}, {title}"
    if case_filter.narrows:
        title += " (filtered)"
    write_board_page(path, board, fresh, title)


def board_for(
    app: App,
    authority: str | None = None,
    team: str | None = None,
    case_filter: CaseFilter | None = None,
    cells_per_team: int | None = None,
) -> Board:
    names = {code: a.name for code, a in app.config.authorities.items()}
    rules = {code: a.file.timeliness for code, a in app.config.authorities.items()}
    return load_board(
        app.ready_engine(),
        app.config.settings.catalogue,
        names,
        authority,
        team,
        rules=rules,
        case_filter=case_filter,
        cells_per_team=cells_per_team,
        current_months={code: a.file.evidence_current_months for code, a in app.config.authorities.items()},
    )


def _caseload(app: App, authority: str | None, worker_id: str) -> frozenset[tuple[str, str]]:
    """The open cases of the worker, found by pseudonymising the id with the authority's key; the id
    lives only in this call's frame and is never logged, stored or echoed."""
    from mapping.identifiers import Identifiers
    from sync.run.compile import pseudonym_key

    if authority is None:
        raise UsageError("--worker needs the AUTHORITY whose key pseudonymises its workers' ids")
    la = app.config.authority(authority)
    identifiers = Identifiers(la.file.identifiers, pseudonym_key(la))
    if identifiers.drops_worker:
        raise UsageError(f"{authority} keeps no worker on its cases (identifiers: worker: drop)")
    stored = identifiers.worker(worker_id)
    assert stored is not None
    refs = history.worker_case_refs(app.ready_engine(), authority, stored)
    return frozenset((authority, ref) for ref in refs)


def _show_since(app: App, board: Board, since: date, as_json: bool) -> None:
    from dashboard.changes import StatusChange
    from dashboard.since import changes_since, log_starts, print_since

    engine = app.ready_engine()
    changes: list[StatusChange] = []
    for code in sorted({c["authority"] for c in board.cases}):
        rows = history.status_changes(
            engine, code, [c["case_ref"] for c in board.cases if c["authority"] == code], since
        )
        changes.extend(StatusChange.from_row(r) for r in rows)
    keys = [e.key for e in board.elements]
    records: dict[tuple[str, str], list[dict[str, object]]] = {}
    for code in sorted({c["authority"] for c in board.cases}):
        for row in history.open_evidence(engine, code):
            records.setdefault((code, str(row["case_ref"])), []).append(row)
    on = board.generated_at.astimezone(ENGLAND).date()
    teams = changes_since(changes, since, board.cases, keys, records, on)
    starts = log_starts(changes)
    if as_json:
        emit_json(
            {
                "since": since.isoformat(),
                "log_starts": starts.isoformat() if starts else None,
                "teams": [t.as_json() for t in teams],
            }
        )
        return
    if starts is not None and starts > since:
        click.echo(f"The status change log starts on {starts.isoformat()}: earlier statuses are not known.")
    labels = {key: look.label.lower() for key, look in STATUS_BY_KEY.items()}
    print_since(teams, since, board.elements, labels)


def _team_measures(app: App, board: Board) -> list[dict[str, object]]:
    """Each team's audits and outcomes month by month, over the months of `trends`' default weeks."""
    from dashboard.team_measures import load_team_measures, weeks_months

    today = datetime.now(ENGLAND).date()
    months = weeks_months(today, 8)
    groups = board.groups()
    return [
        {"authority": code, **found.as_json()}
        for code in sorted({g.authority for g in groups})
        for found in load_team_measures(
            app.ready_engine(), code, sorted({g.team for g in groups if g.authority == code}), months, today
        )
    ]
