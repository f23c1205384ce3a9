"""Westvale's collaborative case audits: the quality assurance team's spreadsheet, saved as CSV into
the drop folder. Its own three-grade scale (Good, Requires improvement, Inadequate), UK dates, the
attendees' roles in one cell separated by semicolons, and a grade per practice area.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta

from demo.measures import FAMILY, ROLE_WORDS, CaseAudit, Measures, on_scale
from demo.population import Caseload, DemoCase

AUDITS_GLOB = "qa/*.csv"
GRADES = ("Inadequate", "Requires improvement", "Good")
"""Lowest first, so a quality's rank on the scale indexes it."""
GRADE_MAP = "{Good: good, Requires improvement: requires_improvement, Inadequate: inadequate}"
"""The authority file's map from the spreadsheet's words to its audit_scale codes."""
COLUMNS = (
    "Audit ref",
    "Child ID",
    "Audit date",
    "Overall grade",
    "Family participation",
    "Attendees",
    "Danger statements",
    "Safety goals",
    "Safety planning",
)


def _uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _row(audit: CaseAudit, child: str) -> list[str]:
    areas = dict(audit.areas)
    return [
        f"QA-{audit.number + 1:04d}",
        child,
        _uk(audit.audited_on),
        GRADES[on_scale(audit.quality, len(GRADES))],
        FAMILY[audit.family],
        "; ".join(ROLE_WORDS[role] for role in audit.participants),
        *(
            GRADES[on_scale(areas[a], len(GRADES))]
            for a in ("danger_statements", "safety_goals", "safety_planning")
        ),
    ]


def audits_csv(caseload: Caseload, measures: Measures, child_id: Callable[[DemoCase], str]) -> str:
    """The spreadsheet, oldest audit first, with one row graded on no grade of the scale."""
    rows = [
        _row(a, child_id(a.case)) for a in sorted(measures.audits, key=lambda a: (a.audited_on, a.number))
    ]
    if caseload.cases:
        yesterday = caseload.as_of - timedelta(days=1)
        someone = child_id(caseload.cases[len(caseload.cases) // 5])
        rows.append(["QA-9001", someone, _uk(yesterday), "Adequate", "Yes", "Social worker", "", "", ""])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()
