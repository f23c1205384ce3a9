"""The demo's other two measurements, in neutral terms before any source shape: each case's course
(its earlier referrals, CP plans and care episodes as well as the current ones) and its
collaborative case audits.

Drawn from a random stream of their own, so the caseload (cases and practice records) is the same
bytes as without them. A case's earlier episodes all end before its current referral opens: the
case as the whiteboard shows it is still its latest episode. Codes only: closure reasons as the CIN
census writes them (RC7 services ceased, RC8 no further action, RC9 early help), care endings as the
SSDA903 return does (E13 left care to live with parents, E4A returned home, E11 adopted), audit
roles as codes, never a name.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from demo.population import Caseload, DemoCase, Profile

EpisodeKind = Literal["referral", "cp_plan", "looked_after"]
Participation = Literal["took_part", "partly", "did_not_take_part"]

CLOSURE_REASONS = ("RC7", "RC8", "RC9")
CARE_ENDINGS = ("E13", "E4A", "E11")
ROLES = ("practitioner", "team_manager", "parent", "child", "network_member", "practice_lead")
AREAS = ("danger_statements", "safety_goals", "safety_planning")
FAMILY = {"took_part": "Yes", "partly": "Partly", "did_not_take_part": "No"}
"""How an audit form (a CMS form, a QA spreadsheet) words the family's participation."""
ROLE_WORDS = {
    "practitioner": "Social worker",
    "team_manager": "Team manager",
    "parent": "Parent",
    "child": "Child",
    "network_member": "Network member",
    "practice_lead": "Practice lead",
}
"""How an audit form words each role that took part."""


@dataclass(frozen=True)
class Episode:
    case: DemoCase
    kind: EpisodeKind
    number: int
    """Its place among the case's episodes, to give each source's own id."""
    started_on: date
    ended_on: date | None
    end_reason: str | None = None
    previous_cp_plans: int | None = None


@dataclass(frozen=True)
class CaseAudit:
    """One collaborative case audit; quality is 0 (lowest) to 1, each source grades it on its scale."""

    number: int
    case: DemoCase
    audited_on: date
    quality: float
    family: Participation
    participants: tuple[str, ...]
    areas: tuple[tuple[str, float], ...]
    updated_at: datetime


@dataclass(frozen=True)
class Measures:
    episodes: tuple[Episode, ...]
    audits: tuple[CaseAudit, ...]


def build_measures(profile: Profile, caseload: Caseload, seed: int) -> Measures:
    """Every case's episodes (earlier ones first) and audits, the same for the same arguments."""
    rnd = random.Random(f"{seed}:{profile.code}:measures")  # noqa: S311  # nosec B311  # reproducible on purpose
    episodes: list[Episode] = []
    audits: list[CaseAudit] = []
    paces = {team.name: team.pace for team in profile.teams}
    for case in caseload.cases:
        episodes.extend(_course(rnd, case))
        audits.extend(_audits(rnd, case, paces.get(case.team or "", 1.0), len(audits), caseload.as_of))
    return Measures(tuple(episodes), tuple(audits))


def _course(rnd: random.Random, case: DemoCase) -> list[Episode]:
    """Up to two earlier spells (a referral, perhaps with a CP plan that stepped down before it closed
    or closed with it), then the current referral with its CP plan or care episode."""
    spells: list[tuple[date, date, date | None, date | None]] = []
    next_start = case.opened_on
    while len(spells) < 2 and rnd.random() < (0.3 if spells else 0.4):
        # Re-referred inside twelve months of the closure, or well outside them.
        gap = rnd.randint(20, 330) if rnd.random() < 0.6 else rnd.randint(400, 700)
        closed = next_start - timedelta(days=gap)
        long_plan = rnd.random() < 0.06
        opened = closed - timedelta(days=rnd.randint(800, 900) if long_plan else rnd.randint(60, 300))
        plan_start = plan_end = None
        if long_plan or rnd.random() < 0.45:
            plan_start = opened + timedelta(days=rnd.randint(10, 40))
            plan_end = closed
            if not long_plan and (closed - plan_start).days > 90 and rnd.random() < 0.55:
                # Stepped down: the plan ends and the child stays in need until the closure.
                plan_end = plan_start + timedelta(days=rnd.randint(40, (closed - plan_start).days - 30))
        spells.append((opened, closed, plan_start, plan_end))
        next_start = opened
    made: list[Episode] = []
    plans = 0
    for opened, closed, plan_start, plan_end in reversed(spells):
        made.append(Episode(case, "referral", len(made), opened, closed, rnd.choice(CLOSURE_REASONS)))
        if plan_start is not None:
            made.append(Episode(case, "cp_plan", len(made), plan_start, plan_end, None, plans))
            plans += 1
    reason = CLOSURE_REASONS[case.number % 3] if case.closed_on else None
    made.append(Episode(case, "referral", len(made), case.opened_on, case.closed_on, reason))
    if case.cp_plan_start is not None:
        made.append(Episode(case, "cp_plan", len(made), case.cp_plan_start, case.closed_on, None, plans))
    if case.case_type == "looked_after":
        ending = CARE_ENDINGS[case.number % 3] if case.closed_on else None
        made.append(Episode(case, "looked_after", len(made), case.opened_on, case.closed_on, ending))
    return made


def _audits(rnd: random.Random, case: DemoCase, pace: float, first: int, as_of: date) -> list[CaseAudit]:
    """None, one or two audits after the case's first month; a faster team tends to audit better."""
    horizon = min(case.closed_on or as_of, as_of - timedelta(days=1))
    span = (horizon - case.opened_on).days - 30
    if span <= 0:
        return []
    count = rnd.choices((0, 1, 2), (0.5, 0.33, 0.17))[0]
    days = sorted(rnd.sample(range(span), min(count, span)))
    made: list[CaseAudit] = []
    for day in days:
        quality = max(0.0, min(1.0, rnd.gauss(0.55 * pace, 0.22)))
        on = case.opened_on + timedelta(days=30 + day)
        family: Participation = rnd.choices(("took_part", "partly", "did_not_take_part"), (0.55, 0.25, 0.2))[
            0
        ]
        roles = ["practitioner", "team_manager", *rnd.sample(ROLES[2:], rnd.randint(0, 3))]
        if family == "did_not_take_part":
            roles = [r for r in roles if r not in {"parent", "child"}]
        areas = tuple((area, max(0.0, min(1.0, quality + rnd.uniform(-0.25, 0.25)))) for area in AREAS)
        updated = datetime.combine(on, time(9)) + timedelta(minutes=rnd.randint(0, 8 * 60))
        present = tuple(sorted(set(roles), key=ROLES.index))
        made.append(CaseAudit(first + len(made), case, on, quality, family, present, areas, updated))
    return made


def on_scale(quality: float, grades: int) -> int:
    """A quality as a rank on a scale of `grades` grades, 0 the lowest."""
    return min(int(quality * grades), grades - 1)
