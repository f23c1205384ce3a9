"""The printable audit pack of one case (the page a collaborative case audit starts from), and the
timeline part of it that other pages showing a case can include.

Self-contained HTML for A4 (and A3) print: the case's elements with their dates, the safety scale as
a trajectory, every record and status change, and a page for the auditors' own notes. It holds what
the store holds and nothing else: no names, no narrative, no worker.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from dashboard.case_measures import render_case_measures
from dashboard.cells import DIRECTION_SYMBOLS
from dashboard.html import environment, fragment
from dashboard.timeline import (
    STATUS_WORDS,
    CaseTimeline,
    ScalePoint,
    record_words,
    status_change_words,
)
from dashboard.whiteboard import STATUS_BY_KEY

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 560, 170, 28


def render_audit_pack(timeline: CaseTimeline) -> str:
    return environment().get_template("audit_pack.html.j2").render(**_context(timeline))


def render_timeline(timeline: CaseTimeline) -> Markup:
    """The timeline part alone (scale trajectory, each element's records and status changes), for a
    page that shows a case, such as the published site's case page."""
    return fragment("timeline.html.j2", **_context(timeline))


def _context(timeline: CaseTimeline) -> dict[str, object]:
    return {
        "t": timeline,
        "looks": STATUS_BY_KEY,
        "status_words": STATUS_WORDS,
        "arrows": DIRECTION_SYMBOLS,
        "record_words": record_words,
        "change_words": status_change_words,
        "chart": scale_chart(timeline.scale),
        "measures": render_case_measures(timeline.measures, printed=True)
        if timeline.measures is not None
        else None,
    }


def write_audit_pack(path: Path, timeline: CaseTimeline) -> None:
    """Write the page whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render_audit_pack(timeline), encoding="utf-8")
    tmp.replace(path)


def scale_chart(points: list[ScalePoint]) -> dict[str, object] | None:
    """Coordinates of the trajectory on a 0-10 axis, spaced by date; the table beside it says the same."""
    if not points:
        return None
    first, last = points[0].on, points[-1].on
    span = max((last - first).days, 1)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    coords = [
        (
            CHART_PAD + (inner_w * (p.on - first).days / span if len(points) > 1 else inner_w / 2),
            CHART_PAD + inner_h * (10 - p.value) / 10,
            p,
        )
        for p in points
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "points": coords,
        "line": " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords),
        "grid": [(v, CHART_PAD + inner_h * (10 - v) / 10) for v in (0, 5, 10)],
    }
