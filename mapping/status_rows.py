"""Fast twin of mapping.status.case_status_values; held equal by tests/core/test_status_rows.py.

Settling a run computes the statuses of every case it touched, thousands at a time, from rows as
the store gives them. The rules are `mapping.status`'s, unchanged; this twin takes them once per
run rather than once per case: each element's rule and review interval are looked up once, a due
date is worked out once per element and case dates and then remembered, and records stay plain
tuples with their state as the store writes it. It gives each status as the row the store keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from mapping.schema import CaseType, EvidenceState, Status
from mapping.status import COUNTING_STATE_VALUES, StatusCase
from mapping.timeliness import ElementRule, TimelinessRules, due_date

EvidenceRow = tuple[str, str, date, int | None, str]
"""One stored record as the rules read it: element, state (as stored), evidenced on, scale value,
source id."""

StatusRow = tuple[str, str, str, date | None, date | None, date | None, int, int | None]
"""One element status as the store keeps it: case ref, element, status (as stored), first and last
evidenced, due, evidence count, latest scale value."""

_CANCELLED = EvidenceState.CANCELLED.value
_EVIDENCED, _REVIEW_DUE = Status.EVIDENCED.value, Status.REVIEW_DUE.value
_OVERDUE, _IN_PROGRESS, _NOT_STARTED = (
    Status.OVERDUE.value,
    Status.IN_PROGRESS.value,
    Status.NOT_STARTED.value,
)
_ON, _SCALE = 2, 3
_DUE_DATES_KEPT = 65536
"""Due dates remembered at most: a run meets a few hundred distinct case dates per element."""


def _record_order(row: EvidenceRow) -> tuple[date, int, str]:
    # mapping.status.evidence_order, on a row.
    return (row[2], -1 if row[3] is None else row[3], row[4])


class CaseStatusRows:
    """The status rows of cases under one catalogue, one authority's rules and one date."""

    def __init__(self, elements: Sequence[str], rules: TimelinessRules, on: date) -> None:
        self.on = on
        self._plan: list[tuple[str, ElementRule | None, timedelta | None]] = [
            (element, rule, _review_after(rule)) for element in elements for rule in (rules.get(element),)
        ]
        self._due: dict[tuple[str, CaseType, date, date | None], date | None] = {}

    def of_case(self, case_ref: str, case: StatusCase, evidence: Iterable[EvidenceRow]) -> list[StatusRow]:
        """Every catalogue element's status row for one case, in catalogue order."""
        by_element: dict[str, list[EvidenceRow]] = {}
        for record in evidence:
            by_element.setdefault(record[0], []).append(record)
        as_of = min(self.on, case.closed_on) if case.closed_on else self.on
        found: list[StatusRow] = []
        for element, rule, review_after in self._plan:
            records = by_element.get(element)
            if records is None and rule is None:
                found.append((case_ref, element, _NOT_STARTED, None, None, None, 0, None))
                continue
            due_on = self._due_on(element, rule, case) if rule is not None else None
            done = []
            relevant = False
            for record in records or ():
                if record[1] == _CANCELLED or record[2] > as_of:
                    continue
                relevant = True
                if record[1] in COUNTING_STATE_VALUES:
                    done.append(record)
            if done:
                if len(done) > 1:
                    done.sort(key=_record_order)
                first_on, last_on = done[0][2], done[-1][2]
                due_review = review_after is not None and as_of > last_on + review_after
                scales = [record[3] for record in done if record[3] is not None]
                scale = scales[-1] if scales else None
                status = _REVIEW_DUE if due_review else _EVIDENCED
                found.append((case_ref, element, status, first_on, last_on, due_on, len(done), scale))
            elif due_on is not None and as_of > due_on:
                found.append((case_ref, element, _OVERDUE, None, None, due_on, 0, None))
            else:
                status = _IN_PROGRESS if relevant else _NOT_STARTED
                found.append((case_ref, element, status, None, None, due_on, 0, None))
        return found

    def _due_on(self, element: str, rule: ElementRule, case: StatusCase) -> date | None:
        # Cases opened the same day share due dates: each is worked out once per run.
        key = (element, case.case_type, case.opened_on, case.cp_plan_start)
        try:
            return self._due[key]
        except KeyError:
            if len(self._due) >= _DUE_DATES_KEPT:
                self._due.clear()
            due_on = self._due[key] = due_date(rule, case)
            return due_on


def _review_after(rule: ElementRule | None) -> timedelta | None:
    """How long after its last evidence an element may go before it is due a review: a review falls
    due the day after the interval has run (mapping.status.review_due_on)."""
    if rule is None or rule.review_every_days is None:
        return None
    return timedelta(days=rule.review_every_days)
