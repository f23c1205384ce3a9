"""Element status per case: a pure function of the case, its evidence, the LA's rules and a date.

States are taken as the source recorded them. A draft is `in_progress`, never `evidenced`; cancelled
records never count; a late element stays visibly late (first evidenced after its due date) rather
than being hidden, because the whiteboard is for learning, not for scoring.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from mapping.schema import Case, ElementStatus, Evidence, EvidenceState, Status
from mapping.timeliness import ElementRule, TimelinessRules, due_date


def element_status(
    element: str, case: Case, evidence: Iterable[Evidence], rule: ElementRule | None, on: date
) -> ElementStatus:
    """The status of one element of one case as it stands on `on`."""
    as_of = min(on, case.closed_on) if case.closed_on else on
    relevant = [
        e
        for e in evidence
        if e.element == element and e.state is not EvidenceState.CANCELLED and e.evidenced_on <= as_of
    ]
    done = sorted((e for e in relevant if e.state.counts_as_evidence), key=_evidence_order)
    due_on = due_date(rule, case) if rule else None

    if done:
        last = done[-1]
        review_days = rule.review_every_days if rule else None
        needs_review = review_days is not None and as_of > last.evidenced_on + timedelta(days=review_days)
        scaled = [e for e in done if e.scale_value is not None]
        return ElementStatus(
            element=element,
            status=Status.REVIEW_DUE if needs_review else Status.EVIDENCED,
            first_evidenced_on=done[0].evidenced_on,
            last_evidenced_on=last.evidenced_on,
            due_on=due_on,
            evidence_count=len(done),
            latest_scale_value=scaled[-1].scale_value if scaled else None,
        )

    if due_on is not None and as_of > due_on:
        status = Status.OVERDUE
    elif relevant:
        status = Status.IN_PROGRESS
    else:
        status = Status.NOT_STARTED
    return ElementStatus(element=element, status=status, due_on=due_on, evidence_count=0)


def case_statuses(
    case: Case,
    evidence: Iterable[Evidence],
    elements: Sequence[str],
    rules: TimelinessRules,
    on: date,
) -> list[ElementStatus]:
    """Every catalogue element's status for one case, in catalogue order."""
    records = list(evidence)
    return [element_status(key, case, records, rules.get(key), on) for key in elements]


def _evidence_order(e: Evidence) -> tuple[date, int, str]:
    # A total order, so that "latest scale value" does not depend on the order records arrived in.
    return (e.evidenced_on, -1 if e.scale_value is None else e.scale_value, e.source_id)
