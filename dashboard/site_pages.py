"""The site's pages beyond the index, team and case pages: the authority page (the service against its
own past) and the wall mode (a team's grid first, large, rotating through the authority's teams).
Also the facts the team grid's client-side tools sort on, and where each page lives.

Neither page ranks teams: the authority page lists them alphabetically with no figures beside them,
and the wall shows one team at a time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from dashboard.cells import UP, Cell
from dashboard.overdue_weeks import OVERDUE_BANDS, band_of
from dashboard.whiteboard import Board, Row, StatusLook, TeamGroup
from mapping.schema import Status

WALL_ROWS = 16
"""Case rows a wall grid shows at 1920 x 1080 with text readable from three metres."""
WALL_SECONDS = 300
"""A wall page moves to the next team (and so reloads and re-judges its data's freshness) this often."""


def slug(text: str) -> str:
    """A file name from a team name or case reference: safe letters kept, a short hash when any were not."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower() or "x"
    if safe == text:
        return safe
    return f"{safe[:60]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def authority_path(code: str) -> str:
    return f"authorities/{slug(code)}.html"


def wall_path(group: TeamGroup) -> str:
    return f"wall/{slug(group.authority)}/{slug(group.team)}.html"


def row_facts(board: Board) -> Callable[[Row], dict[str, int]]:
    """Per case, what the team grid sorts on: its longest overdue (working days) and its latest
    safety scale fall (points down since the judgement before; 0 when it did not fall)."""

    def facts(case: Row) -> dict[str, int]:
        cells = board.cells.get((case["authority"], case["case_ref"]), {}).values()
        overdue = max((c.overdue_working_days or 0 for c in cells if c.status is Status.OVERDUE), default=0)
        fall = max((c.scale[-2] - c.scale[-1] for c in cells if len(c.scale) > 1), default=0)
        return {"overdue": overdue, "fall": max(fall, 0)}

    return facts


def no_deadline(board: Board) -> Callable[[TeamGroup, str], bool]:
    """Whether no case of the team has a due date for the element: the column's heading says so once,
    and its cells need not repeat it."""

    def none_set(group: TeamGroup, element: str) -> bool:
        for case in group.cases:
            cell = board.cell(case, element)
            if cell is not None and cell.due_on is not None:
                return False
        return bool(group.cases)

    return none_set


class CellMarkup:
    """Each team-grid cell's HTML, made once per distinct cell and handed out again: at thousands of
    open cases most cells share another's facts (the board builds one `Cell` for them all), and the
    grid's template spent most of a publish writing the same markup again. The template
    `team_board.html.j2` made it before; `tests/demo/test_site_pages.py` reads it as a person would."""

    def __init__(self, board: Board, looks: Mapping[str, StatusLook]) -> None:
        self.board = board
        self.looks = looks
        self._made: dict[tuple[int, str, str], Markup] = {}

    def __call__(self, case: Row, element: str) -> Markup:
        look = self.looks.get(str(case.get(element)))
        found = self.board.cell(case, element)
        if look is None:
            return Markup(  # noqa: S704  # nosec B704  # constant text
                f'<td class="none" data-el="{escape(element)}"><span aria-hidden="true">\u2013</span>'
                '<span class="sr">no status</span></td>'
            )
        key = (id(found), element, look.key)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = _cell_markup(element, look, found)
        return made


def _cell_markup(element: str, look: StatusLook, cell: Cell | None) -> Markup:
    """A grid cell: symbol, today's answer and marks as text, the full sentence behind a disclosure."""
    aged = " aged" if cell is not None and cell.evidence_aged else ""
    head = f'<td class="st {look.key}{aged}" data-el="{escape(element)}" data-status="{look.key}">'
    if cell is None:
        symbol = f'<span class="sym" aria-hidden="true">{look.symbol}</span>'
        text = f'{symbol} <span class="label">{escape(look.label)}</span>'
        return Markup(head + text + "</td>")  # noqa: S704  # nosec B704  # escaped above
    marks = "".join(f'<span class="mark">{escape(m)}</span>' for m in cell.marks() if m != "no deadline")
    return Markup(  # noqa: S704  # nosec B704  # every value escaped
        head
        + f'<details><summary><span class="sym" aria-hidden="true">{look.symbol}</span>'
        + f'<span class="sr">{escape(look.label)}: </span><span class="today">{escape(cell.today())}</span>'
        + (f'<span class="marks">{marks}</span>' if marks else "")
        + f'</summary><p class="said">{escape(look.label)}: {escape(cell.words())}</p></details></td>'
    )


def wall_cases(board: Board, group: TeamGroup, limit: int = WALL_ROWS) -> list[Row]:
    """The team's cases a wall shows: longest overdue first, then the rest as listed."""
    facts = row_facts(board)
    ordered = sorted(enumerate(group.cases), key=lambda pair: (-facts(pair[1])["overdue"], pair[0]))
    return [case for _, case in ordered[:limit]]


@dataclass(frozen=True)
class ElementService:
    """One element across an authority's open cases, today."""

    label: str
    open_cases: int
    evidenced: int
    recent: int
    overdue_bands: tuple[int, ...]
    scale_up: int
    scale_down: int
    scale_same: int


def service_today(board: Board, code: str, recent_since: date) -> list[ElementService]:
    """Per element, across every open case of the authority: evidenced ever and lately, overdue by
    age band, and how the safety scale last moved on cases judged more than once."""
    cases = [c for c in board.cases if c["authority"] == code]
    found = []
    for element in board.elements:
        cells = [c for c in (board.cell(case, element.key) for case in cases) if c is not None]
        found.append(
            ElementService(
                label=element.label,
                open_cases=len(cells),
                evidenced=sum(c.status is Status.EVIDENCED for c in cells),
                recent=sum(_recent(c, recent_since) for c in cells),
                overdue_bands=_banded(cells),
                scale_up=sum(c.scale_direction == UP for c in cells),
                scale_down=sum(c.scale_direction == "down" for c in cells),
                scale_same=sum(c.scale_direction == "same" for c in cells),
            )
        )
    return found


def _recent(cell: Cell, since: date) -> bool:
    return (
        cell.status in (Status.EVIDENCED, Status.REVIEW_DUE)
        and cell.last_evidenced_on is not None
        and cell.last_evidenced_on >= since
    )


def _banded(cells: Sequence[Cell]) -> tuple[int, ...]:
    bands = [0] * len(OVERDUE_BANDS)
    for cell in cells:
        if cell.status is Status.OVERDUE:
            bands[band_of(cell.overdue_working_days or 0)] += 1
    return tuple(bands)


def rotation(groups: Sequence[TeamGroup]) -> Mapping[str, TeamGroup]:
    """Each team's next team on the wall: the authority's teams in order, round again at the end."""
    following: dict[str, TeamGroup] = {}
    by_authority: dict[str, list[TeamGroup]] = {}
    for group in groups:
        by_authority.setdefault(group.authority, []).append(group)
    for teams in by_authority.values():
        for n, group in enumerate(teams):
            following[group.key] = teams[(n + 1) % len(teams)]
    return following
