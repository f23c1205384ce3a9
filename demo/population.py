"""The demo's synthetic caseload: cases and practice records in neutral terms, before any source shape.

Deterministic for a seed, a size and an as-of date, so the same demo folder is rebuilt byte for byte.
Each team evidences each element at its own rate and pace, so the whiteboard shows real variation:
late elements, drafts, cancelled forms, mappings overdue for review, safety scales that move, network
meetings booked for the coming days. There
are no names, birth dates or narrative anywhere: references, codes, states, numbers and dates only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

CaseType = Literal["cin", "cp", "looked_after"]
State = Literal["draft", "completed", "cancelled"]

DIRECT_WORK_TOOLS = ("three_houses", "wizards_and_fairies", "safety_house")
OTHER_FORMS = ("case_note", "statutory_visit", "chronology", "assessment")
"""Forms every CMS holds that evidence no Signs of Safety element: counted, never stored."""


@dataclass(frozen=True)
class ElementPlan:
    """How often, and how long after its anchor, an element tends to be evidenced."""

    key: str
    rate: float
    mean_days: float
    rate_by_type: tuple[tuple[CaseType, float], ...] = ()
    after_cp_plan: bool = False

    def rate_for(self, case_type: CaseType) -> float:
        return dict(self.rate_by_type).get(case_type, self.rate)


ELEMENT_PLANS = (
    ElementPlan("mapping", 0.92, 7),
    ElementPlan("harm_statement", 0.74, 14),
    ElementPlan("danger_statement", 0.82, 11),
    ElementPlan("safety_goal", 0.72, 15),
    ElementPlan("safety_scale", 0.8, 9),
    ElementPlan("work_with_children", 0.62, 24),
    ElementPlan("words_and_pictures", 0.3, 40, rate_by_type=(("cp", 0.5), ("looked_after", 0.55))),
    ElementPlan("safety_network", 0.58, 20),
    ElementPlan("safety_plan", 0.45, 12, rate_by_type=(("cp", 0.88),), after_cp_plan=True),
)


@dataclass(frozen=True)
class Team:
    """A team and how it practises: `pace` scales every rate; `strengths` lift or lower some elements."""

    name: str
    pace: float
    strengths: tuple[tuple[str, float], ...] = ()
    looked_after_only: bool = False

    def factor(self, element: str) -> float:
        return self.pace * dict(self.strengths).get(element, 1.0)


@dataclass(frozen=True)
class Profile:
    """One demo authority's caseload: its teams, its case mix and how its references look."""

    code: str
    teams: tuple[Team, ...]
    case_mix: tuple[tuple[CaseType, float], ...]
    worker_prefix: str
    books_ahead: bool = False
    """Whether the source holds records dated after today (a network meeting booked for next week).
    A source whose change watermark is the record's own date must not: it would skip past today."""


@dataclass(frozen=True)
class DemoCase:
    number: int
    team: str | None
    worker: str
    case_type: CaseType
    opened_on: date
    closed_on: date | None
    cp_plan_start: date | None
    updated_at: datetime


@dataclass(frozen=True)
class PracticeRecord:
    """One form as the case management system holds it; `element` is None for other forms."""

    number: int
    case: DemoCase
    element: str | None
    form: str
    """The element key, or one of OTHER_FORMS: each source shape names it in its own words."""
    state: State
    started_at: datetime
    completed_at: datetime | None
    updated_at: datetime
    tool: str | None = None
    scale: int | None = None


@dataclass(frozen=True)
class Caseload:
    as_of: date
    cases: tuple[DemoCase, ...]
    records: tuple[PracticeRecord, ...]


def build_caseload(profile: Profile, size: int, seed: int, as_of: date) -> Caseload:
    """`size` cases with their practice records, as the source would hold them on `as_of`."""
    rnd = random.Random(f"{seed}:{profile.code}")  # noqa: S311  # nosec B311  # reproducible on purpose, not a secret
    cases = tuple(_case(rnd, profile, number, as_of) for number in range(size))
    records: list[PracticeRecord] = []
    for case in cases:
        team = next((t for t in profile.teams if t.name == case.team), None)
        records.extend(_records(rnd, case, team, len(records), as_of, profile.books_ahead))
    return Caseload(as_of, cases, tuple(records))


def _case(rnd: random.Random, profile: Profile, number: int, as_of: date) -> DemoCase:
    kinds, weights = zip(*profile.case_mix, strict=True)
    case_type: CaseType = rnd.choices(kinds, weights)[0]
    age = min(int(rnd.expovariate(1 / 160)) + 3, 640)
    opened = as_of - timedelta(days=age)
    closed = None
    if age > 60 and rnd.random() < 0.12:
        closed = opened + timedelta(days=rnd.randint(30, age - 5))
    cp_start = None
    if case_type == "cp":
        last_day = (closed or as_of) - timedelta(days=1)
        cp_start = min(opened + timedelta(days=rnd.randint(8, 35)), last_day)
    teams = [t for t in profile.teams if t.looked_after_only == (case_type == "looked_after")]
    teams = teams or [t for t in profile.teams if not t.looked_after_only] or list(profile.teams)
    team = rnd.choice(teams) if teams else None
    team_index = profile.teams.index(team) if team else 0
    worker = f"{profile.worker_prefix}{team_index + 1}{rnd.randint(1, 5):02d}"
    touched = closed or (cp_start or opened) + timedelta(days=rnd.randint(0, 10))
    return DemoCase(
        number=number,
        team=team.name if team else None,
        worker=worker,
        case_type=case_type,
        opened_on=opened,
        closed_on=closed,
        cp_plan_start=cp_start,
        updated_at=_at(rnd, min(touched, as_of - timedelta(days=1))),
    )


class _Forms:
    """Collects one case's practice records, numbering them across the authority."""

    def __init__(self, rnd: random.Random, case: DemoCase, first: int) -> None:
        self.rnd = rnd
        self.case = case
        self.first = first
        self.made: list[PracticeRecord] = []

    def add(
        self,
        element: str | None,
        form: str,
        state: State,
        on: date,
        tool: str | None = None,
        scale: int | None = None,
        booked_on: date | None = None,
    ) -> None:
        """A form started on `on`; `booked_on`, the day a form dated ahead (a booking) was last saved."""
        started = _at(self.rnd, on)
        completed = started + timedelta(minutes=self.rnd.randint(20, 180)) if state == "completed" else None
        touched = completed or started + timedelta(minutes=self.rnd.randint(5, 60))
        if booked_on is not None:
            touched = _at(self.rnd, booked_on)
        self.made.append(
            PracticeRecord(
                number=self.first + len(self.made),
                case=self.case,
                element=element,
                form=form,
                state=state,
                started_at=started,
                completed_at=completed,
                updated_at=touched,
                tool=tool,
                scale=scale,
            )
        )


def _records(
    rnd: random.Random, case: DemoCase, team: Team | None, first: int, as_of: date, books_ahead: bool
) -> list[PracticeRecord]:
    # Everything the source holds happened by yesterday evening: the demo is a morning's sync.
    horizon = min(case.closed_on or as_of, as_of - timedelta(days=1))
    forms = _Forms(rnd, case, first)
    for plan in ELEMENT_PLANS:
        _element(rnd, forms, plan, team.factor(plan.key) if team else 1.0, horizon)
    network = [r for r in forms.made if r.element == "safety_network" and r.state != "cancelled"]
    if books_ahead and case.closed_on is None and not network and rnd.random() < 0.45:
        # A network meeting booked for the coming days, saved yesterday: planned, not nothing.
        yesterday = as_of - timedelta(days=1)
        forms.add(
            "safety_network",
            "safety_network",
            "draft",
            as_of + timedelta(days=rnd.randint(2, 9)),
            booked_on=yesterday,
        )
    for _ in range(rnd.randint(1, 4)):
        on = case.opened_on + timedelta(days=rnd.randint(0, max((horizon - case.opened_on).days, 0)))
        if on <= horizon:
            forms.add(None, rnd.choice(OTHER_FORMS), "completed", on)
    return forms.made


def _element(rnd: random.Random, forms: _Forms, plan: ElementPlan, factor: float, horizon: date) -> None:
    """One element's forms for one case: completed (perhaps late, perhaps again), a draft, or none."""
    case = forms.case
    anchor = case.cp_plan_start if plan.after_cp_plan and case.cp_plan_start else case.opened_on
    rate = min(plan.rate_for(case.case_type) * factor, 0.97)
    delay = rnd.expovariate(1 / (plan.mean_days / max(factor, 0.3)))
    if rnd.random() < 0.15:
        delay += rnd.randint(10, 35)  # a late element: evidenced, but well after it was due
    done_on = anchor + timedelta(days=int(delay))
    tool = rnd.choice(DIRECT_WORK_TOOLS) if plan.key == "work_with_children" else None
    if rnd.random() >= rate:
        # Never evidenced: sometimes a cancelled form, sometimes a draft left open.
        if rnd.random() < 0.18 and done_on <= horizon:
            forms.add(plan.key, plan.key, "cancelled", done_on, tool)
        elif rnd.random() < 0.15 and done_on <= horizon:
            forms.add(plan.key, plan.key, "draft", done_on, tool)
        return
    if done_on > horizon:
        draft_on = anchor + timedelta(days=int(delay / 2))
        if rnd.random() < 0.5 and draft_on <= horizon:
            forms.add(plan.key, plan.key, "draft", draft_on, tool)
        return
    if plan.key == "safety_scale":
        _scales(rnd, forms, done_on, horizon)
        return
    forms.add(plan.key, plan.key, "completed", done_on, tool)
    repeat = {"mapping": (0.55, 55, 110), "work_with_children": (0.4, 14, 60)}.get(plan.key)
    if repeat is not None and rnd.random() < repeat[0]:
        again = done_on + timedelta(days=rnd.randint(repeat[1], repeat[2]))
        if again <= horizon:
            forms.add(plan.key, plan.key, "completed", again, rnd.choice(DIRECT_WORK_TOOLS) if tool else None)


def _scales(rnd: random.Random, forms: _Forms, first_on: date, horizon: date) -> None:
    """Scaling judgements every few weeks; the value moves a point or two each time, mostly upwards."""
    value = rnd.randint(1, 5)
    on = first_on
    while on <= horizon:
        forms.add("safety_scale", "safety_scale", "completed", on, scale=value)
        value = max(0, min(10, value + rnd.choice((-1, 0, 1, 1, 2))))
        on += timedelta(days=rnd.randint(21, 56))


def _at(rnd: random.Random, on: date) -> datetime:
    """A time within the working day; the sources record local time without an offset."""
    return datetime.combine(on, time(8, 30)) + timedelta(minutes=rnd.randint(0, 9 * 60))
