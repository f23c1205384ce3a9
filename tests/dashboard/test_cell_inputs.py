"""Shortcuts the whiteboard takes at thousands of cells give the answers of the plain rules."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dashboard.cells import CellBook, ElementEvidence, WorkingDayCount, build_cell
from mapping.schema import Status
from mapping.timeliness import ElementRule, england_bank_holidays, working_days_between

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(st.lists(st.tuples(days, days), min_size=1, max_size=40))
def test_working_days_counted_from_neighbours_are_the_days_walked(pairs: list[tuple[date, date]]) -> None:
    calendar = england_bank_holidays()
    count = WorkingDayCount(calendar)
    for start, end in pairs:
        assert count.between(start, end) == working_days_between(start, end, calendar)


iso_days = st.none() | days.map(date.isoformat)
status_rows = st.tuples(
    st.sampled_from(["la", "other-la"]),
    st.sampled_from(["C1", "C2"]),
    st.sampled_from(["mapping", "safety_plan"]),
    st.sampled_from([s.value for s in Status]),
    iso_days,
    iso_days,
    iso_days,
    st.integers(min_value=0, max_value=5),
)
summaries = st.none() | st.tuples(
    st.tuples(*[st.integers(0, 10)] * 2),
    st.none() | days.map(date.isoformat),
    st.none() | days.map(date.isoformat),
)


@given(st.lists(st.tuples(status_rows, summaries), min_size=1, max_size=30))
def test_a_cell_from_the_book_is_the_cell_built_from_its_row(rows: list[tuple[tuple, tuple | None]]) -> None:
    on = date(2026, 6, 1)
    rules = {"la": {"mapping": ElementRule(review_every_days=90)}}
    book = CellBook(rules, on)
    for row, summary in rows:
        authority, _, element, status, due_on, first, last, count = row
        scale, draft_on, planned_on = summary or ((), None, None)
        facts = {
            "element": element,
            "status": status,
            "due_on": due_on,
            "first_evidenced_on": first,
            "last_evidenced_on": last,
            "evidence_count": count,
        }
        evidence = ElementEvidence(
            scale,
            date.fromisoformat(draft_on) if draft_on else None,
            planned_on and date.fromisoformat(planned_on),
        )
        built = build_cell(facts, evidence, rules.get(authority, {}).get(element), on)
        assert book.cell(row, summary) == built


def as_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
