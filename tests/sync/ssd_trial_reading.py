"""The real-SSD trial's own reading of the `ssd_*` and form tables: what the whiteboard must show for
each child, worked out from the rows and the authority file's timeliness rules as data, without the
template's queries or the project's status and timeliness code, so that the two can disagree."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import holidays

CUT_OFF = date(2025, 4, 1)  # the template's own: cases closed before it are not read
TEAMS = {str(1001 + n): f"Team {name}" for n, name in enumerate(["North", "South", "East", "West", "Hub"])}
FORM_ELEMENTS: Mapping[str, tuple[str, ...]] = {
    "SoS Mapping": ("mapping",),
    "Harm Statement": ("harm_statement",),
    "Danger Statement": ("danger_statement",),
    "Safety Goal": ("safety_goal",),
    "Danger Statement & Safety Goal": ("danger_statement", "safety_goal"),
    "Safety Scale": ("safety_scale",),
    "Three Houses": ("work_with_children",),
    "Words and Pictures": ("words_and_pictures",),
    "Safety Network Meeting": ("safety_network",),
    "Safety Plan": ("safety_plan",),
    "Chronology": (),  # not practice evidence
}
"""Which elements each form type of the trial's CMS evidences, as a practitioner would say it."""
ELEMENTS = (
    "mapping",
    "harm_statement",
    "danger_statement",
    "safety_goal",
    "safety_scale",
    "work_with_children",
    "words_and_pictures",
    "safety_network",
    "safety_plan",
)
FINISHED = {"completed", "authorised"}


@dataclass
class Child:
    """One child as the trial writes them into the tables."""

    person: str
    referrals: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)
    involvements: list[dict[str, Any]] = field(default_factory=list)
    forms: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Expected:
    case_type: str
    team: str | None
    worker_id: str | None
    opened_on: str
    closed_on: str | None
    cp_plan_start: str | None


def expected_case(child: Child) -> Expected | None:
    """The case the whiteboard must show for this child, or None where it is closed before the cut-off."""
    latest = max(child.referrals, key=lambda r: r["cine_referral_date"])
    closed = latest["cine_close_date"]
    if closed is not None and closed[:10] < CUT_OFF.isoformat():
        return None
    open_plans = [p for p in child.plans if p["cppl_cp_plan_end_date"] is None]
    open_episodes = [e for e in child.episodes if e["clae_cla_episode_ceased_date"] is None]
    plan = max(open_plans, key=lambda p: p["cppl_cp_plan_start_date"], default=None)
    episode = max(open_episodes, key=lambda e: e["clae_cla_episode_start_date"], default=None)
    if episode is not None and (
        plan is None or episode["clae_cla_episode_start_date"] >= plan["cppl_cp_plan_start_date"]
    ):
        case_type = "looked_after"
    else:
        case_type = "cp" if plan is not None else "cin"
    involvements = [
        i
        for i in child.involvements
        if i["invo_referral_id"] == latest["cine_referral_id"] and i["invo_involvement_end_date"] is None
    ]
    involvement = max(involvements, key=lambda i: i["invo_involvement_start_date"], default=None)
    code = involvement["invo_professional_team"] if involvement else latest["cine_referral_team"]
    return Expected(
        case_type=case_type,
        team=TEAMS.get(code, f"{code} (team not in the team list)"),
        worker_id=involvement["invo_professional_id"] if involvement else None,
        opened_on=latest["cine_referral_date"][:10],
        closed_on=closed and closed[:10],
        cp_plan_start=plan["cppl_cp_plan_start_date"][:10] if plan else None,
    )


@cache
def _english_bank_holidays() -> Container[date]:
    calendar: Container[date] = holidays.country_holidays("GB", subdiv="ENG")
    return calendar


def working_days_after(start: date, days: int) -> date:
    """The day `days` working days after `start`, Mondays to Fridays that are not bank holidays."""
    on = start
    while days:
        on += timedelta(days=1)
        if on.weekday() < 5 and on not in _english_bank_holidays():
            days -= 1
    return on


def due_on(rule: Mapping[str, Any] | None, case: Expected) -> str | None:
    """The due date an authority file's `timeliness` entry gives this case, read as the file states it."""
    if rule is None or "due" not in rule:
        return None
    if "case_types" in rule and case.case_type not in rule["case_types"]:
        return None
    due = rule["due"]
    anchor = case.cp_plan_start if due.get("after", "opened") == "cp_plan_start" else case.opened_on
    if anchor is None:
        return None
    start = date.fromisoformat(anchor)
    if due.get("working", False):
        return working_days_after(start, due["days"]).isoformat()
    return (start + timedelta(days=due["days"])).isoformat()


def evidenced_on(form: Mapping[str, Any]) -> str:
    on: str = form["completed_on"] or form["started_on"]
    return on


def scale_of(form: Mapping[str, Any], answers: list[dict[str, Any]]) -> int | None:
    return next(
        (
            a["number_answer"]
            for a in answers
            if a["form_id"] == form["form_id"] and a["question"] == "SAFETY_SCALE"
        ),
        None,
    )


def expected_cells(
    child: Child, case: Expected, timeliness: Mapping[str, Any], today: date
) -> dict[str, dict[str, Any]]:
    """Every element's cell for an open child: its status, dates, count, due date and latest scale.

    A cancelled form never counts and a form dated after today is not yet practice; a completed or
    authorised one evidences, a draft is work in progress. Evidence past the review interval is due
    a review; nothing completed after the due date is overdue. On one day the higher scale
    judgement stands last."""
    cells = {}
    for element in ELEMENTS:
        forms = [
            f
            for f in child.forms
            if element in FORM_ELEMENTS[f["form_type"]]
            and f["status"] != "cancelled"
            and evidenced_on(f) <= today.isoformat()
        ]
        done = sorted(
            ((evidenced_on(f), scale_of(f, child.answers)) for f in forms if f["status"] in FINISHED),
            key=lambda d: (d[0], -1 if d[1] is None else d[1]),
        )
        rule = timeliness.get(element)
        due = due_on(rule, case)
        if done:
            last = date.fromisoformat(done[-1][0])
            review = rule and rule.get("review_every_days")
            status = "review_due" if review and (today - last).days > review else "evidenced"
        elif due is not None and today.isoformat() > due:
            status = "overdue"
        else:
            status = "in_progress" if forms else "not_started"
        cells[element] = {
            "status": status,
            "first_evidenced_on": done[0][0] if done else None,
            "last_evidenced_on": done[-1][0] if done else None,
            "evidence_count": len(done),
            "due_on": due,
            "scale_value": next((s for _, s in reversed(done) if s is not None), None),
        }
    return cells
