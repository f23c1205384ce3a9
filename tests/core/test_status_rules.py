"""The element status rule: a pure function of case, evidence, the LA's rules and the date."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mapping.schema import EvidenceState, Status
from mapping.status import case_statuses, element_status
from mapping.timeliness import Anchor, Due, ElementRule, add_working_days, england_bank_holidays
from tests.builders import a_case, evidence

PLAN_RULE = ElementRule(due=Due(days=15, working=True, after=Anchor.CP_PLAN_START))
MAP_RULE = ElementRule(due=Due(days=10, after=Anchor.OPENED), review_every_days=90)


def test_no_evidence_and_no_rule_is_not_started() -> None:
    result = element_status("safety_plan", a_case(), [], None, date(2026, 6, 1))
    assert result.status is Status.NOT_STARTED
    assert result.due_on is None


def test_a_draft_is_in_progress_never_evidenced() -> None:
    draft = evidence("safety_plan", date(2026, 1, 22), EvidenceState.DRAFT)
    result = element_status("safety_plan", a_case(), [draft], PLAN_RULE, date(2026, 1, 23))
    assert result.status is Status.IN_PROGRESS
    assert result.evidence_count == 0


def test_past_due_without_completed_evidence_is_overdue_even_with_a_draft() -> None:
    draft = evidence("safety_plan", date(2026, 1, 22), EvidenceState.DRAFT)
    due = add_working_days(date(2026, 1, 20), 15, england_bank_holidays())
    result = element_status("safety_plan", a_case(), [draft], PLAN_RULE, due + timedelta(days=1))
    assert result.status is Status.OVERDUE
    assert result.due_on == due


def test_late_evidence_is_evidenced_and_keeps_its_lateness_visible() -> None:
    late = evidence("safety_plan", date(2026, 3, 1))
    result = element_status("safety_plan", a_case(), [late], PLAN_RULE, date(2026, 3, 2))
    assert result.status is Status.EVIDENCED
    assert result.due_on is not None
    assert result.first_evidenced_on is not None
    assert result.first_evidenced_on > result.due_on


def test_review_falls_due_after_the_interval_since_the_last_evidence() -> None:
    done = evidence("mapping", date(2026, 1, 10))
    assert element_status("mapping", a_case(), [done], MAP_RULE, date(2026, 4, 10)).status is Status.EVIDENCED
    assert (
        element_status("mapping", a_case(), [done], MAP_RULE, date(2026, 4, 11)).status is Status.REVIEW_DUE
    )


def test_working_days_skip_weekends_and_england_bank_holidays() -> None:
    # Thursday 24 Dec 2026: Fri 25 and Mon 28 Dec are bank holidays (Boxing Day substitute).
    assert add_working_days(date(2026, 12, 24), 1, england_bank_holidays()) == date(2026, 12, 29)


def test_cp_plan_anchor_without_a_plan_gives_no_due_date() -> None:
    case = a_case(cp_plan_start=None)
    result = element_status("safety_plan", case, [], PLAN_RULE, date(2027, 1, 1))
    assert result.due_on is None
    assert result.status is Status.NOT_STARTED


def test_a_closed_case_is_judged_as_of_its_closing_date() -> None:
    case = a_case(closed_on=date(2026, 1, 25))
    result = element_status("safety_plan", case, [], PLAN_RULE, date(2027, 1, 1))
    assert result.status is Status.NOT_STARTED


def test_latest_scale_value_follows_the_latest_evidence() -> None:
    records = [
        evidence("safety_scale", date(2026, 2, 1), scale_value=3),
        evidence("safety_scale", date(2026, 3, 1), scale_value=6),
    ]
    result = element_status("safety_scale", a_case(), records, None, date(2026, 4, 1))
    assert result.latest_scale_value == 6
    assert result.evidence_count == 2


def test_case_statuses_cover_every_catalogue_element_in_order() -> None:
    result = case_statuses(a_case(), [], ["mapping", "safety_plan"], {"mapping": MAP_RULE}, date(2026, 1, 6))
    assert [s.element for s in result] == ["mapping", "safety_plan"]


# Property tests ---------------------------------------------------------------------------------

ELEMENTS = ["mapping", "safety_plan"]
RULES = {"mapping": MAP_RULE, "safety_plan": PLAN_RULE}
days = st.integers(min_value=0, max_value=400)
states = st.sampled_from(list(EvidenceState))


@st.composite
def evidence_lists(draw: st.DrawFn) -> list:
    start = date(2026, 1, 5)
    items = draw(
        st.lists(
            st.tuples(st.sampled_from(ELEMENTS), days, states, st.one_of(st.none(), st.integers(0, 10))),
            max_size=8,
        )
    )
    return [
        evidence(el, start + timedelta(days=d), state, scale_value=scale) for el, d, state, scale in items
    ]


@given(evidence_lists(), st.randoms(use_true_random=False), days)
def test_order_of_records_never_matters(records: list, rnd, offset: int) -> None:
    on = date(2026, 1, 5) + timedelta(days=offset)
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert case_statuses(a_case(), records, ELEMENTS, RULES, on) == case_statuses(
        a_case(), shuffled, ELEMENTS, RULES, on
    )


@given(evidence_lists(), days, st.sampled_from(ELEMENTS), days)
def test_cancelled_records_never_count(records: list, offset: int, element: str, when: int) -> None:
    on = date(2026, 1, 5) + timedelta(days=offset)
    cancelled = evidence(
        element, date(2026, 1, 5) + timedelta(days=when), EvidenceState.CANCELLED, scale_value=9
    )
    assert case_statuses(a_case(), [*records, cancelled], ELEMENTS, RULES, on) == case_statuses(
        a_case(), records, ELEMENTS, RULES, on
    )


@given(evidence_lists(), days, st.sampled_from(ELEMENTS), days)
def test_adding_completed_evidence_never_makes_an_element_worse(
    records: list,
    offset: int,
    element: str,
    when: int,
) -> None:
    on = date(2026, 1, 5) + timedelta(days=offset)
    before = {s.element: s.status for s in case_statuses(a_case(), records, ELEMENTS, RULES, on)}
    added = evidence(element, date(2026, 1, 5) + timedelta(days=when), EvidenceState.COMPLETED)
    after = {s.element: s.status for s in case_statuses(a_case(), [*records, added], ELEMENTS, RULES, on)}
    assert all(after[e].rank >= before[e].rank for e in ELEMENTS)


@given(evidence_lists(), days, st.sampled_from(ELEMENTS))
def test_a_date_on_or_before_the_due_date_is_never_overdue(records: list, offset: int, element: str) -> None:
    on = date(2026, 1, 5) + timedelta(days=offset)
    result = element_status(element, a_case(), records, RULES[element], on)
    if result.due_on is not None and on <= result.due_on:
        assert result.status is not Status.OVERDUE


def test_review_falls_due_for_every_element_whose_rule_sets_an_interval() -> None:
    for element in ("safety_plan", "safety_scale", "safety_network", "danger_statement"):
        done = evidence(element, date(2026, 2, 1))
        rule = ElementRule(review_every_days=42)
        assert element_status(element, a_case(), [done], rule, date(2026, 3, 15)).status is Status.EVIDENCED
        assert element_status(element, a_case(), [done], rule, date(2026, 3, 16)).status is Status.REVIEW_DUE


@given(evidence_lists(), days, st.sampled_from([ELEMENTS, [*ELEMENTS, "safety_network"], []]))
def test_a_cases_statuses_at_once_equal_each_elements_status_on_its_own(
    records: list, offset: int, elements: list[str]
) -> None:
    on = date(2026, 1, 5) + timedelta(days=offset)
    together = case_statuses(a_case(), records, elements, RULES, on)
    assert together == [element_status(e, a_case(), records, RULES.get(e), on) for e in elements]
