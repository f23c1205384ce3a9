"""Listings in a terminal (`status`, `runs`, `quarantine`): a table where it fits, else one block per
record wrapped at words. Only rich: `status` must start fast, without the whiteboard behind it."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

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
    # Cells are Text, never markup: a value is shown as written, and a styled one (a Text given)
    # keeps its style in a table and reads as plain words in a block, a pipe or a narrow terminal.
    cells = [[_listing_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i].plain) for r in cells)]) for i, c in enumerate(columns)]
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
        console.print(Text(f"{columns[0]} {row[0].plain}", style="bold"))
        for line in pack(
            [f"{c}: {v.plain}" for c, v in zip(columns[1:], row[1:], strict=True) if v.plain], console.width
        ):
            console.print(Text(line), soft_wrap=True)


def pack(chunks: list[str], width: int, indent: str = "  ") -> list[str]:
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


def _listing_cell(value: Any) -> Text:
    """Timestamps to the minute in UTC, which is all a table needs (`--json` keeps them whole)."""
    if isinstance(value, Text):
        return value
    if value is None:
        return Text("")
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        return Text(text[:16].replace("T", " "))
    return Text(text)
