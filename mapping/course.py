"""What a case's course led to: outcomes read from its episodes, and its safety scale's movement.

Pure rules of dates: `today` is given, never read. Each rule is defined once in OUTCOME_DEFINITIONS
(and at length in docs/outcomes.md). An outcome is stated only when the episodes show it, and its
sentence says no more than its dates: counts the history may not hold in full are said as "at least".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mapping.schema import CaseEpisode, EpisodeKind
from mapping.timeliness import add_months, whole_months

RE_REFERRAL_MONTHS = 12
LONG_PLAN_MONTHS = 24


class OutcomeKind(StrEnum):
    STEPPED_DOWN = "stepped_down"
    CLOSED = "closed"
    RE_REFERRED = "re_referred"
    REPEAT_CP_PLAN = "repeat_cp_plan"
    LONG_CP_PLAN = "long_cp_plan"
    ENTERED_CARE = "entered_care"


OUTCOME_DEFINITIONS: dict[OutcomeKind, str] = {
    OutcomeKind.STEPPED_DOWN: (
        "A CP plan ended and the child stayed in need: a child-in-need episode that was open on the "
        "day the plan ended was still open the day after, with no other CP plan and no care period "
        "carrying on."
    ),
    OutcomeKind.CLOSED: (
        "The case's last open episode ended and nothing carried on the next day: the closure date "
        "is that end date, with the reason codes the source gave."
    ),
    OutcomeKind.RE_REFERRED: (
        "A referral started after the case closed, within 12 calendar months of that closure "
        "(exactly 12 months counts), while nothing else was open."
    ),
    OutcomeKind.REPEAT_CP_PLAN: (
        "A CP plan that is at least the child's second: earlier plans in the case's history, or a "
        "source count of previous plans (NumberOfPreviousCPP) of 1 or more, whichever is larger."
    ),
    OutcomeKind.LONG_CP_PLAN: (
        "A CP plan lasting 2 years or more: it ended on or after its 2-year day, or was still open "
        "on that day as of today."
    ),
    OutcomeKind.ENTERED_CARE: (
        "A period of care started: a looked-after episode that does not carry on from another one "
        "open the same day."
    ),
}
_KIND_ORDER = {kind: number for number, kind in enumerate(OutcomeKind)}
_EPISODE_ORDER = {kind: number for number, kind in enumerate(EpisodeKind)}
_EPISODE_WORDS = {
    EpisodeKind.REFERRAL: "child-in-need episode",
    EpisodeKind.EARLY_HELP: "early help episode",
    EpisodeKind.CP_PLAN: "CP plan",
    EpisodeKind.LOOKED_AFTER: "period of care",
}


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    on: date
    sentence: str
    episodes: tuple[str, ...]
    """The source_ids of the episodes it was read from."""


class Movement(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"


@dataclass(frozen=True)
class ScaleMovement:
    first: int
    first_on: date
    latest: int
    latest_on: date
    movement: Movement
    sentence: str


def case_outcomes(episodes: Sequence[CaseEpisode], today: date) -> list[Outcome]:
    """Every outcome the case's episodes show up to `today`, sorted by day, then OutcomeKind's order.

    The episodes are one case's live ones, in any order; the answer does not depend on the order.
    """
    cases = {(e.authority, e.case_ref) for e in episodes}
    if len(cases) > 1:
        raise ValueError(f"case_outcomes reads one case's episodes at a time, not {len(cases)} cases'")
    # As of today: an episode booked to start later is not in the course yet, a booked end not an end.
    course = sorted((_as_of(e, today) for e in episodes if e.started_on <= today), key=_episode_key)
    plans = _periods([e for e in course if e.kind is EpisodeKind.CP_PLAN])
    care = _periods([e for e in course if e.kind is EpisodeKind.LOOKED_AFTER])
    found = [
        *_stepped_down(course, plans),
        *_closures_and_re_referrals(course),
        *_repeat_plans(plans),
        *_long_plans(plans, today),
        *_entries_to_care(care, plans),
    ]
    return sorted(
        (o for o in found if o.on <= today),
        key=lambda o: (o.on, _KIND_ORDER[o.kind], o.sentence, o.episodes),
    )


def scale_movement(scales: Sequence[tuple[date, int]]) -> ScaleMovement | None:
    """The family's safety scale from the first judgement to the latest; None with fewer than two.

    Judgements on the same day keep the order they are given in.
    """
    if len(scales) < 2:
        return None
    ordered = sorted(scales, key=lambda scale: scale[0])
    (first_on, first), (latest_on, latest) = ordered[0], ordered[-1]
    change = latest - first
    movement = Movement.UP if change > 0 else Movement.DOWN if change < 0 else Movement.FLAT
    words = {Movement.UP: f"up {change}", Movement.DOWN: f"down {-change}", Movement.FLAT: "no change"}
    judged = f"Safety scale {first} on {_day(first_on)}, {latest} on {_day(latest_on)}"
    sentence = f"{judged}: {words[movement]}."
    return ScaleMovement(first, first_on, latest, latest_on, movement, sentence)


def _day(day: date) -> str:
    """A day as people write it: 3 March 2025."""
    return f"{day.day} {day:%B %Y}"


# ---- the course as periods ------------------------------------------------------------------


def _episode_key(e: CaseEpisode) -> tuple[object, ...]:
    """A total order of episodes, so no answer depends on the order a source gave them in."""
    return (
        e.started_on,
        e.ended_on or date.max,
        _EPISODE_ORDER[e.kind],
        e.source_id,
        e.end_reason or "",
        -1 if e.previous_cp_plans is None else e.previous_cp_plans,
    )


@dataclass(frozen=True)
class _Period:
    """Episodes that carry on from one another: each starts on or before the day the others end."""

    episodes: tuple[CaseEpisode, ...]

    @property
    def start(self) -> date:
        return self.episodes[0].started_on

    @property
    def end(self) -> date | None:
        ends = [e.ended_on for e in self.episodes]
        return None if None in ends else max(e for e in ends if e is not None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.source_id for e in self.episodes)

    def holds(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _periods(course: list[CaseEpisode]) -> list[_Period]:
    """Episodes (already in _episode_key order) joined while each starts by the day the last ends."""
    periods: list[list[CaseEpisode]] = []
    end: date | None = None
    for episode in course:
        if periods and (end is None or episode.started_on <= end):
            periods[-1].append(episode)
            end = None if end is None or episode.ended_on is None else max(end, episode.ended_on)
        else:
            periods.append([episode])
            end = episode.ended_on
    return [_Period(tuple(p)) for p in periods]


def _as_of(episode: CaseEpisode, today: date) -> CaseEpisode:
    if episode.ended_on is None or episode.ended_on <= today:
        return episode
    return episode.model_copy(update={"ended_on": None, "end_reason": None})


def _carries_on(episode: CaseEpisode, day: date) -> bool:
    """Open on `day` and still open the day after."""
    return episode.started_on <= day and (episode.ended_on is None or episode.ended_on > day)


# ---- the rules ------------------------------------------------------------------------------


def _stepped_down(course: list[CaseEpisode], plans: list[_Period]) -> list[Outcome]:
    found = []
    for plan in plans:
        ended = plan.end
        if ended is None or any(e.kind is EpisodeKind.LOOKED_AFTER and _carries_on(e, ended) for e in course):
            continue
        in_need = [e for e in course if e.kind is EpisodeKind.REFERRAL and _carries_on(e, ended)]
        if not in_need:
            continue
        referral = in_need[0]
        found.append(
            Outcome(
                OutcomeKind.STEPPED_DOWN,
                ended,
                f"Stepped down on {_day(ended)}: the CP plan from {_day(plan.start)} ended "
                f"and the child-in-need episode from {_day(referral.started_on)} stayed open.",
                (*plan.ids, referral.source_id),
            )
        )
    return found


def _closures_and_re_referrals(course: list[CaseEpisode]) -> list[Outcome]:
    found = []
    periods = _periods(course)
    for number, period in enumerate(periods):
        closed_on = period.end
        if closed_on is None:
            continue
        ending = [e for e in period.episodes if e.ended_on == closed_on]
        because, ids = _closure_reasons(ending, period)
        found.append(Outcome(OutcomeKind.CLOSED, closed_on, f"Closed on {_day(closed_on)}{because}", ids))
        if number + 1 < len(periods):
            found.extend(_re_referral(closed_on, ids, periods[number + 1]))
    return found


def _closure_reasons(ending: list[CaseEpisode], period: _Period) -> tuple[str, tuple[str, ...]]:
    """The reason codes of the episodes ending on the closure day, or else the course's last given.

    A course can end with an episode that carries no reason (a CP plan) after one that did (its
    child-in-need episode): that reason is given with the day it was recorded, never as the day's.
    """
    ids = tuple(e.source_id for e in ending)
    codes = list(dict.fromkeys(e.end_reason for e in sorted(ending, key=_reason_key) if e.end_reason))
    if len(codes) == 1:
        return f" (reason {codes[0]}).", ids
    if codes:
        return f" (reasons {', '.join(codes)}).", ids
    given = [e for e in period.episodes if e.end_reason and e.ended_on is not None]
    if not given:
        return "; no reason was recorded.", ids
    last = max(given, key=lambda e: (e.ended_on, *_reason_key(e), e.source_id))
    assert last.ended_on is not None
    return (
        f"; no reason was recorded that day (reason {last.end_reason} was given when the "
        f"{_EPISODE_WORDS[last.kind]} from {_day(last.started_on)} ended on {_day(last.ended_on)}).",
        (*ids, last.source_id),
    )


def _reason_key(e: CaseEpisode) -> tuple[int, str]:
    return (_EPISODE_ORDER[e.kind], e.end_reason or "")


def _re_referral(closed_on: date, closure: tuple[str, ...], after: _Period) -> list[Outcome]:
    referrals = [e for e in after.episodes if e.kind is EpisodeKind.REFERRAL and e.started_on == after.start]
    if not referrals or after.start > add_months(closed_on, RE_REFERRAL_MONTHS):
        return []
    months = whole_months(closed_on, after.start)
    gap = _count(months, "month") if months else _count((after.start - closed_on).days, "day")
    return [
        Outcome(
            OutcomeKind.RE_REFERRED,
            after.start,
            f"Re-referred on {_day(after.start)}, {gap} after the case closed on {_day(closed_on)}.",
            (*closure, *(e.source_id for e in referrals)),
        )
    ]


def _repeat_plans(plans: list[_Period]) -> list[Outcome]:
    found = []
    for counted, plan in enumerate(plans):
        # A plan carrying on from another (a transfer) counts that one among its previous plans.
        given = max(
            (
                p.previous_cp_plans - number
                for number, p in enumerate(plan.episodes)
                if p.previous_cp_plans is not None
            ),
            default=None,
        )
        previous = max(counted, given or 0)
        if previous < 1:
            continue
        history = "none" if counted == 0 else str(counted)
        if given is not None and given > counted:
            source = f"the source records {_count(given, 'earlier plan')}; the case's history holds {history}"
        else:
            also = ", as the source also records" if given == counted else ""
            source = f"{_count(counted, 'earlier plan')} in the case's history{also}"
        earlier = tuple(i for p in plans[:counted] for i in p.ids)
        found.append(
            Outcome(
                OutcomeKind.REPEAT_CP_PLAN,
                plan.start,
                f"Repeat CP plan from {_day(plan.start)}, at least the child's "
                f"{_ordinal(previous + 1)}: {source}.",
                (*earlier, *plan.ids),
            )
        )
    return found


def _long_plans(plans: list[_Period], today: date) -> list[Outcome]:
    found = []
    for plan in plans:
        two_years = add_months(plan.start, LONG_PLAN_MONTHS)
        ended = plan.end
        if ended is not None and ended >= two_years:
            length = _duration(whole_months(plan.start, ended))
            sentence = f"CP plan from {_day(plan.start)} to {_day(ended)} lasted {length}."
        elif ended is None and today >= two_years:
            length = _duration(whole_months(plan.start, today))
            sentence = f"CP plan from {_day(plan.start)} still open on {_day(today)}, after {length}."
        else:
            continue
        found.append(Outcome(OutcomeKind.LONG_CP_PLAN, two_years, sentence, plan.ids))
    return found


def _entries_to_care(care: list[_Period], plans: list[_Period]) -> list[Outcome]:
    found = []
    for number, period in enumerate(care):
        entered = period.start
        sentence = f"Entered care{' again' if number else ''} on {_day(entered)}"
        ids = [period.episodes[0].source_id]
        during = [p for p in plans if p.holds(entered)]
        if during:
            sentence += f", during the CP plan from {_day(during[0].start)}"
            ids.extend(during[0].ids)
        earlier_end = care[number - 1].end if number else None
        if earlier_end is not None:
            sentence += f"; an earlier period of care ended on {_day(earlier_end)}"
        found.append(Outcome(OutcomeKind.ENTERED_CARE, entered, f"{sentence}.", tuple(ids)))
    return found


# ---- words ----------------------------------------------------------------------------------

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _ordinal(n: int) -> str:
    if n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _duration(months: int) -> str:
    years, rest = divmod(months, 12)
    parts = [_count(years, "year")] if years else []
    if rest:
        parts.append(_count(rest, "month"))
    return " ".join(parts)
