"""A team against its own past, week by week: per element, the share evidenced, how many overdue and
the median days from a case opening to its first evidence. From the status change log alone.

A week the log does not reach shows no figure rather than a zero: an absent history is not a bad one.
Teams are compared with each other only when asked; the default is one team and its own weeks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dashboard.changes import StatusChange, spells, status_on
from mapping.elements import Element
from mapping.schema import Status

EVIDENCED = (Status.EVIDENCED, Status.REVIEW_DUE)


@dataclass(frozen=True)
class CaseSpan:
    """When a case was open, so each week counts only the cases open at its end."""

    authority: str
    case_ref: str
    opened_on: date
    closed_on: date | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CaseSpan:
        """From a store case row: dates as ISO strings."""
        closed = row.get("closed_on")
        return cls(
            str(row["authority"]),
            str(row["case_ref"]),
            date.fromisoformat(str(row["opened_on"])[:10]),
            date.fromisoformat(str(closed)[:10]) if closed else None,
        )

    def open_on(self, day: date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or day < self.closed_on)


@dataclass(frozen=True)
class Week:
    """One element's standing at the end of one week."""

    ending: date
    recorded: int
    """Open cases with a status for the element in the log that day: the denominator."""
    evidenced: int
    review_due: int
    overdue: int
    days_to_evidence: tuple[int, ...]
    """For each case first evidenced during the week, days from its opening."""

    @property
    def share_evidenced(self) -> float | None:
        return self.evidenced / self.recorded if self.recorded else None

    @property
    def median_days_to_evidence(self) -> float | None:
        return float(median(self.days_to_evidence)) if self.days_to_evidence else None

    def as_json(self) -> dict[str, Any]:
        return {
            "week_ending": self.ending.isoformat(),
            "recorded": self.recorded,
            "evidenced": self.evidenced,
            "review_due": self.review_due,
            "overdue": self.overdue,
            "share_evidenced": None if self.share_evidenced is None else round(self.share_evidenced, 3),
            "median_days_to_evidence": self.median_days_to_evidence,
            "first_evidenced_this_week": len(self.days_to_evidence),
        }


def week_endings(today: date, weeks: int) -> list[date]:
    """The last `weeks` week ends, oldest first, the latest being today."""
    return [today - timedelta(days=7 * n) for n in range(weeks - 1, -1, -1)]


def weekly(
    changes: Iterable[StatusChange],
    cases: Sequence[CaseSpan],
    elements: Sequence[str],
    endings: Sequence[date],
) -> dict[str, list[Week]]:
    """Per element, one Week per week ending, counting only these cases (one team's, usually)."""
    by_key = spells(changes)
    result: dict[str, list[Week]] = {}
    for element in elements:
        histories = [(case, by_key.get((case.authority, case.case_ref, element), [])) for case in cases]
        firsts = [(case, _first_evidenced(h)) for case, h in histories]
        row = []
        for ending in endings:
            held = [status_on(h, ending) for case, h in histories if case.open_on(ending)]
            known = [s for s in held if s is not None]
            start = ending - timedelta(days=6)
            days = tuple(
                sorted(
                    (first - case.opened_on).days
                    for case, first in firsts
                    if first and start <= first <= ending
                )
            )
            row.append(
                Week(
                    ending=ending,
                    recorded=len(known),
                    evidenced=sum(1 for s in known if s is Status.EVIDENCED),
                    review_due=sum(1 for s in known if s is Status.REVIEW_DUE),
                    overdue=sum(1 for s in known if s is Status.OVERDUE),
                    days_to_evidence=days,
                )
            )
        result[element] = row
    return result


def _first_evidenced(history: list[StatusChange]) -> date | None:
    """The day the element turned evidenced within the log; None when it already was on the log's
    first day for it (the log's start is not the day of the evidence) or never was."""
    if not history or history[0].status in EVIDENCED:
        return None
    return next((c.from_date for c in history if c.status in EVIDENCED), None)


def trends_json(team: str, endings: Sequence[date], found: Mapping[str, list[Week]]) -> dict[str, Any]:
    return {
        "team": team,
        "weeks": [e.isoformat() for e in endings],
        "elements": {element: [w.as_json() for w in weeks] for element, weeks in found.items()},
    }


def print_trends(
    title: str,
    endings: Sequence[date],
    found: Mapping[str, list[Week]],
    elements: Sequence[Element],
    console: Console | None = None,
) -> None:
    """Three small tables, weeks across: share evidenced, overdue, median days to first evidence."""
    console = console or Console()
    console.print(Text(title, style="bold"))
    measures = (
        ("Share evidenced (review due counted apart)", lambda w: _percent(w.share_evidenced)),
        ("Overdue", lambda w: "-" if not w.recorded else str(w.overdue)),
        (
            "Median days from opening to first evidence (how many cases were first evidenced that week)",
            _median,
        ),
    )
    for caption, figure in measures:
        narrow = console.width < 100
        table = Table(
            title=caption,
            title_justify="left",
            title_style="bold",
            padding=(0, 1),
            box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
            show_edge=not narrow,
            collapse_padding=narrow,
            pad_edge=not narrow,
        )
        table.add_column("Element", no_wrap=True)
        for ending in endings:
            # At 80 columns eight weeks fit only as day/month.
            heading = f"{ending.day}/{ending.month}" if narrow else f"{ending.day} {ending:%b}"
            table.add_column(heading, justify="right", no_wrap=True)
        for element in elements:
            if element.key in found:
                table.add_row(element.label, *[figure(w) for w in found[element.key]])
        console.print(table)
    console.print("- : the status change log does not reach that week, or nothing happened to measure")


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{round(share * 100)}%"


def _median(week: Week) -> str:
    value = week.median_days_to_evidence
    return "-" if value is None else f"{round(value)} ({len(week.days_to_evidence)})"
