"""The whiteboard and the listings in a terminal: fitted to its width, never cutting a word.

Where a table's columns fit the terminal it is a table; where they don't, each record is a block of
`label value` pairs wrapped at word boundaries, and team names stand on their own line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dashboard.whiteboard import CASE_TYPE_LABELS, STATUS_BY_KEY, STATUSES, Board, Row, TeamGroup


def print_board(board: Board, console: Console | None = None) -> None:
    """The grid of open cases, one table per team, then the team summary."""
    console = console or Console()
    console.print(Text(f"Whiteboard: {len(board.cases)} open cases", style="bold"))
    console.print(legend())
    widths = (
        max((len(str(c["case_ref"])) for c in board.cases), default=4),
        max((len(_case_type(c)) for c in board.cases), default=4),
    )
    headings = [short_label(e.label) for e in board.elements]
    # Each column is padded by one space a side; the box adds one more at each edge.
    needed = sum(max(w, 4) + 2 for w in widths) + sum(len(h) + 2 for h in headings) + 2
    if needed > console.width:
        # Too narrow for words: number the columns and say once what the numbers stand for.
        headings = [str(n) for n in range(1, len(headings) + 1)]
        console.print("  ".join(f"{n} {e.label}" for n, e in zip(headings, board.elements, strict=True)))
    for group in board.groups():
        if group.cases:
            console.print()
            console.print(grid_title(group), style="bold")
            console.print(case_grid(board, group, widths, headings))
    if _summary_too_wide(board, console.width):
        print_narrow_summary(board, headings, console)
    else:
        console.print(team_summary(board, headings))


def _summary_too_wide(board: Board, width: int) -> bool:
    """Whether `12/13 !1` cells would overflow: then cells drop the `/13` the Open column repeats."""
    team = max((len(g.team) for g in board.groups()), default=8) + 2
    return team + 6 + len(board.elements) * 10 > width


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


def _cell(status: object) -> Text:
    look = STATUS_BY_KEY.get(str(status)) if status else None
    return Text(look.symbol, style=look.colour) if look else Text("-", style="dim")


def _case_type(case: Row) -> str:
    return CASE_TYPE_LABELS.get(str(case["case_type"]), str(case["case_type"]))


def _headings(board: Board, headings: list[str] | None) -> list[str]:
    return headings or [short_label(e.label) for e in board.elements]


def case_grid(
    board: Board, group: TeamGroup, widths: tuple[int, int] = (4, 4), headings: list[str] | None = None
) -> Table:
    """One team's open cases; fixed column widths, so every team's table lines up with the next."""
    grid = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    grid.add_column("Case", no_wrap=True, min_width=widths[0])
    grid.add_column("Type", no_wrap=True, min_width=widths[1])
    for heading in _headings(board, headings):
        grid.add_column(heading, justify="center", no_wrap=True)
    for case in group.cases:
        grid.add_row(
            str(case["case_ref"]),
            _case_type(case),
            *[_cell(case.get(e.key)) for e in board.elements],
        )
    return grid


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


PROSE_MIN_WIDTH = 24
"""The narrowest a prose column (a reason, an error) may wrap to before a table gives way to blocks."""


def print_listing(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    console: Console | None = None,
    prose: Sequence[str] = (),
) -> None:
    """A table where every column fits whole; else one block per record, wrapped at words.

    Columns named in `prose` (sentences such as a run's error) may wrap at words inside the table,
    as long as each keeps `PROSE_MIN_WIDTH` characters; every other column stays whole. The block
    starts with the record's first column, then `label value` pairs packed into lines. Empty values
    are left out of a block: it lists what the record has.
    """
    console = console or Console()
    cells = [[_listing_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    wraps = [c in prose for c in columns]
    least = [
        min(w, max(PROSE_MIN_WIDTH, len(c))) if wrap else w
        for w, wrap, c in zip(widths, wraps, columns, strict=True)
    ]
    if sum(least) + 2 * (len(columns) - 1) <= console.width:
        # No rules between columns: two spaces apart, headings underlined, so more columns fit.
        table = Table(
            title=title,
            title_justify="left",
            title_style="bold",
            box=None,
            padding=(0, 1),
            pad_edge=False,
            header_style="bold underline",
        )
        for column, wrap, width in zip(columns, wraps, least, strict=True):
            table.add_column(column, no_wrap=not wrap, min_width=width, overflow="fold")
        for row in cells:
            table.add_row(*row)
        console.print(table)
        return
    console.print(title, style="bold")
    for row in cells:
        console.print()
        console.print(Text(f"{columns[0]} {row[0]}", style="bold"))
        for line in _pack(
            [f"{c}: {v}" for c, v in zip(columns[1:], row[1:], strict=True) if v], console.width
        ):
            console.print(Text(line), soft_wrap=True)


def _pack(chunks: list[str], width: int, indent: str = "  ") -> list[str]:
    """Chunks joined two spaces apart into lines of at most `width`; a long chunk wraps at its words."""
    lines: list[str] = []
    current = ""
    for chunk in chunks:
        if current and len(indent) + len(current) + 2 + len(chunk) <= width:
            current += "  " + chunk
            continue
        if current:
            lines.append(indent + current)
            current = ""
        if len(indent) + len(chunk) <= width:
            current = chunk
        else:
            wrapped = textwrap.wrap(
                chunk, width - len(indent) - 2, break_long_words=False, break_on_hyphens=False
            )
            lines.append(indent + wrapped[0])
            lines.extend(indent + "  " + part for part in wrapped[1:])
    if current:
        lines.append(indent + current)
    return lines


def _listing_cell(value: Any) -> str:
    """Timestamps to the minute in UTC, which is all a table needs (`--json` keeps them whole)."""
    if value is None:
        return ""
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        return text[:16].replace("T", " ")
    return text
