"""Element status per case: a pure function of the case, its evidence, the LA's rules and a date.

States are taken as the source recorded them. A draft is `in_progress`, never `evidenced`; cancelled
records never count; a late element stays visibly late (first evidenced after its due date) rather
than being hidden, because the whiteboard is for learning, not for scoring.

The function reads only a few facts of each record (`StatusCase`, `StatusEvidence`), so the
write side can settle thousands of cases from plain rows without building a schema model each.
The read side explains a status with the same pieces of the rule, from here: what counts as
evidence (`COUNTING_STATE_VALUES`), the order of an element's records (`evidence_order`) and when a
review falls due (`review_due_on`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Protocol, TypeVar

from mapping.schema import ElementStatus, EvidenceState, Status
from mapping.timeliness import DatedCase, ElementRule, TimelinessRules, due_date

STATUS_FIELDS = tuple(name for name in ElementStatus.model_fields if name != "element")
"""The order of a `StatusValues` tuple: the stored columns of an element status."""

StatusValues = tuple[Status, date | None, date | None, date | None, int, int | None]


class StatusCase(DatedCase, Protocol):
    @property
    def closed_on(self) -> date | None: ...


class StatusEvidence(Protocol):
    @property
    def source_id(self) -> str: ...
    @property
    def element(self) -> str: ...
    @property
    def state(self) -> EvidenceState: ...
    @property
    def evidenced_on(self) -> date: ...
    @property
    def scale_value(self) -> int | None: ...


COUNTING_STATES = frozenset(s for s in EvidenceState if s.counts_as_evidence)
"""The states that evidence an element: completed or authorised. A draft is work in progress and a
cancelled record never counts."""
COUNTING_STATE_VALUES = frozenset(s.value for s in COUNTING_STATES)
"""`COUNTING_STATES` as the store writes them, for rows read as text."""
Day = TypeVar("Day", date, str)
_NOTHING_DUE: StatusValues = (Status.NOT_STARTED, None, None, None, 0, None)
"""An element with no records and no rule: what `status_values` gives it, whatever the case."""


def element_status(
    element: str, case: StatusCase, evidence: Iterable[StatusEvidence], rule: ElementRule | None, on: date
) -> ElementStatus:
    """The status of one element of one case as it stands on `on`."""
    values = status_values(case, [e for e in evidence if e.element == element], rule, on)
    return ElementStatus(element=element, **dict(zip(STATUS_FIELDS, values, strict=True)))


def status_values(
    case: StatusCase, evidence: Iterable[StatusEvidence], rule: ElementRule | None, on: date
) -> StatusValues:
    """`element_status` as a tuple in `STATUS_FIELDS` order, given only the element's own records."""
    return _values_as_of(case, evidence, rule, _as_of(case, on))


def _as_of(case: StatusCase, on: date) -> date:
    """The day a case's statuses stand on: `on`, or the day it closed if that came first."""
    return min(on, case.closed_on) if case.closed_on else on


def _values_as_of(
    case: StatusCase, evidence: Iterable[StatusEvidence], rule: ElementRule | None, as_of: date
) -> StatusValues:
    due_on = due_date(rule, case) if rule else None
    done = []
    relevant = False
    for e in evidence:
        if e.state is EvidenceState.CANCELLED or e.evidenced_on > as_of:
            continue
        relevant = True
        if e.state in COUNTING_STATES:
            done.append(e)
    if done:
        if len(done) > 1:
            done.sort(key=_record_order)
        last = done[-1]
        review_from = review_due_on(last.evidenced_on, rule)
        needs_review = review_from is not None and as_of >= review_from
        scale = next((e.scale_value for e in reversed(done) if e.scale_value is not None), None)
        status = Status.REVIEW_DUE if needs_review else Status.EVIDENCED
        return (status, done[0].evidenced_on, last.evidenced_on, due_on, len(done), scale)
    if due_on is not None and as_of > due_on:
        status = Status.OVERDUE
    elif relevant:
        status = Status.IN_PROGRESS
    else:
        status = Status.NOT_STARTED
    return (status, None, None, due_on, 0, None)


def case_status_values(
    case: StatusCase,
    evidence: Iterable[StatusEvidence],
    elements: Sequence[str],
    rules: TimelinessRules,
    on: date,
) -> list[StatusValues]:
    """Fast twin of mapping.status.element_status per element; held equal by tests/core/test_status_rules.py.

    Every catalogue element's status for one case, in catalogue order, the evidence grouped by
    element once rather than scanned per element."""
    by_element: dict[str, list[StatusEvidence]] = {}
    for record in evidence:
        by_element.setdefault(record.element, []).append(record)
    as_of = _as_of(case, on)
    found = []
    for key in elements:
        records, rule = by_element.get(key), rules.get(key)
        nothing = records is None and rule is None
        found.append(_NOTHING_DUE if nothing else _values_as_of(case, records or (), rule, as_of))
    return found


def case_statuses(
    case: StatusCase,
    evidence: Iterable[StatusEvidence],
    elements: Sequence[str],
    rules: TimelinessRules,
    on: date,
) -> list[ElementStatus]:
    """Every catalogue element's status for one case, in catalogue order."""
    return [
        ElementStatus(element=key, **dict(zip(STATUS_FIELDS, values, strict=True)))
        for key, values in zip(elements, case_status_values(case, evidence, elements, rules, on), strict=True)
    ]


def evidence_order(evidenced_on: Day, scale_value: int | None, source_id: str) -> tuple[Day, int, str]:
    """Where a record stands among its element's records: by date, then scale value (none first),
    then source id. A total order, so "latest scale value" does not depend on the order records
    arrived in. The date may be ISO text, which sorts as the dates do."""
    return (evidenced_on, -1 if scale_value is None else scale_value, source_id)


def review_due_on(last_evidenced_on: date, rule: ElementRule | None) -> date | None:
    """The first day an evidenced element is due a review: the day after the authority's review
    interval has run from its last evidence; None where the authority set no interval."""
    if rule is None or rule.review_every_days is None:
        return None
    return last_evidenced_on + timedelta(days=rule.review_every_days + 1)


def _record_order(e: StatusEvidence) -> tuple[date, int, str]:
    return evidence_order(e.evidenced_on, e.scale_value, e.source_id)
