"""The published whiteboard: a static site of an index, one page per team and one page per case.

One page per team, not one page of every team: a team's whiteboard is for its own supervision and
audit, and teams side by side invite the league-table reading the practice warns against. The index
lists authorities and teams alphabetically with no figures to compare. Every page says when each of
its authorities last synced and whether that is older than its schedule allows.

Published whole or not at all: the site is written to a folder beside the target, then a symlink is
swapped onto the target with os.replace, so a reader never sees a half-written site.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine

from config.loader import Config
from dashboard.freshness import Freshness, judge, when_text
from dashboard.html import environment
from dashboard.site_sections import load_sections
from dashboard.whiteboard import CASE_TYPE_LABELS, STATUS_BY_KEY, STATUSES, Board, Row, TeamGroup, load_board
from store.read import queries

TeamTrend = Callable[[TeamGroup], Markup | None]
"""The hook for a team's trend: given the team, an HTML fragment for its trend section, or None
while there is no trend to show (the section then says so)."""

CaseTimeline = Callable[[str, str], Markup | None]
"""The hook for a case's timeline: given (authority, case reference), an HTML fragment, or None."""

SITE_MARKER = ".sofs-sync-site"
"""Written into every published site, so publishing replaces only a folder it made itself."""


def slug(text: str) -> str:
    """A file name from a team name or case reference: safe letters kept, a short hash when any were not."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower() or "x"
    if safe == text:
        return safe
    return f"{safe[:60]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


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


@dataclass
class Site:
    """Everything a published site shows, read from the store once."""

    board: Board
    freshness: list[Freshness]
    element_rows: Mapping[tuple[str, str], Mapping[str, Row]]
    generated_at: datetime
    trend: TeamTrend = field(default=lambda group: None)
    timeline: CaseTimeline = field(default=lambda authority, case_ref: None)

    def fresh(self, authority: str) -> Freshness | None:
        return next((f for f in self.freshness if f.authority == authority), None)

    def data_date(self, authorities: Sequence[str]) -> str:
        """The oldest last successful sync among `authorities`: what a printed sheet is as of."""
        stamps = [f.last_success for f in self.freshness if f.authority in authorities]
        if not stamps or any(s is None for s in stamps):
            return "no successful sync yet"
        return when_text(min(s for s in stamps if s is not None))

    def groups(self) -> list[TeamGroup]:
        return self.board.groups()

    def case_pages(self, group: TeamGroup) -> Iterator[CasePage]:
        for case in group.cases:
            rows = self.element_rows.get((group.authority, str(case["case_ref"])), {})
            yield CasePage(case, group, [(e, rows.get(e.key)) for e in self.board.elements])


def load_site(
    engine: Engine,
    config: Config,
    now: datetime | None = None,
    trend: TeamTrend | None = None,
    timeline: CaseTimeline | None = None,
) -> Site:
    """The site from the store: each team's trend and each case's timeline from the status change
    log and the source records, unless other sections are given."""
    now = now or datetime.now(UTC)
    names = {code: a.name for code, a in config.authorities.items()}
    rules = {code: a.file.timeliness for code, a in config.authorities.items()}
    board = load_board(engine, config.settings.catalogue, names, now=now, rules=rules)
    rows: dict[tuple[str, str], dict[str, Row]] = {}
    for row in queries.case_element_statuses(engine):
        rows.setdefault((row["authority"], row["case_ref"]), {})[row["element"]] = row
    site = Site(board, judge(config, queries.last_runs(engine), now), rows, now)
    sections = load_sections(engine, config, now) if trend is None or timeline is None else None
    site.trend = trend or (sections.trend if sections else site.trend)
    site.timeline = timeline or (sections.timeline if sections else site.timeline)
    return site


def _common(site: Site) -> dict[str, Any]:
    """What every page's templates are given."""
    return {
        "statuses": STATUSES,
        "looks": STATUS_BY_KEY,
        "case_types": CASE_TYPE_LABELS,
        "elements": site.board.elements,
        "cell": site.board.cell,
        "generated": when_text(site.generated_at),
        "team_path": team_path,
        "case_path": case_path,
    }


def render_pages(site: Site) -> Iterator[tuple[str, str]]:
    """(relative path, text) of every file of the site."""
    env = environment()
    common = _common(site)
    yield "assets/site.css", env.get_template("site.css.j2").render(**common)
    yield "assets/site.js", env.get_template("site.js.j2").render(**common)
    groups = site.groups()
    authorities = sorted({g.authority for g in groups} | {f.authority for f in site.freshness})
    yield (
        "index.html",
        env.get_template("index.html.j2").render(
            **common,
            root="",
            page_title="All teams",
            freshness=site.freshness,
            data_date=site.data_date(authorities),
            authorities=[(code, site.board.authorities.get(code, code)) for code in authorities],
            groups=groups,
        ),
    )
    whiteboard = env.get_template("whiteboard.html.j2")
    case_template = env.get_template("case.html.j2")
    for group in groups:
        team = {
            **common,
            "root": "../../",
            "freshness": [f for f in [site.fresh(group.authority)] if f is not None],
            "data_date": site.data_date([group.authority]),
            "group": group,
        }
        title = f"{group.team}, {group.authority_name}"
        yield team_path(group), whiteboard.render(**team, page_title=title, trend=site.trend(group))
        for page in site.case_pages(group):
            ref = str(page.case["case_ref"])
            yield (
                page.path,
                case_template.render(
                    **team,
                    page_title=f"Case {ref}, {group.authority_name}",
                    page=page,
                    timeline=site.timeline(group.authority, ref),
                ),
            )


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


def write_site(folder: Path, site: Site) -> int:
    """Write every page under `folder`, which must not exist yet; returns the number of pages."""
    folder.mkdir(parents=True)
    (folder / SITE_MARKER).write_text(f"published {site.generated_at.isoformat()}\n")
    pages = 0
    for relative, text in render_pages(site):
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        pages += relative.endswith(".html")
    return pages


class NotASite(Exception):
    """The target is a folder publishing did not make: it is left alone."""


def publish(out: Path, site: Site) -> int:
    """Publish the site at `out` atomically; returns the number of pages.

    `out` becomes a symlink to a sibling folder `.NAME.<id>`: the new site is written beside it, a
    temporary link to it is os.replace'd onto `out` (atomic on POSIX), then the old folder goes.
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = _previous_target(out)
    fresh = out.parent / f".{out.name}.{uuid.uuid4().hex[:12]}"
    try:
        pages = write_site(fresh, site)
        link = out.parent / f".{out.name}.link-{uuid.uuid4().hex[:8]}"
        link.symlink_to(fresh.name)
        if out.is_dir() and not out.is_symlink():
            # A site from before publishing used a link: moved aside once, then swapped like any other.
            previous = out.parent / f".{out.name}.{uuid.uuid4().hex[:12]}"
            out.rename(previous)
        os.replace(link, out)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if previous is not None and previous.resolve() != fresh.resolve():
        shutil.rmtree(previous, ignore_errors=True)
    return pages


def _previous_target(out: Path) -> Path | None:
    if out.is_symlink():
        return out.parent / os.readlink(out)
    if not out.exists():
        return None
    if out.is_dir() and ((out / SITE_MARKER).exists() or not any(out.iterdir())):
        return None
    raise NotASite(f"{out} exists and is not a site published here; give a new or empty folder")
