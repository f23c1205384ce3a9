"""The whiteboard and the listings in a terminal: fitted to its width, never cutting a word.

Where a table's columns fit the terminal it is a table; where they don't, each record is a block of
`label value` pairs wrapped at word boundaries, and team names stand on their own line.
"""

from __future__ import annotations

from dataclasses import replace

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dashboard.listing import pack
from dashboard.whiteboard import (
    CASE_TYPE_LABELS,
    CASES_PER_TEAM,
    STATUS_BY_KEY,
    STATUSES,
    Board,
    Row,
    TeamGroup,
)

MARKS_FROM_WIDTH = 120
"""Below this many columns a cell is its symbol alone; from it, the cell's marks follow where they fit."""

MARKS_KEY = (
    "Marks: 6 ↑ latest safety scale, 0-10, and its direction (↑ up, ↓ down, → same);",
    "late n wd: first completed n working days after the due date;",
    "draft: a draft since the last completed record;",
    "planned 8 Dec: a record dated ahead;",
    "no deadline: the authority sets none.",
    "`case AUTHORITY REF` says one case in full.",
)


def print_board(
    board: Board,
    console: Console | None = None,
    cases_per_team: int | None = CASES_PER_TEAM,
    compare: bool = False,
) -> None:
    """Each team on its own: its summary, one element a line, then its grid of open cases, at most
    `cases_per_team` rows (None: every case) with a line on how to see the rest. Teams' tallies stand
    side by side in one summary only with `compare`: the point is how a team moves, not where it ranks."""
    console = console or Console()
    count = len(board.cases)
    console.print(Text(f"Whiteboard: {count} open case{'' if count == 1 else 's'}", style="bold"))
    console.print(legend())
    widths = (
        max((len(str(c["case_ref"])) for c in board.cases), default=4),
        max((len(_case_type(c)) for c in board.cases), default=4),
    )
    headings = [short_label(e.label) for e in board.elements]
    wide = console.width >= MARKS_FROM_WIDTH
    marks = wide and _grid_width(board, widths, headings, True) <= console.width
    if wide:
        for line in pack(list(MARKS_KEY), console.width, indent=""):
            console.print(Text(line), soft_wrap=True)
    if not marks and _grid_width(board, widths, headings, False) > console.width:
        # Too narrow for words: number the columns and say once what the numbers stand for.
        headings = [str(n) for n in range(1, len(headings) + 1)]
        console.print("  ".join(f"{n} {e.label}" for n, e in zip(headings, board.elements, strict=True)))
    if not compare:
        console.print(Text(RECENT_KEY))
    if compare and _summary_too_wide(board, headings, console.width):
        print_narrow_summary(board, headings, console)
    elif compare:
        console.print(team_summary(board, headings))
    widest = _widest_cells(board, marks)
    for group in board.groups():
        if group.cases:
            console.print()
            console.print(grid_title(group), style="bold")
            if not compare:
                console.print(own_summary(board, group))
            shown = group if cases_per_team is None else replace(group, cases=group.cases[:cases_per_team])
            console.print(case_grid(board, shown, widths, headings, marks, widest))
            if wide and not marks:
                print_case_marks(board, shown, console)
            if len(shown.cases) < len(group.cases):
                console.print(_more_line(group, len(group.cases) - len(shown.cases)))


RECENT_HEADING = "✓ 3 mo"
RECENT_KEY = (
    f"{RECENT_HEADING}: open cases whose latest completed record is from the last 3 months, whatever "
    "the status; ✓ counts every tick, however old."
)


def own_summary(board: Board, group: TeamGroup) -> Table:
    """One team's counts, one element a line, with the ticks of the last 3 months beside every tick:
    fits 80 columns and sets no other team beside it."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), show_edge=False)
    table.add_column("Element", no_wrap=True)
    for look in STATUSES:
        table.add_column(Text(look.symbol, style=look.colour), justify="right", no_wrap=True)
    table.add_column("of", justify="right", no_wrap=True)
    table.add_column(RECENT_HEADING, justify="right", no_wrap=True)
    for element in board.elements:
        counts = group.counts.get(element.key, {})
        table.add_row(
            element.label,
            *[str(counts.get(look.key, 0)) for look in STATUSES],
            str(counts.get("open_cases", 0)),
            str(group.recent(element.key)),
        )
    return table


def _more_line(group: TeamGroup, hidden: int) -> Text:
    return Text(
        f"{hidden} more open case{'' if hidden == 1 else 's'} in {group.team}: "
        f'sofs-sync dashboard {group.authority} --team "{group.team}" lists them all, '
        "--json gives every case",
        style="dim",
    )


def _grid_width(board: Board, widths: tuple[int, int], headings: list[str], marks: bool) -> int:
    """Columns the case grid needs: each column padded by one space a side, a space between columns
    and one more at each edge."""
    widest = _widest_cells(board, marks)
    cells = [max(len(h), w) for h, w in zip(headings, widest, strict=True)]
    return sum(max(w, 4) + 3 for w in widths) + sum(w + 3 for w in cells) + 1


def _widest_cells(board: Board, marks: bool) -> list[int]:
    """Per element, the board's widest grid cell. Without marks a cell is one symbol; with them only
    cases whose cells were built carry marks, the rest are one symbol too, so only those are measured."""
    if not marks or not board.cases:
        return [1 for _ in board.elements]
    built = [c for c in board.cases if (c["authority"], c["case_ref"]) in board.cells]
    return [max((len(_cell(board, c, e.key, True)) for c in built), default=1) for e in board.elements]


def _summary_too_wide(board: Board, headings: list[str], width: int) -> bool:
    """Whether the one-table summary, `12/13 !1` cells and each team's name on its row, would overflow:
    then each team's name stands on its own line and cells drop the `/13` the Open column repeats."""
    groups = board.groups()
    team = max([4, *(len(g.team) + 2 for g in groups), *(len(g.authority) for g in groups)])
    cells = [
        max([len(h), *(len(_summary_cell(g, e.key, compact=False)) for g in groups)])
        for h, e in zip(headings, board.elements, strict=True)
    ]
    # Each column is padded by one space a side with a space between; one more at each edge.
    return team + 3 + 7 + sum(c + 3 for c in cells) + 1 > width


GENERIC_WORDS = frozenset({"safety", "statement", "with", "and", "the", "of"})


def short_label(label: str) -> str:
    """A column heading a terminal has room for: `Danger statement` -> `Danger`, `Safety plan` -> `Plan`."""
    words = label.split()
    telling = [w for w in words if w.lower() not in GENERIC_WORDS] or words or [label]
    return telling[0].capitalize()[:8]


def legend() -> Text:
    text = Text()
    for look in STATUSES:
        text.append(f"{look.symbol} ", style=look.colour).append(f"{look.label}   ")
    return text


def _cell(board: Board, case: Row, element: str, marks: bool = False) -> Text:
    """The status symbol, and with `marks` the cell's short marks after it: `✓ 6 ↑ late 3 wd`."""
    status = case.get(element)
    look = STATUS_BY_KEY.get(str(status)) if status else None
    if look is None:
        return Text("-", style="dim")
    text = Text(look.symbol, style=look.colour)
    found = board.cell(case, element) if marks else None
    if found is not None and found.marks():
        text.append(" " + "  ".join(found.marks()))
    return text


def _case_type(case: Row) -> str:
    return CASE_TYPE_LABELS.get(str(case["case_type"]), str(case["case_type"]))


def _headings(board: Board, headings: list[str] | None) -> list[str]:
    return headings or [short_label(e.label) for e in board.elements]


def case_grid(
    board: Board,
    group: TeamGroup,
    widths: tuple[int, int] = (4, 4),
    headings: list[str] | None = None,
    marks: bool = False,
    widest: list[int] | None = None,
) -> Table:
    """One team's open cases; fixed column widths, so every team's table lines up with the next.

    `widest` is `_widest_cells(board, marks)`, measured once per board when a caller draws every team."""
    grid = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    grid.add_column("Case", no_wrap=True, min_width=widths[0])
    grid.add_column("Type", no_wrap=True, min_width=widths[1])
    # With marks every team's column is as wide as the board's widest cell, so the tables line up.
    widest = (widest or _widest_cells(board, True)) if marks else None
    for n, heading in enumerate(_headings(board, headings)):
        width = widest[n] if widest is not None else None
        grid.add_column(heading, justify="left" if marks else "center", no_wrap=True, min_width=width)
    for case in group.cases:
        grid.add_row(
            str(case["case_ref"]),
            _case_type(case),
            *[_cell(board, case, e.key, marks) for e in board.elements],
        )
    return grid


def print_case_marks(board: Board, group: TeamGroup, console: Console) -> None:
    """Where the grid has no room for marks in its cells: each case's marks beneath it, element by
    element, wrapped between marks and never inside one."""
    ref_width = max(len(str(c["case_ref"])) for c in group.cases)
    indent = " " * (ref_width + 4)
    for case in group.cases:
        chunks = []
        for element in board.elements:
            found = board.cell(case, element.key)
            if found is not None and found.marks():
                chunks.append(f"{short_label(element.label)}: {', '.join(found.marks())};")
        if chunks:
            # The reference stands in the first line's indent; a continued line stays under the marks.
            lines = pack(chunks, console.width, indent)
            lines[0] = f"  {str(case['case_ref']).ljust(ref_width)}  {lines[0][len(indent) :]}"
            for line in lines:
                console.print(Text(line), soft_wrap=True)


def grid_title(group: TeamGroup) -> str:
    count = len(group.cases)
    return f"{group.authority_name} · {group.team}: {count} open case{'' if count == 1 else 's'}"


def _summary_cell(group: TeamGroup, element: str, compact: bool) -> Text:
    counts = group.counts.get(element, {})
    evidenced = group.evidenced(element)
    cell = Text(str(evidenced) if compact else f"{evidenced}/{counts.get('open_cases', 0)}")
    if group.review_due(element):
        cell.append(f" ↻{group.review_due(element)}", style="yellow")
    if counts.get("overdue"):
        cell.append(f" !{counts['overdue']}", style="bold red")
    return cell


def print_narrow_summary(board: Board, headings: list[str] | None, console: Console) -> None:
    """The team summary for a narrow terminal: each team's name on its own line, its counts below."""
    headings = _headings(board, headings)
    rows = {g.key: [_summary_cell(g, e.key, compact=True) for e in board.elements] for g in board.groups()}
    widths = [max([len(h), *(len(cells[i]) for cells in rows.values())]) for i, h in enumerate(headings)]
    console.print()
    console.print("Team summary: open cases with the element evidenced, of all open cases", style="bold")
    header = Text("    Open")
    for heading, width in zip(headings, widths, strict=True):
        header.append(" " + heading.rjust(width))
    console.print(header, style="bold")
    authority = None
    for group in board.groups():
        if group.authority != authority:
            authority = group.authority
            console.print(Text(group.authority_name, style="bold"))
        console.print(Text(f"  {group.team}"))
        line = Text(f"    {len(group.cases):>4}")
        for cell, width in zip(rows[group.key], widths, strict=True):
            line.append(" " * (1 + width - len(cell))).append(cell)
        console.print(line, no_wrap=True)
    console.print(
        Text("n: evidenced of the Open cases;  ↻n review due;  ")
        + Text("!n", style="bold red")
        + Text(" overdue")
    )


def team_summary(board: Board, headings: list[str] | None = None, compact: bool = False) -> Table:
    """The summary as one table, for a terminal wide enough for each team's name on its row."""
    key = "n: evidenced of the Open cases" if compact else "n/m: evidenced of open cases"
    summary = Table(
        title="Team summary: open cases with the element evidenced, of all open cases",
        caption=Text(f"{key};  ↻n review due;  ") + Text("!n", style="bold red") + Text(" overdue"),
        title_justify="left",
        title_style="bold",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    summary.add_column("Team", no_wrap=not compact, max_width=16 if compact else None)
    summary.add_column("Open", justify="right", no_wrap=True)
    for heading in _headings(board, headings):
        summary.add_column(heading, justify="center", no_wrap=True)
    authority = None
    for group in board.groups():
        if group.authority != authority:
            authority = group.authority
            summary.add_row(Text(group.authority, style="bold"))
        cells = [_summary_cell(group, element.key, compact) for element in board.elements]
        summary.add_row(f"  {group.team}", str(len(group.cases)), *cells)
    return summary
