"""Northmoor's audits and course in its reporting database: earlier referrals and CP plans in
FACT_REFERRALS and FACT_CP_PLAN beside the current ones, and collaborative case audits as
'Case Audit' forms in FACT_FORMS with one FACT_FORM_ANSWERS row per answer, graded Outstanding,
Good, Requires improvement or Inadequate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from demo.measures import CaseAudit, Measures, on_scale
from demo.population import Caseload, DemoCase

AUDIT_TEMPLATE = "Case Audit - Collaborative"
GRADES = ("Inadequate", "Requires improvement", "Good", "Outstanding")
"""Lowest first, so a quality's rank on the scale indexes it."""
FAMILY = {"took_part": "Yes", "partly": "Partly", "did_not_take_part": "No"}
ROLE_WORDS = {
    "practitioner": "Social worker",
    "team_manager": "Team manager",
    "parent": "Parent",
    "child": "Child",
    "network_member": "Network member",
    "practice_lead": "Practice lead",
}
AREA_QUESTIONS = {
    "danger_statements": "GRADE_DANGER",
    "safety_goals": "GRADE_GOALS",
    "safety_planning": "GRADE_PLANNING",
}


def write(
    db: sqlite3.Connection, caseload: Caseload, measures: Measures, person: Callable[[DemoCase], int]
) -> None:
    """The earlier episodes and the audit forms; the current episodes are the case skeleton's own."""
    for episode in measures.episodes:
        case = episode.case
        if case.number % 9 == 4 or episode.started_on >= case.opened_on:
            continue  # the skeleton writes the current spell, and these cases' one earlier referral
        referral = 5_000_000 + case.number * 10 + episode.number
        if episode.kind == "referral":
            db.execute(
                "INSERT INTO FACT_REFERRALS VALUES (?, ?, ?, ?, ?, ?)",
                (referral, person(case), None, None, _dttm(episode.started_on), _dttm(episode.ended_on)),
            )
        elif episode.kind == "cp_plan":
            db.execute(
                "INSERT INTO FACT_CP_PLAN VALUES (?, ?, ?, ?, ?)",
                (
                    4_000_000 + case.number * 10 + episode.number,
                    referral - 1,
                    person(case),
                    _dttm(episode.started_on),
                    _dttm(episode.ended_on),
                ),
            )
    for audit in measures.audits:
        _audit_form(db, audit, person(audit.case))
    if caseload.cases:
        # A grade that is on no scale of this authority: quarantined, naming the scale's grades.
        yesterday = caseload.as_of - timedelta(days=1)
        some_case = caseload.cases[len(caseload.cases) // 3]
        _form(db, 8_999_001, person(some_case), yesterday, [("AUDIT_DATE", yesterday.isoformat()),
              ("OVERALL_GRADE", "Satisfactory"), ("FAMILY_PARTICIPATION", "Yes")])  # fmt: skip


def _audit_form(db: sqlite3.Connection, audit: CaseAudit, person: int) -> None:
    answers = [
        ("AUDIT_DATE", audit.audited_on.isoformat()),
        ("OVERALL_GRADE", GRADES[on_scale(audit.quality, len(GRADES))]),
        ("FAMILY_PARTICIPATION", FAMILY[audit.family]),
        ("ATTENDEES", "; ".join(ROLE_WORDS[role] for role in audit.participants)),
        *((AREA_QUESTIONS[area], GRADES[on_scale(quality, len(GRADES))]) for area, quality in audit.areas),
    ]
    _form(db, 9_000_000 + audit.number, person, audit.audited_on, answers)


def _form(
    db: sqlite3.Connection, form_id: int, person: int, on: date, answers: list[tuple[str, str]]
) -> None:
    db.execute("INSERT INTO FACT_FORMS VALUES (?, ?, ?, ?)", (form_id, person, "FT190", None))
    answered = _dttm(datetime.combine(on, time(16)))
    for number, (question, answer) in enumerate([*answers, ("FormEndDate", on.isoformat())]):
        db.execute(
            "INSERT INTO FACT_FORM_ANSWERS VALUES (?, ?, ?, ?, ?, ?)",
            (2_900_000 + form_id * 10 + number, form_id, question, answer, answered, AUDIT_TEMPLATE),
        )


def _dttm(day: date | None) -> str | None:
    return None if day is None else datetime.combine(day, time()).strftime("%Y-%m-%d %H:%M:%S")
