"""The team summary counts cases due a review apart from those evidenced."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.caseload import team_counts
from dashboard.whiteboard import Board
from mapping.elements import DEFAULT_ELEMENTS


def test_review_due_is_counted_apart_from_evidenced() -> None:
    cases = [
        {"authority": "la", "case_ref": f"C{n}", "team": "North", "case_type": "cp", "mapping": status}
        for n, status in enumerate(["evidenced", "review_due", "review_due", "overdue"])
    ]
    board = Board(DEFAULT_ELEMENTS, {"la": "LA"}, cases, team_counts(cases, ["mapping"]), datetime.now(UTC))
    [north] = board.groups()
    assert north.evidenced("mapping") == 1
    assert north.review_due("mapping") == 2
    assert north.counts["mapping"]["open_cases"] == 4
