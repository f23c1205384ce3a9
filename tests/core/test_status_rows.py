"""The status rows a run settles equal the status rules' own answer, case by case, whatever the
cases, their records, the authority's rules and the date."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mapping.schema import CaseType, EvidenceState, Status
from mapping.status import case_status_values
from mapping.status_rows import CaseStatusRows, EvidenceRow
from mapping.timeliness import Anchor, Due, ElementRule
from store.write.statuses import StoredCase

START = date(2026, 1, 5)
ELEMENTS = ["mapping", "safety_plan", "danger_statement", "safety_network"]
# Few distinct dates, so cases share opening dates (and remembered due dates) and records fall on
# the edges of due and review dates.
days = st.integers(min_value=0, max_value=24).map(lambda n: START + timedelta(days=n))

rules = st.dictionaries(
    st.sampled_from(ELEMENTS),
    st.builds(
        ElementRule,
        due=st.none()
        | st.builds(Due, days=st.integers(0, 10), working=st.booleans(), after=st.sampled_from(list(Anchor))),
        review_every_days=st.none() | st.integers(1, 8),
        case_types=st.none() | st.frozensets(st.sampled_from(list(CaseType)), min_size=1),
    ),
)


@st.composite
def cases(draw: st.DrawFn, ref: str) -> StoredCase:
    opened = draw(st.sampled_from([START, START + timedelta(days=3)]))
    closed = draw(st.none() | days.filter(lambda d: d >= opened))
    cp_plan_start = draw(st.sampled_from([None, START, START + timedelta(days=6)]))
    return StoredCase(ref, draw(st.sampled_from([CaseType.CP, CaseType.CIN])), opened, closed, cp_plan_start)


records = st.lists(
    st.tuples(
        st.sampled_from([*ELEMENTS, "words_and_pictures"]),  # one the catalogue does not list
        st.sampled_from([s.value for s in EvidenceState]),
        days,
        st.none() | st.integers(0, 2),
        st.sampled_from(["F1", "F2", "F3", "F10"]),
    ),
    max_size=12,
)


@settings(deadline=None, max_examples=300)  # the first example loads the bank holidays
@given(st.lists(st.tuples(cases("C1"), records), min_size=1, max_size=8), rules, days)
def test_a_cases_status_rows_equal_the_status_rules_for_it(
    settled: list[tuple[StoredCase, list[EvidenceRow]]], timeliness: dict[str, ElementRule], on: date
) -> None:
    """One `CaseStatusRows` settles many cases, as a run does, so remembered due dates are met too."""
    status_rows = CaseStatusRows(ELEMENTS, timeliness, on)
    for case, rows in settled:
        as_records = [_Record(*row) for row in rows]
        expected = case_status_values(case, as_records, ELEMENTS, timeliness, on)
        assert status_rows.of_case(case.case_ref, case, rows) == [
            (case.case_ref, element, Status(values[0]).value, *values[1:])
            for element, values in zip(ELEMENTS, expected, strict=True)
        ]


def test_a_review_falls_due_the_day_after_the_interval_has_run() -> None:
    case = StoredCase("C1", CaseType.CP, START, None, None)
    done: list[EvidenceRow] = [("mapping", "completed", START, None, "F1")]
    review = {"mapping": ElementRule(review_every_days=10)}
    statuses = [
        CaseStatusRows(["mapping"], review, START + timedelta(days=n)).of_case("C1", case, done)
        for n in (10, 11)
    ]
    assert [rows[0][2] for rows in statuses] == ["evidenced", "review_due"]


class _Record:
    """An `EvidenceRow` as the rules' own `StatusEvidence`."""

    def __init__(self, element: str, state: str, evidenced_on: date, scale_value: int | None, source_id: str):
        self.element = element
        self.state = EvidenceState(state)
        self.evidenced_on = evidenced_on
        self.scale_value = scale_value
        self.source_id = source_id
