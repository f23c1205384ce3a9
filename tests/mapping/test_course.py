"""The outcome rules against hand-worked case histories: each table is a case, each answer worked by hand."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from mapping.course import OutcomeKind, case_outcomes
from mapping.schema import CaseEpisode, EpisodeKind
from tests.mapping.course_tables import history, kinds_on, of_kind, outcomes

CLOSED_15_APRIL_2024 = """
id   kind      started     ended       reason
R1   referral  2023-09-01  2024-04-15  RC7
"""


@pytest.mark.parametrize(
    ("referred", "expected"),
    [
        ("2025-04-14", "Re-referred on 14 April 2025, 11 months after the case closed on 15 April 2024."),
        ("2025-04-15", "Re-referred on 15 April 2025, 12 months after the case closed on 15 April 2024."),
        ("2024-05-20", "Re-referred on 20 May 2024, 1 month after the case closed on 15 April 2024."),
        ("2024-04-20", "Re-referred on 20 April 2024, 5 days after the case closed on 15 April 2024."),
        ("2024-04-16", "Re-referred on 16 April 2024, 1 day after the case closed on 15 April 2024."),
    ],
    ids=["a day inside 12 months", "exactly 12 months", "a month", "days", "the next day"],
)
def test_a_referral_within_12_months_of_closure_is_a_re_referral(referred: str, expected: str) -> None:
    case = f"{CLOSED_15_APRIL_2024}R2   referral  {referred}  -"
    assert of_kind(case, OutcomeKind.RE_REFERRED) == [(referred, expected)]
    assert outcomes(case)[-1].episodes == ("R1", "R2")


def test_a_referral_a_day_past_12_months_is_not_a_re_referral() -> None:
    case = f"{CLOSED_15_APRIL_2024}R2   referral  2025-04-16  -"
    assert kinds_on(case) == [("2024-04-15", "closed")]


@pytest.mark.parametrize(("referred", "re_referred"), [("2025-02-28", True), ("2025-03-01", False)])
def test_twelve_months_from_29_february_end_on_28_february(referred: str, re_referred: bool) -> None:
    case = f"""
    id   kind      started     ended       reason
    R1   referral  2023-11-01  2024-02-29  RC8
    R2   referral  {referred}  -
    """
    assert bool(of_kind(case, OutcomeKind.RE_REFERRED)) is re_referred


def test_a_referral_the_day_the_last_one_closed_carries_the_case_on() -> None:
    # A closure and a new referral on one day is not a gap: no closure, no re-referral.
    case = """
    id   kind      started     ended       reason
    R1   referral  2023-09-01  2024-04-15  RC7
    R2   referral  2024-04-15  -
    """
    assert kinds_on(case) == []


def test_overlapping_referrals_are_one_open_course_closed_when_the_last_ends() -> None:
    case = """
    id   kind      started     ended       reason
    R1   referral  2024-01-10  2024-06-30  RC7
    R2   referral  2024-03-01  2024-09-30  RC6
    """
    assert of_kind(case, OutcomeKind.CLOSED) == [("2024-09-30", "Closed on 30 September 2024 (reason RC6).")]
    assert kinds_on(case) == [("2024-09-30", "closed")]


THREE_PLANS_IN_WORDS = """
Closed on 30 November 2021 (reason RC7).
Re-referred on 12 September 2022, 9 months after the case closed on 30 November 2021.
Repeat CP plan from 3 October 2022, at least the child's second: 1 earlier plan in the case's history.
Stepped down on 30 June 2023: the CP plan from 3 October 2022 ended and the child-in-need episode \
from 12 September 2022 stayed open.
Closed on 31 August 2023 (reason RC7).
Re-referred on 1 February 2024, 5 months after the case closed on 31 August 2023.
Repeat CP plan from 20 February 2024, at least the child's third: 2 earlier plans in the case's \
history, as the source also records.
CP plan from 20 February 2024 still open on 31 March 2026, after 2 years 1 month.
"""


def test_a_child_with_three_cp_plans_has_two_repeats_and_the_census_count_agrees() -> None:
    # Worked by hand: plans 2 and 3 are repeats; the census says 2 previous plans on the third;
    # each closure is followed by a referral within 12 months; plan 2 stepped down to child in need;
    # plan 3 reached 2 years on 20 February 2026 and is open on 31 March 2026.
    case = """
    id   kind      started     ended       reason  previous
    R1   referral  2021-05-04  2021-11-30  RC7
    P1   cp_plan   2021-06-01  2021-11-30
    R2   referral  2022-09-12  2023-08-31  RC7
    P2   cp_plan   2022-10-03  2023-06-30
    R3   referral  2024-02-01  -
    P3   cp_plan   2024-02-20  -           -       2
    """
    assert kinds_on(case, today="2026-03-31") == [
        ("2021-11-30", "closed"),
        ("2022-09-12", "re_referred"),
        ("2022-10-03", "repeat_cp_plan"),
        ("2023-06-30", "stepped_down"),
        ("2023-08-31", "closed"),
        ("2024-02-01", "re_referred"),
        ("2024-02-20", "repeat_cp_plan"),
        ("2026-02-20", "long_cp_plan"),
    ]
    assert [
        o.sentence for o in outcomes(case, today="2026-03-31")
    ] == THREE_PLANS_IN_WORDS.strip().splitlines()
    third = [o for o in outcomes(case) if o.kind is OutcomeKind.REPEAT_CP_PLAN][-1]
    assert third.episodes == ("P1", "P2", "P3")


def test_a_census_count_larger_than_the_history_is_taken_and_said_to_be_the_sources() -> None:
    case = """
    id   kind      started     ended       reason  previous
    R3   referral  2024-02-01  -
    P3   cp_plan   2024-02-20  -           -       2
    """
    assert of_kind(case, OutcomeKind.REPEAT_CP_PLAN, today="2024-06-01") == [
        (
            "2024-02-20",
            "Repeat CP plan from 20 February 2024, at least the child's third: "
            "the source records 2 earlier plans; the case's history holds none.",
        )
    ]


def test_a_history_holding_more_plans_than_the_census_count_is_taken() -> None:
    case = """
    id   kind      started     ended       reason  previous
    P1   cp_plan   2021-06-01  2021-11-30
    P2   cp_plan   2022-10-03  2023-06-30
    P3   cp_plan   2024-02-20  2024-09-01  -       1
    """
    assert of_kind(case, OutcomeKind.REPEAT_CP_PLAN)[-1] == (
        "2024-02-20",
        "Repeat CP plan from 20 February 2024, at least the child's third: "
        "2 earlier plans in the case's history.",
    )


def test_a_first_plan_with_no_previous_plans_is_no_repeat() -> None:
    case = """
    id   kind      started     ended       reason  previous
    P1   cp_plan   2024-02-20  2024-09-01  -       0
    """
    assert of_kind(case, OutcomeKind.REPEAT_CP_PLAN) == []


def test_a_plan_starting_the_day_another_ends_is_a_transfer_not_a_step_down_or_a_repeat() -> None:
    # The second plan carries the first on (a transfer, a re-registration): one period of protection,
    # whose length runs from the first plan's start. The second plan's own count includes the first.
    case = """
    id   kind      started     ended       reason  previous
    R1   referral  2023-01-02  -
    P1   cp_plan   2023-01-10  2023-09-04
    P2   cp_plan   2023-09-04  -           -       1
    """
    assert kinds_on(case, today="2025-03-01") == [("2025-01-10", "long_cp_plan")]
    assert of_kind(case, OutcomeKind.LONG_CP_PLAN, today="2025-03-01") == [
        ("2025-01-10", "CP plan from 10 January 2023 still open on 1 March 2025, after 2 years 1 month.")
    ]


@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        ("2025-03-01", [("2025-03-01", "CP plan from 1 March 2023 to 1 March 2025 lasted 2 years.")]),
        ("2025-02-28", []),
        (
            "2026-06-15",
            [("2025-03-01", "CP plan from 1 March 2023 to 15 June 2026 lasted 3 years 3 months.")],
        ),
    ],
    ids=["exactly 2 years", "a day short", "over 3 years"],
)
def test_a_plan_of_2_years_or_more_is_long(ended: str, expected: list[tuple[str, str]]) -> None:
    case = f"""
    id   kind      started     ended
    P1   cp_plan   2023-03-01  {ended}
    """
    assert of_kind(case, OutcomeKind.LONG_CP_PLAN, today="2026-07-01") == expected


def test_an_open_plan_is_long_from_its_2_year_day_as_of_today() -> None:
    case = """
    id   kind      started     ended
    P1   cp_plan   2024-02-29  -
    """
    assert of_kind(case, OutcomeKind.LONG_CP_PLAN, today="2026-02-27") == []
    assert of_kind(case, OutcomeKind.LONG_CP_PLAN, today="2026-02-28") == [
        ("2026-02-28", "CP plan from 29 February 2024 still open on 28 February 2026, after 2 years.")
    ]


PLAN_TO_15_AUGUST = "P1   cp_plan   2024-02-01  2024-08-15\n"


@pytest.mark.parametrize(
    ("referral_ended", "expected"),
    [
        ("-", [("2024-08-15", "stepped_down")]),
        ("2024-08-15", [("2024-08-15", "closed")]),
        ("2024-11-30", [("2024-08-15", "stepped_down"), ("2024-11-30", "closed")]),
    ],
    ids=["stepped down", "closed with the plan", "stepped down, then closed"],
)
def test_a_plan_ending_steps_down_or_closes(referral_ended: str, expected: list[tuple[str, str]]) -> None:
    case = f"""
    id   kind      started     ended            reason
    R1   referral  2024-01-10  {referral_ended}  RC7
    {PLAN_TO_15_AUGUST}"""
    assert kinds_on(case) == expected


def test_a_step_down_names_the_plan_and_the_child_in_need_episode_it_was_read_from() -> None:
    case = f"""
    id   kind      started     ended
    R1   referral  2024-01-10  -
    {PLAN_TO_15_AUGUST}"""
    [stepped_down] = outcomes(case)
    assert stepped_down.sentence == (
        "Stepped down on 15 August 2024: the CP plan from 1 February 2024 ended "
        "and the child-in-need episode from 10 January 2024 stayed open."
    )
    assert stepped_down.episodes == ("P1", "R1")


def test_entering_care_from_a_cp_plan_is_no_step_down_and_placements_are_one_period() -> None:
    # 903 episodes: a change of placement ends one episode (REC X1) and starts the next the same day.
    case = """
    id   kind          started     ended       reason
    R1   referral      2024-01-10  -
    P1   cp_plan       2024-02-01  2024-10-07
    L1   looked_after  2024-10-07  2025-01-20  X1
    L2   looked_after  2025-01-20  -
    """
    assert of_kind(case, OutcomeKind.ENTERED_CARE) == [
        ("2024-10-07", "Entered care on 7 October 2024, during the CP plan from 1 February 2024.")
    ]
    assert kinds_on(case) == [("2024-10-07", "entered_care")]


def test_coming_back_into_care_after_a_gap_is_said_as_again() -> None:
    case = """
    id   kind          started     ended       reason
    L1   looked_after  2023-01-01  2023-06-30  E13
    L2   looked_after  2024-02-01  -
    """
    assert of_kind(case, OutcomeKind.ENTERED_CARE)[-1] == (
        "2024-02-01",
        "Entered care again on 1 February 2024; an earlier period of care ended on 30 June 2023.",
    )
    assert of_kind(case, OutcomeKind.RE_REFERRED) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("R1 referral 2024-01-10 2024-04-15", "Closed on 15 April 2024; no reason was recorded."),
        (
            "R1 referral 2024-01-10 2024-04-15 RC5\nL1 looked_after 2024-02-01 2024-04-15 E11",
            "Closed on 15 April 2024 (reasons RC5, E11).",
        ),
    ],
    ids=["no reason", "two reasons"],
)
def test_a_closure_says_the_reasons_the_source_gave_and_no_others(rows: str, expected: str) -> None:
    assert of_kind(f"id kind started ended reason\n{rows}", OutcomeKind.CLOSED) == [("2024-04-15", expected)]


def test_early_help_keeps_the_case_open_and_its_end_is_the_closure() -> None:
    # Closed to social care with the referral on to early help (RC9): the family is still worked with.
    case = """
    id   kind        started     ended       reason
    R1   referral    2024-01-10  2024-05-31  RC9
    E1   early_help  2024-05-31  2024-09-30  EHC
    R2   referral    2025-01-06  -
    """
    assert kinds_on(case) == [("2024-09-30", "closed"), ("2025-01-06", "re_referred")]


def test_a_referral_while_early_help_is_open_is_not_a_re_referral() -> None:
    case = """
    id   kind        started     ended       reason
    R1   referral    2024-01-10  2024-03-31  RC7
    E1   early_help  2024-06-03  -
    R2   referral    2024-09-02  -
    """
    assert kinds_on(case) == [("2024-03-31", "closed")]


def test_nothing_after_today_is_stated() -> None:
    case = """
    id   kind      started     ended       reason
    R1   referral  2025-09-01  2026-05-01  RC7
    """
    assert kinds_on(case, today="2026-03-31") == []
    assert kinds_on(case, today="2026-05-01") == [("2026-05-01", "closed")]


def test_an_episode_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="ended_on is before started_on"):
        history("id kind started ended\nR1 referral 2024-05-01 2024-04-30")


def test_one_case_at_a_time() -> None:
    referral = {"authority": "la1", "kind": EpisodeKind.REFERRAL, "started_on": date(2024, 1, 1)}
    episodes = [CaseEpisode(source_id=ref, case_ref=ref, **referral) for ref in ("C1", "C2")]
    with pytest.raises(ValueError, match="one case's episodes"):
        case_outcomes(episodes, date(2025, 1, 1))
