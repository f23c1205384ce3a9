"""`trends`: a team against its own past, week by week, from the status change log."""

from __future__ import annotations

from datetime import datetime

import click

from dashboard.changes import StatusChange
from dashboard.team_measures import load_team_measures, print_team_measures, weeks_months
from dashboard.timeline import day_words
from dashboard.trends import CaseSpan, print_trends, trends_json, week_endings, weekly
from dashboard.whiteboard import ENGLAND
from store.read import history
from store.schema.views import NO_TEAM
from sync.cli.app import App
from sync.cli.output import UsageError, emit_json


@click.command()
@click.argument("authority")
@click.option("--team", help="The team to show; needed when the authority has more than one.")
@click.option("--weeks", default=8, show_default=True, type=click.IntRange(1, 104), help="Weeks to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--compare", is_flag=True, help="Every team of the authority, one after another.")
@click.pass_obj
def trends(app: App, authority: str, team: str | None, weeks: int, as_json: bool, compare: bool) -> None:
    """A team against its own past, week by week, per element, from the status change log.

    Per element and week: the share of open cases evidenced (review due counted apart), how many are
    overdue, and the median days from opening to first evidence. Per month of those weeks: the cases
    audited at or above the authority's good line, what followed the cases closed or stepped down,
    and how the safety scale moved. Teams are set side by side only with `--compare`: the point is
    how a team moves, not where it ranks.
    """
    config = app.config
    config.authority(authority)
    engine = app.ready_engine()
    today = datetime.now(ENGLAND).date()
    endings = week_endings(today, weeks)
    rows = [c for c in history.cases(engine, authority) if not c["deleted_on"]]
    teams = sorted({str(c["team"] or NO_TEAM) for c in rows})
    if team is not None and team not in teams:
        raise UsageError(f"no team named {team!r} in {authority}; teams: {', '.join(teams) or 'none yet'}")
    if team is None and not compare and len(teams) > 1:
        raise UsageError(
            f"trends shows one team against its own past: name it with --team ({', '.join(teams)}), "
            "or use --compare to see every team"
        )
    chosen = [team] if team else teams
    changes = [StatusChange.from_row(r) for r in history.status_changes(engine, authority, since=endings[0])]
    elements = config.settings.catalogue
    keys = [e.key for e in elements]
    results = []
    for name in chosen:
        spans = [CaseSpan.from_row(c) for c in rows if str(c["team"] or NO_TEAM) == name]
        results.append((name, weekly(changes, spans, keys, endings)))
    months = weeks_months(today, weeks)
    measures = load_team_measures(engine, authority, chosen, months, today)
    if as_json:
        teams_json = [
            trends_json(n, endings, found) | {"months": m.as_json()["months"]}
            for (n, found), m in zip(results, measures, strict=True)
        ]
        emit_json({"authority": authority, "teams": teams_json})
        return
    for (name, found), team_months in zip(results, measures, strict=True):
        print_trends(
            f"{authority} · {name}: weeks ending {day_words(endings[0])} to {day_words(endings[-1])}",
            endings,
            found,
            elements,
        )
        print_team_measures(f"{authority} · {name}: audits and outcomes, month by month", team_months)
