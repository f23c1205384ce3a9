"""The static HTML whiteboard: one self-contained page, no external assets, status by text and symbol.

Made to be pinned up: it prints on A3 landscape with its colours, and on screen it filters by team
without a server. Its data is the board alone (the store's views), so it names no worker.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from dashboard.whiteboard import CASE_TYPE_LABELS, STATUS_BY_KEY, STATUSES, Board


def _day(value: Any) -> str:
    """`2026-03-04` as `4 Mar 2026`: unambiguous on a wall, whatever the reader's habits."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day:%b %Y}"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dashboard", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = _day
    return env


def render_whiteboard(board: Board) -> str:
    groups = board.groups()
    return (
        _environment()
        .get_template("whiteboard.html.j2")
        .render(
            board=board,
            groups=groups,
            elements=board.elements,
            statuses=STATUSES,
            looks=STATUS_BY_KEY,
            case_types=CASE_TYPE_LABELS,
            authorities=sorted({g.authority for g in groups}),
            generated=f"{board.generated_at.day} {board.generated_at:%b %Y, %H:%M} UTC",
        )
    )


def write_whiteboard(path: Path, board: Board) -> None:
    """Write the page whole or not at all, so a page pinned from a share is never half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render_whiteboard(board), encoding="utf-8")
    tmp.replace(path)
