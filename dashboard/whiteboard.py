"""The whiteboard as every dashboard shows it: the store's read model, the catalogue and one legend.

The rows of the `whiteboard` and `team_summary` views, worked out from one read of the open cases'
status rows (which also give each cell its dates), and each cell's scale and drafts from their
source records, so a dashboard can never show more than the read model holds: case references, case
types, dates and element states. No worker column is read; a worker's caseload arrives as case
references worked out from a pseudonym. The team is the unit.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dashboard.caseload import CaseFilter, recent_counts, team_counts
from dashboard.cell_book import CellBook
from dashboard.cells import (
    RECENT_MONTHS,
    Cell,
    LiveRecord,
    SourceRecord,
    summarise_live,
)
from mapping.elements import DEFAULT_ELEMENT_KEYS, Element
from mapping.timeliness import TimelinessRules, add_months
from store.read import history
from store.schema.views import NO_TEAM

Row = dict[str, Any]
CaseKey = tuple[str, str]
ENGLAND = ZoneInfo("Europe/London")

__all__ = ["NO_TEAM", "Board", "TeamGroup", "load_board"]


@dataclass(frozen=True)
class StatusLook:
    """How one status is shown everywhere: a symbol and words, so colour is never the only cue."""

    key: str
    symbol: str
    label: str
    meaning: str
    colour: str
    """A rich style for terminals; the HTML page has its own palette keyed by `key`."""


STATUSES = (
    StatusLook(
        "evidenced", "✓", "Evidenced", "completed evidence on the record; the date is the latest", "green"
    ),
    StatusLook("review_due", "↻", "Review due", "evidenced, but past the review interval", "yellow"),
    StatusLook("in_progress", "◐", "In progress", "a draft, nothing completed yet", "cyan"),
    StatusLook(
        "not_started",
        "○",
        "Not started",
        "nothing on the record; any due date not yet passed",
        "bright_black",
    ),
    StatusLook("overdue", "!", "Overdue", "nothing completed by the due date", "bold red"),
)
STATUS_BY_KEY = {s.key: s for s in STATUSES}

CASES_PER_TEAM = 25
"""Case rows a team's grid shows by default: at thousands of open cases a full grid is minutes of
scrolling (and of rendering); the summary says where the rest stand and --team shows them all."""

CASE_TYPE_LABELS = {
    "early_help": "Early help",
    "cin": "CIN",
    "cp": "CP",
    "looked_after": "Looked after",
    "care_leaver": "Care leaver",
}


@dataclass(frozen=True)
class TeamGroup:
    """One team's open cases and its counts per element, as the summary and the grid show them."""

    authority: str
    authority_name: str
    team: str
    cases: list[Row]
    counts: Mapping[str, Mapping[str, int]]
    """element -> {"open_cases": n, <status>: n, ...}, from the team_summary view."""
    evidenced_lately: Mapping[str, int] = field(default_factory=dict)
    """element -> open cases with the element evidenced in the last `RECENT_MONTHS` months."""

    @property
    def key(self) -> str:
        return f"{self.authority}/{self.team}"

    def evidenced(self, element: str) -> int:
        """Open cases with completed evidence of the element that is not past its review interval."""
        return int(self.counts.get(element, {}).get("evidenced", 0))

    def recent(self, element: str) -> int:
        """Open cases whose element was last evidenced in the last `RECENT_MONTHS` months: current
        practice, beside ever."""
        return self.evidenced_lately.get(element, 0)

    def review_due(self, element: str) -> int:
        """Open cases evidenced once but past the review interval: counted apart, not as evidenced."""
        return int(self.counts.get(element, {}).get("review_due", 0))


@dataclass(frozen=True)
class Board:
    elements: tuple[Element, ...]
    authorities: Mapping[str, str]
    cases: list[Row]
    teams: list[Row]
    generated_at: datetime
    cells: Mapping[CaseKey, Mapping[str, Cell]] = field(default_factory=dict)
    """Per open case, each element's cell: the status with its dates, lateness, scale and drafts."""
    recent: Mapping[tuple[str, str, str], int] = field(default_factory=dict)
    """Per (authority, team, element), open cases evidenced in the last `RECENT_MONTHS` months, counted
    from every case's status row (a capped board builds cells for its first cases only)."""

    def cell(self, case: Row, element: str) -> Cell | None:
        return self.cells.get((case["authority"], case["case_ref"]), {}).get(element)

    def groups(self) -> list[TeamGroup]:
        """Teams in authority then team order, each with its cases; teams without open cases too."""
        keys: dict[tuple[str, str], list[Row]] = {}
        for case in self.cases:
            keys.setdefault((case["authority"], case["team"] or NO_TEAM), []).append(case)
        counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        for row in self.teams:
            team = (row["authority"], row["team"] or NO_TEAM)
            keys.setdefault(team, [])
            counts.setdefault(team, {})[row["element"]] = {
                k: int(row.get(k) or 0) for k in ("open_cases", *STATUS_BY_KEY)
            }
        lately: dict[tuple[str, str], dict[str, int]] = {}
        for (authority, name, element), n in self.recent.items():
            lately.setdefault((authority, name), {})[element] = n
        return [
            TeamGroup(
                code,
                self.authorities.get(code, code),
                team,
                cases,
                counts.get((code, team), {}),
                lately.get((code, team), {}),
            )
            for (code, team), cases in sorted(keys.items())
        ]

    def as_json(self) -> dict[str, Any]:
        return {**self._head(), "cases": [self._case_json(case) for case in self.cases], "teams": self.teams}

    def json_chunks(self) -> Iterator[str]:
        """`json.dumps(self.as_json(), default=str)`, the same text, in pieces: each distinct cell is
        encoded once however many cases share it, where encoding every cell's dict is most of the
        work of a board of thousands of cases."""
        encode = json.JSONEncoder(default=str).encode  # json.dumps(..., default=str), made once
        yield encode(self._head())[:-1] + ', "cases": ['
        encoded: dict[int, str] = {}
        for n, case in enumerate(self.cases):
            if "cells" in case:  # an element keyed `cells` would shadow the key: take the plain road
                yield (", " if n else "") + encode(self._case_json(case))
                continue
            cells = []
            for element, cell in self.cells.get((case["authority"], case["case_ref"]), {}).items():
                # A cell is keyed by its own element, so the pair's text is the cell's to remember.
                text = encoded.get(id(cell))
                if text is None:
                    text = encoded[id(cell)] = f"{encode(element)}: {encode(cell.as_json())}"
                cells.append(text)
            yield f'{", " if n else ""}{encode(case)[:-1]}, "cells": {{{", ".join(cells)}}}}}'
        yield f'], "teams": {encode(self.teams)}}}'

    def _head(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "statuses": [
                {"key": s.key, "symbol": s.symbol, "label": s.label, "meaning": s.meaning} for s in STATUSES
            ],
            "elements": [e.model_dump() for e in self.elements],
            "authorities": dict(self.authorities),
        }

    def _case_json(self, case: Row) -> Row:
        cells = self.cells.get((case["authority"], case["case_ref"]), {})
        return case | {"cells": {k: c.as_json() for k, c in cells.items()}}


def load_board(
    engine: Engine,
    elements: tuple[Element, ...],
    authorities: Mapping[str, str],
    authority: str | None = None,
    team: str | None = None,
    now: datetime | None = None,
    rules: Mapping[str, TimelinessRules] | None = None,
    case_filter: CaseFilter | None = None,
    cells_per_team: int | None = None,
    current_months: Mapping[str, int] | None = None,
) -> Board:
    """The board from the store's read model, optionally for one authority or team, narrowed by a filter.

    `rules` (per authority) give each cell its review date; without them cells still carry the rest.
    `cells_per_team` builds cells only for each team's first cases (None: every case), for a view
    that shows no more: at thousands of open cases building every cell is most of the wait.
    """
    with _rows_without_cycles():
        return _load_board(
            engine,
            elements,
            authorities,
            authority,
            team,
            now,
            rules,
            case_filter,
            cells_per_team,
            current_months,
        )


@contextmanager
def _rows_without_cycles() -> Iterator[None]:
    """Pause Python's cycle collector while a board is read and built.

    A board of thousands of cases is millions of new tuples, dicts and lists, none in a reference
    cycle; as they pile up the collector walks them all again and again and frees nothing (a fifth
    of the build, measured at 14,000 open cases). Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_board(
    engine: Engine,
    elements: tuple[Element, ...],
    authorities: Mapping[str, str],
    authority: str | None,
    team: str | None,
    now: datetime | None,
    rules: Mapping[str, TimelinessRules] | None,
    case_filter: CaseFilter | None,
    cells_per_team: int | None,
    current_months: Mapping[str, int] | None = None,
) -> Board:
    now = now or datetime.now(UTC)
    case_filter = case_filter or CaseFilter()
    shown = elements
    if case_filter.element:
        shown = tuple(e for e in elements if e.key == case_filter.element)
    keys = [e.key for e in elements]
    # Every cell built: each status row read whole, once. A capped grid: the statuses alone, and
    # the rows of the cases it shows.
    whole = cells_per_team is None
    statuses = (history.status_tuples if whole else history.status_words)(engine, authority, team)
    every, counted = whiteboard_rows(history.open_cases(engine, authority, team), statuses)
    cases = [c for c in every if case_filter.keeps(c, keys)]
    teams = team_counts(cases, [e.key for e in shown] if case_filter.narrows else counted)
    first = _first_per_team(cases, cells_per_team)
    since = add_months(now.astimezone(ENGLAND).date(), -RECENT_MONTHS).isoformat()
    return Board(
        elements=shown,
        authorities=dict(authorities),
        cases=cases,
        teams=teams,
        generated_at=now,
        cells=_cells(
            engine,
            first,
            statuses if whole else None,
            authority,
            team,
            rules or {},
            now.astimezone(ENGLAND).date(),
            current_months,
        ),
        recent=recent_counts(cases, statuses, 6 if whole else 4, since),
    )


DEFAULT_COLUMNS = frozenset(DEFAULT_ELEMENT_KEYS)


def whiteboard_rows(cases: list[Row], statuses: list[Any]) -> tuple[list[Row], list[str]]:
    """The `whiteboard` view's rows, from the open cases (in its order) and their status rows: read
    once, they serve the grid, the team summary and the cells alike, where the two views would each
    join every status row to its case again. Also the elements found, for the summary's counts:
    the view's default columns (each None when a case has no row), then elements an authority
    added (present only where a case has them), by key, as the `team_summary` view counts them."""
    blank = dict.fromkeys(DEFAULT_ELEMENT_KEYS)
    rows = {(c["authority"], c["case_ref"]): c | blank for c in cases}
    added: dict[tuple[str, str], dict[str, str]] = {}
    for row in statuses:  # indexed, not unpacked: a starred target builds a list per row
        case = rows.get(row[:2])
        if case is None:
            continue
        if row[2] in DEFAULT_COLUMNS:
            case[row[2]] = row[3]
        else:
            added.setdefault(row[:2], {})[row[2]] = row[3]
    for key, found in added.items():
        rows[key].update(sorted(found.items()))
    extra = sorted({element for found in added.values() for element in found})
    return list(rows.values()), [*DEFAULT_ELEMENT_KEYS, *extra]


def _first_per_team(cases: list[Row], limit: int | None) -> list[Row]:
    """Each team's first `limit` cases in board order, as `Board.groups` lists them; None: all."""
    if limit is None:
        return cases
    taken: dict[tuple[str, str], int] = {}
    first: list[Row] = []
    for case in cases:
        team = (case["authority"], case["team"] or NO_TEAM)
        if taken.get(team, 0) < limit:
            taken[team] = taken.get(team, 0) + 1
            first.append(case)
    return first


FEW_CASES = 2000
"""Up to this many cases a board reads their records by reference (a capped grid, a caseload); past
it, one pass over every open case of the scope costs less than the lookups."""


def _cells(
    engine: Engine,
    cases: list[Row],
    statuses: list[Any] | None,
    authority: str | None,
    team: str | None,
    rules: Mapping[str, TimelinessRules],
    on: date,
    current_months: Mapping[str, int] | None = None,
) -> dict[CaseKey, dict[str, Cell]]:
    """Each wanted case's cells, from its status rows (read here when not given) and its live
    records, as plain tuples: a few cases' rows by their references, many cases' in one pass."""
    wanted = {(c["authority"], c["case_ref"]) for c in cases}
    if not wanted:
        return {}
    few = wanted if len(wanted) <= FEW_CASES else None
    if statuses is None:
        statuses = history.status_tuples(engine, authority, team, few)
    live: dict[tuple[str, str, str], list[LiveRecord]] = {}
    for row in history.live_evidence_tuples(engine, authority, team, few):
        # (authority, case, element) then (state, date, scale value, source id): a LiveRecord.
        key = row[:3]
        found = live.get(key)
        if found is None:
            live[key] = [row[3:]]
        else:
            found.append(row[3:])
    today = on.isoformat()
    summaries = {key: summarise_live(records, today) for key, records in live.items()}
    cell = CellBook(rules, on, current_months).cell
    cells: dict[CaseKey, dict[str, Cell]] = {}
    for row in statuses:
        key = row[:2]
        if key in wanted:
            found_cells = cells.get(key)
            if found_cells is None:
                found_cells = cells[key] = {}
            found_cells[row[2]] = cell(row, summaries.get(row[:3]))
    return cells


def source_record(row: Mapping[str, Any]) -> SourceRecord:
    """A store evidence row (dates as ISO strings) as the cell model takes it."""
    return SourceRecord(
        source_id=str(row["source_id"]),
        element=str(row["element"]),
        kind=row.get("kind"),
        state=str(row["state"]),
        evidenced_on=date.fromisoformat(str(row["evidenced_on"])[:10]),
        scale_value=row.get("scale_value"),
        deleted_on=date.fromisoformat(str(row["deleted_on"])[:10]) if row.get("deleted_on") else None,
    )
