"""The whiteboard in a terminal: one grid of open cases per team, then the team summary."""

from __future__ import annotations

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
    if sum(widths) + sum(len(h) + 2 for h in headings) + 4 > console.width:
        # Too narrow for words: number the columns and say once what the numbers stand for.
        headings = [str(n) for n in range(1, len(headings) + 1)]
        console.print("  ".join(f"{n} {e.label}" for n, e in zip(headings, board.elements, strict=True)))
    for group in board.groups():
        if group.cases:
            console.print(case_grid(board, group, widths, headings))
    console.print(team_summary(board, headings, compact=_summary_too_wide(board, console.width)))


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
    count = len(group.cases)
    grid = Table(
        title=f"{group.authority_name} · {group.team}: {count} open case{'' if count == 1 else 's'}",
        title_justify="left",
        title_style="bold",
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


def team_summary(board: Board, headings: list[str] | None = None, compact: bool = False) -> Table:
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
        cells = []
        for element in board.elements:
            counts = group.counts.get(element.key, {})
            evidenced = group.evidenced(element.key)
            cell = Text(str(evidenced) if compact else f"{evidenced}/{counts.get('open_cases', 0)}")
            if group.review_due(element.key):
                cell.append(f" ↻{group.review_due(element.key)}", style="yellow")
            if counts.get("overdue"):
                cell.append(f" !{counts['overdue']}", style="bold red")
            cells.append(cell)
        summary.add_row(f"  {group.team}", str(len(group.cases)), *cells)
    return summary
