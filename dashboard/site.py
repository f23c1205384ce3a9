"""The published whiteboard: a static site of an index, a page per authority, one page per team (and
its wall mode) and one page per case.

One page per team, not one page of every team: a team's whiteboard is for its own supervision and
audit, and teams side by side invite the league-table reading the practice warns against. The index
lists authorities and teams alphabetically with no figures to compare. Every page says when each of
its authorities last synced and whether that is older than its schedule allows: the index in its own
text, the other pages from the shared freshness file every publish rewrites, so that their text
depends on their own data alone.

Published whole or not at all, into a folder beside the target swapped in by `dashboard.publishing`.
After one authority's run only its own pages and the index are rendered again: every other authority's
pages are what they were, so they are taken from the site being replaced, linked rather than copied
(`dashboard.site_folder`); such a publish reads only that authority's rows and the index's teams. Of
the pages rendered, those whose content did not change are linked from it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine

from config.loader import Config
from dashboard.cells import RECENT_MONTHS
from dashboard.freshness import SHARED_SCRIPT, Freshness, judge, shared_script, when_text
from dashboard.html import environment
from dashboard.overdue_weeks import OVERDUE_BANDS
from dashboard.page_stamp import MARKS
from dashboard.recent import WINDOWS, CaseMoves
from dashboard.site_measures import load_measure_sections
from dashboard.site_pages import (
    WALL_SECONDS,
    CellMarkup,
    authority_path,
    no_deadline,
    rotation,
    row_facts,
    service_today,
    slug,
    wall_cases,
    wall_path,
)
from dashboard.site_sections import load_sections
from dashboard.whiteboard import (
    CASE_TYPE_LABELS,
    ENGLAND,
    STATUS_BY_KEY,
    STATUSES,
    Board,
    Row,
    TeamGroup,
    load_board,
)
from mapping.timeliness import add_months
from store.read import history, queries

TeamTrend = Callable[[TeamGroup], Markup | None]
"""The hook for a team's trend: given the team, an HTML fragment for its trend section, or None
while there is no trend to show (the section then says so)."""

CaseTimeline = Callable[[str, str], Markup | None]
"""The hook for a case's timeline: given (authority, case reference), an HTML fragment, or None."""

SITE_MARKER = ".sofs-sync-site"
"""Written into every published site, so publishing replaces only a folder it made itself."""


@dataclass(frozen=True)
class CasePage:
    """One open case and its element statuses with their dates, in catalogue order."""

    case: Row
    team: TeamGroup
    elements: list[tuple[Any, Row | None]]

    @property
    def path(self) -> str:
        return case_path(self.team.authority, str(self.case["case_ref"]))


def team_path(group: TeamGroup) -> str:
    return f"teams/{slug(group.authority)}/{slug(group.team)}.html"


def case_path(authority: str, case_ref: str) -> str:
    return f"cases/{slug(authority)}/{slug(case_ref)}.html"


def authority_files(code: str) -> list[str]:
    """Where an authority's pages are in a site: its page, and its folders of team, wall and case pages."""
    return [authority_path(code), *(f"{folder}/{slug(code)}" for folder in ("teams", "wall", "cases"))]


@dataclass
class Site:
    """Everything a published site shows, read from the store once."""

    board: Board
    freshness: list[Freshness]
    element_rows: Mapping[tuple[str, str], Mapping[str, Row]]
    generated_at: datetime
    trend: TeamTrend = field(default=lambda group: None)
    timeline: CaseTimeline = field(default=lambda authority, case_ref: None)
    moves: Callable[[TeamGroup], list[CaseMoves]] = field(default=lambda group: [])
    """A team's cases that moved in the last weeks, for its changed-lately panel."""
    service_trend: Callable[[str], Markup | None] = field(default=lambda code: None)
    """An authority's weeks, for its page: the service against its own past."""
    case_measures: CaseTimeline = field(default=lambda authority, case_ref: None)
    team_measures: TeamTrend = field(default=lambda group: None)
    service_measures: Callable[[str, str], Markup | None] = field(default=lambda code, name: None)
    latest_runs: Mapping[str, object] = field(default_factory=dict)
    """Each authority's latest run: its pages may be taken from an earlier site that showed the same."""
    scope: str | None = None
    """The one authority whose pages this site holds the data for (None: every authority's)."""
    listed: list[TeamGroup] | None = None
    """With a scope, every authority's teams and open cases, for the index; the board holds one's."""

    def fresh(self, authority: str) -> Freshness | None:
        return next((f for f in self.freshness if f.authority == authority), None)

    def data_date(self, authorities: Sequence[str]) -> str:
        """What a printed sheet is as of: the oldest data date among `authorities`, said as partial
        where a partial run is all there is, and naming any authority with no data yet."""
        return data_date([f for f in self.freshness if f.authority in authorities])

    def groups(self) -> list[TeamGroup]:
        return self.board.groups()

    def index_groups(self) -> list[TeamGroup]:
        """The teams the index lists: every authority's, whatever the board holds."""
        return self.listed if self.listed is not None else self.groups()

    def authorities(self) -> list[str]:
        """Every authority the site shows: those with teams, and those with only a sync to report."""
        return sorted({g.authority for g in self.index_groups()} | {f.authority for f in self.freshness})

    def case_pages(self, group: TeamGroup) -> Iterator[CasePage]:
        for case in group.cases:
            rows = self.element_rows.get((group.authority, str(case["case_ref"])), {})
            yield CasePage(case, group, [(e, rows.get(e.key)) for e in self.board.elements])


def data_date(freshness: Sequence[Freshness]) -> str:
    """`4 Dec 2026, 09:15 GMT`, `... (partial)`, `... ; Westvale: no sync yet`: the oldest data date of
    these authorities, never hiding that one of them has none or only a partial read."""
    stamps = [f.data_at for f in freshness if f.data_at is not None]
    dated = [f for f in freshness if f.data_at is not None]
    none = [f.name for f in freshness if f.data_at is None]
    if not stamps:
        return "no successful sync yet"
    said = when_text(min(stamps))
    if any(f.last_success is None for f in dated):
        partial = ", ".join(f.name for f in dated if f.last_success is None)
        said += f" (partial read: {partial})" if len(freshness) > 1 else " (partial read)"
    if none:
        said += f"; no sync yet: {', '.join(none)}"
    return said


def load_site(
    engine: Engine,
    config: Config,
    now: datetime | None = None,
    trend: TeamTrend | None = None,
    timeline: CaseTimeline | None = None,
    authority: str | None = None,
) -> Site:
    """The site from the store: each team's trend and each case's timeline from the status change
    log and the source records, unless other sections are given.

    With `authority`, only that authority's cases, statuses, records and history are read, and of
    the others only their open cases' teams, for the index: what publishing after one authority's
    run renders, where reading every authority's store rows was most of the publish."""
    now = now or datetime.now(UTC)
    names = {code: a.name for code, a in config.authorities.items()}
    rules = {code: a.file.timeliness for code, a in config.authorities.items()}
    months = {code: a.file.evidence_current_months for code, a in config.authorities.items()}
    board = load_board(
        engine, config.settings.catalogue, names, authority, now=now, rules=rules, current_months=months
    )
    rows: dict[tuple[str, str], dict[str, Row]] = {}
    for row in queries.case_element_statuses(engine, authority):
        rows.setdefault((row["authority"], row["case_ref"]), {})[row["element"]] = row
    last = queries.last_runs(engine)
    site = Site(board, judge(config, last, now), rows, now, scope=authority)
    site.latest_runs = {code: run.get("id") for code, run in last.items()}
    if authority is not None:
        # The whole board's groups are its open cases by team: the cases alone give the same.
        site.listed = Board(board.elements, board.authorities, history.open_cases(engine), [], now).groups()
    sections = load_sections(engine, config, now, authority) if trend is None or timeline is None else None
    site.trend = trend or (sections.trend if sections else site.trend)
    site.timeline = timeline or (sections.timeline if sections else site.timeline)
    if sections is not None:
        site.moves = sections.moves
        site.service_trend = sections.service_trend
        measures = load_measure_sections(engine, config, now, authority)
        site.case_measures, site.team_measures = measures.case, measures.team
        site.service_measures = measures.service
    return site


def _common(site: Site) -> dict[str, Any]:
    """What every page's templates are given."""
    board = site.board
    on = site.generated_at.astimezone(ENGLAND).date()
    recent_since = add_months(on, -RECENT_MONTHS)
    return {
        "statuses": STATUSES,
        "looks": STATUS_BY_KEY,
        "case_types": CASE_TYPE_LABELS,
        "elements": board.elements,
        "labels": {e.key: e.label for e in board.elements},
        "cell": board.cell,
        "cell_html": CellMarkup(board, STATUS_BY_KEY),
        "recent": lambda group, element: group.recent(element),
        "recent_since": recent_since,
        "no_deadline": no_deadline(board),
        "row_facts": row_facts(board),
        "generated": when_text(site.generated_at),
        "generated_iso": site.generated_at.isoformat(),
        "on": on,
        "windows": WINDOWS,
        "team_path": team_path,
        "case_path": case_path,
        "authority_path": authority_path,
        "wall_path": wall_path,
    }


def render_pages(site: Site, only: Collection[str] | None = None) -> Iterator[tuple[str, str]]:
    """(relative path, text) of every file of the site, or of the shared files and the pages of the
    authorities `only` names.

    An authority's pages carry the marks of `dashboard.page_stamp` where their data date and time made
    go, and load its freshness from the shared file: their text depends on their own data alone."""
    env = environment()
    common = _common(site)
    yield "assets/site.css", env.get_template("site.css.j2").render(**common)
    yield "assets/site.js", env.get_template("site.js.j2").render(**common)
    yield SHARED_SCRIPT, shared_script(site.freshness)
    groups = site.groups()
    authorities = site.authorities()
    yield (
        "index.html",
        env.get_template("index.html.j2").render(
            **common,
            root="",
            page_title="All teams",
            freshness=site.freshness,
            data_date=site.data_date(authorities),
            authorities=[(code, site.board.authorities.get(code, code)) for code in authorities],
            groups=site.index_groups(),
        ),
    )
    if only is not None:
        authorities = [code for code in authorities if code in only]
    yield from _authority_pages(site, common, authorities, groups)
    whiteboard = env.get_template("whiteboard.html.j2")
    wall = env.get_template("wall.html.j2")
    case_template = env.get_template("case.html.j2")
    following = rotation(groups)
    for group in groups:
        if group.authority not in authorities:
            continue
        team = {**common, **MARKS, "root": "../../", "shared_freshness": _shared(site, group.authority)}
        team["group"] = group
        title = f"{group.team}, {group.authority_name}"
        yield (
            team_path(group),
            whiteboard.render(
                **team,
                page_title=title,
                trend=site.trend(group),
                moves=site.moves(group),
                measures=site.team_measures(group),
            ),
        )
        yield (
            wall_path(group),
            wall.render(
                **team,
                page_title=f"Wall: {title}",
                cases=wall_cases(site.board, group),
                next_team=following[group.key],
                seconds=WALL_SECONDS,
            ),
        )
        for page in site.case_pages(group):
            ref = str(page.case["case_ref"])
            yield (
                page.path,
                case_template.render(
                    **team,
                    page_title=f"Case {ref}, {group.authority_name}",
                    page=page,
                    timeline=site.timeline(group.authority, ref),
                    measures=site.case_measures(group.authority, ref),
                ),
            )


def _authority_pages(
    site: Site, common: Mapping[str, Any], authorities: Sequence[str], groups: Sequence[TeamGroup]
) -> Iterator[tuple[str, str]]:
    """Each authority's page for its head of service: the service against its own past."""
    template = environment().get_template("authority.html.j2")
    stamped = {**common, **MARKS}
    for code in authorities:
        name = site.board.authorities.get(code, code)
        yield (
            authority_path(code),
            template.render(
                **stamped,
                root="../",
                page_title=name,
                code=code,
                shared_freshness=_shared(site, code),
                teams=[g for g in groups if g.authority == code],
                today=service_today(site.board, code, common["recent_since"]),
                bands=[label for label, _, _ in OVERDUE_BANDS],
                trend=site.service_trend(code),
                measures=site.service_measures(code, name),
            ),
        )


def _shared(site: Site, code: str) -> list[tuple[str, str]]:
    """The authority a page's freshness section is filled in for from the shared file, if it is configured."""
    return [(f.authority, f.name) for f in [site.fresh(code)] if f is not None]


def render_board_page(board: Board, freshness: Sequence[Freshness], title: str) -> str:
    """One self-contained page of a board (an authority, a team, filtered or not): each team's summary
    and grid as its team page shows them, one team after another, with the site's CSS and script inline.
    Case references are not links: there are no case pages beside a single file."""
    env = environment()
    site = Site(board, list(freshness), {}, board.generated_at)
    common = _common(site) | {"case_path": None}
    # The site's own stylesheet and script, from its autoescaped templates, set inline.
    css = env.get_template("site.css.j2").render(**common)
    js = env.get_template("site.js.j2").render(**common)
    inline = {"css": Markup(css), "js": Markup(js)}  # noqa: S704  # nosec B704
    authorities = sorted({g.authority for g in board.groups()} | {f.authority for f in freshness})
    return env.get_template("board.html.j2").render(
        **common,
        root="",
        inline=inline,
        page_title=title,
        freshness=list(freshness),
        data_date=site.data_date(authorities),
        groups=site.groups(),
    )


def write_board_page(path: Path, board: Board, freshness: Sequence[Freshness], title: str) -> None:
    """Write the page whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(render_board_page(board, freshness, title), encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
