"""The static HTML whiteboard: one self-contained page, no external assets, status by text and symbol."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from mapping.elements import Element

STATUS_ORDER = ("evidenced", "review_due", "in_progress", "not_started", "overdue")
STATUS_TEXT = {
    "evidenced": ("✔", "Evidenced"),
    "review_due": ("↻", "Review due"),
    "in_progress": ("…", "In progress"),
    "not_started": ("·", "Not started"),
    "overdue": ("!", "Overdue"),
}


def render_whiteboard(
    elements: tuple[Element, ...],
    cases: list[dict[str, Any]],
    teams: list[dict[str, Any]],
    generated_at: datetime | None = None,
) -> str:
    env = Environment(loader=PackageLoader("sync", "templates"), autoescape=select_autoescape(["html", "j2"]))
    team_names = sorted({str(c["team"] or "(no team)") for c in cases})
    return env.get_template("whiteboard.html.j2").render(
        elements=elements,
        cases=cases,
        teams=teams,
        team_names=team_names,
        statuses=STATUS_ORDER,
        status_text=STATUS_TEXT,
        generated_at=(generated_at or datetime.now(UTC)).strftime("%d %b %Y %H:%M UTC"),
    )


def write_whiteboard(
    path: Path, elements: tuple[Element, ...], cases: list[dict[str, Any]], teams: list[dict[str, Any]]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render_whiteboard(elements, cases, teams), encoding="utf-8")
    tmp.replace(path)
