"""The published site's audits and outcomes: each case page's audits and course, each team page's
months and the authority page's months of the whole service, read from the store once for the site.

A team's section holds that team alone, and the authority's the service as one: no team is set
beside another, and nothing is per worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine

from config.loader import Config
from dashboard.case_measures import (
    CaseMeasures,
    build_case_measures,
    outcome_definitions,
    render_case_measures,
)
from dashboard.html import fragment
from dashboard.team_measures import (
    MIN_AUDITS_FOR_SHARE,
    Period,
    TeamMeasures,
    month_periods,
    team_measures,
)
from dashboard.whiteboard import ENGLAND, TeamGroup
from store.read import measures as reads

MEASURE_MONTHS = 6
"""Months a team page and an authority page show: audits and closures are monthly, not weekly, events."""

CaseKey = tuple[str, str]


@dataclass(frozen=True)
class MeasureSections:
    """Every case's measures, and each team's and each service's months."""

    cases: Mapping[CaseKey, CaseMeasures]
    teams: Mapping[CaseKey, TeamMeasures]
    """By (authority, team)."""
    services: Mapping[str, TeamMeasures]
    periods: Sequence[Period]

    def case(self, authority: str, case_ref: str) -> Markup:
        """A case page's audits and course; a case with none says so."""
        return render_case_measures(self.cases.get((authority, case_ref), CaseMeasures()), heading_level=3)

    def team(self, group: TeamGroup) -> Markup:
        """A team page's months; a team with nothing recorded has its months of noughts and says so."""
        found = self.teams.get((group.authority, group.team)) or team_measures(
            group.team, [], {}, {}, self.periods
        )
        return render_team_measures(found, group.team, "team")

    def service(self, code: str, name: str) -> Markup:
        found = self.services.get(code) or team_measures(code, [], {}, {}, self.periods)
        return render_team_measures(found, name, "service")


def render_team_measures(measures: TeamMeasures, who: str, slug: str) -> Markup:
    return fragment(
        "team_measures.html.j2",
        tm=measures,
        who=who,
        slug=slug,
        min_audits=MIN_AUDITS_FOR_SHARE,
        definitions=outcome_definitions(),
    )


def site_periods(on: date, months: int = MEASURE_MONTHS) -> list[Period]:
    """The last `months` calendar months, the current one so far."""
    first = on.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return month_periods(first, on)


def load_measure_sections(
    engine: Engine, config: Config, now: datetime, authority: str | None = None
) -> MeasureSections:
    """Each authority's audits, episodes and scale values (or only `authority`'s, when publishing
    after its run), read once, grouped by case and by team."""
    from dashboard.team_measures import team_outcomes

    on = now.astimezone(ENGLAND).date()
    periods = site_periods(on)
    cases: dict[CaseKey, CaseMeasures] = {}
    teams: dict[CaseKey, TeamMeasures] = {}
    services: dict[str, TeamMeasures] = {}
    for code in sorted(config.authorities) if authority is None else [authority]:
        audits = reads.team_audits(engine, code)
        episodes = reads.team_episodes(engine, code)
        scales = reads.team_scale_values(engine, code, on)
        outcomes = team_outcomes(code, episodes, on)
        by_case: dict[str, dict[str, list[Any]]] = {}
        for kind, rows in (("audits", audits), ("episodes", episodes)):
            for row in rows:
                by_case.setdefault(str(row["case_ref"]), {"audits": [], "episodes": []})[kind].append(row)
        case_scales = {ref: values for (_, ref), values in scales.items()}
        for ref in sorted(set(by_case) | set(case_scales)):
            found = by_case.get(ref, {"audits": [], "episodes": []})
            cases[(code, ref)] = build_case_measures(
                code, found["audits"], found["episodes"], case_scales.get(ref, []), on
            )
        names = sorted({str(r["team"]) for r in audits} | set(outcomes) | {team for team, _ in scales})
        for team in names:
            teams[(code, team)] = team_measures(
                team,
                [r for r in audits if r["team"] == team],
                outcomes.get(team, {}),
                {ref: values for (t, ref), values in scales.items() if t == team},
                periods,
            )
        services[code] = team_measures(
            code,
            audits,
            {ref: found for by_team in outcomes.values() for ref, found in by_team.items()},
            case_scales,
            periods,
        )
    return MeasureSections(cases, teams, services, periods)
