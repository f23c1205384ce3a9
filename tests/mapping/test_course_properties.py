"""What holds of every course, whatever its episodes: order, provenance, dates; and the scale's movement."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mapping.course import (
    OUTCOME_DEFINITIONS,
    Movement,
    OutcomeKind,
    case_outcomes,
    scale_movement,
)
from mapping.schema import CaseEpisode, EpisodeKind
from mapping.timeliness import add_months

TODAY = date(2026, 3, 31)
DOCS = Path(__file__).parents[2] / "docs" / "outcomes.md"


@st.composite
def courses(draw: st.DrawFn) -> list[CaseEpisode]:
    """One case's episodes: any kinds, overlapping or not, open or ended, some after today."""
    episodes = []
    for number in range(draw(st.integers(min_value=0, max_value=8))):
        started = draw(st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 6, 30)))
        length = draw(st.none() | st.integers(min_value=0, max_value=1100))
        episodes.append(
            CaseEpisode(
                authority="la1",
                source_id=f"E{number}",
                case_ref="C1",
                kind=draw(st.sampled_from(EpisodeKind)),
                started_on=started,
                ended_on=None if length is None else started + timedelta(days=length),
                end_reason=draw(st.none() | st.sampled_from(["RC1", "RC7", "X1", "E11"])),
                previous_cp_plans=draw(st.none() | st.integers(min_value=0, max_value=4)),
            )
        )
    return episodes


@given(courses(), st.randoms(use_true_random=False))
def test_outcomes_never_depend_on_the_order_episodes_are_given(course: list[CaseEpisode], rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(course)
    rng.shuffle(shuffled)
    assert case_outcomes(shuffled, TODAY) == case_outcomes(course, TODAY)


@given(courses())
def test_every_outcome_is_read_from_episodes_given_and_dated_by_today(course: list[CaseEpisode]) -> None:
    given_ids = {e.source_id for e in course}
    found = case_outcomes(course, TODAY)
    for outcome in found:
        assert outcome.episodes
        assert set(outcome.episodes) <= given_ids
        assert outcome.on <= TODAY
    assert [o.on for o in found] == sorted(o.on for o in found)


@given(courses())
def test_every_re_referral_follows_a_closure_within_12_months(course: list[CaseEpisode]) -> None:
    found = case_outcomes(course, TODAY)
    for number, outcome in enumerate(found):
        if outcome.kind is OutcomeKind.RE_REFERRED:
            closures = [o.on for o in found[:number] if o.kind is OutcomeKind.CLOSED]
            assert closures
            assert outcome.on <= add_months(closures[-1], 12)


@given(courses())
def test_a_case_never_steps_down_and_closes_on_the_same_day(course: list[CaseEpisode]) -> None:
    found = case_outcomes(course, TODAY)
    stepped_down = {o.on for o in found if o.kind is OutcomeKind.STEPPED_DOWN}
    closed = {o.on for o in found if o.kind is OutcomeKind.CLOSED}
    assert not stepped_down & closed


def test_twelve_calendar_months_keep_the_day_or_take_the_months_last() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2024, 8, 31), 1) == date(2024, 9, 30)
    assert add_months(date(2024, 4, 15), 12) == date(2025, 4, 15)


def test_a_safety_scale_moving_up_says_by_how_much_between_which_days() -> None:
    movement = scale_movement([(date(2024, 10, 1), 6), (date(2024, 5, 2), 3), (date(2024, 7, 9), 2)])
    assert movement is not None
    assert (movement.first, movement.first_on, movement.latest, movement.latest_on) == (
        3,
        date(2024, 5, 2),
        6,
        date(2024, 10, 1),
    )
    assert movement.movement is Movement.UP
    assert movement.sentence == "Safety scale 3 on 2 May 2024, 6 on 1 October 2024: up 3."


def test_a_safety_scale_moving_down_or_not_at_all_says_so() -> None:
    down = scale_movement([(date(2024, 5, 2), 7), (date(2025, 1, 13), 5)])
    flat = scale_movement([(date(2024, 5, 2), 4), (date(2024, 6, 1), 8), (date(2024, 9, 3), 4)])
    assert down is not None
    assert flat is not None
    assert (down.movement, down.sentence) == (
        Movement.DOWN,
        "Safety scale 7 on 2 May 2024, 5 on 13 January 2025: down 2.",
    )
    assert (flat.movement, flat.sentence) == (
        Movement.FLAT,
        "Safety scale 4 on 2 May 2024, 4 on 3 September 2024: no change.",
    )


def test_fewer_than_two_scale_judgements_have_no_movement() -> None:
    assert scale_movement([]) is None
    assert scale_movement([(date(2024, 5, 2), 3)]) is None


def test_every_rule_is_defined_in_the_outcomes_page_in_the_same_words() -> None:
    page = " ".join(DOCS.read_text(encoding="utf-8").split())
    for kind, definition in OUTCOME_DEFINITIONS.items():
        assert f"`{kind.value}`" in page
        assert " ".join(definition.split()) in page, kind
    assert set(OUTCOME_DEFINITIONS) == set(OutcomeKind)
