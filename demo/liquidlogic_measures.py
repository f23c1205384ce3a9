"""Northmoor's audits and course in its reporting database: earlier referrals and CP plans in
FACT_REFERRALS and FACT_CP_PLAN beside the current ones, and collaborative case audits as
'Case Audit' forms in FACT_FORMS with one FACT_FORM_ANSWERS row per answer, graded Outstanding,
Good, Requires improvement or Inadequate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from demo.measures import FAMILY, ROLE_WORDS, CaseAudit, Measures, on_scale
from demo.population import Caseload, DemoCase

AUDIT_TEMPLATE = "Case Audit - Collaborative"
GRADES = ("Inadequate", "Requires improvement", "Good", "Outstanding")
"""Lowest first, so a quality's rank on the scale indexes it."""
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
                "INSERT INTO FACT_REFERRALS VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    referral,
                    person(case),
                    None,
                    None,
                    _dttm(episode.started_on),
                    _dttm(episode.ended_on),
                    episode.end_reason,
                ),
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
    _current_endings(db, measures, person)
    for audit in measures.audits:
        _audit_form(db, audit, person(audit.case))
    if caseload.cases:
        # A grade that is on no scale of this authority: quarantined, naming the scale's grades.
        yesterday = caseload.as_of - timedelta(days=1)
        some_case = caseload.cases[len(caseload.cases) // 3]
        _form(db, 8_999_001, person(some_case), yesterday, [("AUDIT_DATE", yesterday.isoformat()),
              ("OVERALL_GRADE", "Satisfactory"), ("FAMILY_PARTICIPATION", "Yes")])  # fmt: skip


def _current_endings(db: sqlite3.Connection, measures: Measures, person: Callable[[DemoCase], int]) -> None:
    """The current referral's closure reason and care episode's end reason, as the case's course has them."""
    for episode in measures.episodes:
        if episode.end_reason is None or episode.started_on < episode.case.opened_on:
            continue
        if episode.kind == "referral":
            db.execute(
                "UPDATE FACT_REFERRALS SET DIM_LOOKUP_REFRL_ENDRSN_ID_CODE = ? "
                "WHERE DIM_PERSON_ID = ? AND REFRL_START_DTTM = ?",
                (episode.end_reason, person(episode.case), _dttm(episode.started_on)),
            )
        elif episode.kind == "looked_after":
            db.execute(
                "UPDATE FACT_CARE_EPISODES SET CARE_REASON_END_CODE = ? "
                "WHERE DIM_PERSON_ID = ? AND CARE_START_DATE = ?",
                (episode.end_reason, person(episode.case), episode.started_on.isoformat()),
            )


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


STREAMS_YAML = """\
    audits:
      # Finished 'Case Audit' forms, one row per audit with its coded answers pivoted into columns.
      query: |
        SELECT
            f.FACT_FORM_ID,
            f.DIM_PERSON_ID,
            MAX(CASE WHEN a.ANSWER_NO = 'AUDIT_DATE' THEN a.ANSWER END) AS AUDIT_DATE,
            MAX(CASE WHEN a.ANSWER_NO = 'OVERALL_GRADE' THEN a.ANSWER END) AS OVERALL_GRADE,
            MAX(CASE WHEN a.ANSWER_NO = 'FAMILY_PARTICIPATION' THEN a.ANSWER END) AS FAMILY_PARTICIPATION,
            MAX(CASE WHEN a.ANSWER_NO = 'ATTENDEES' THEN a.ANSWER END) AS ATTENDEES,
            MAX(CASE WHEN a.ANSWER_NO = 'GRADE_DANGER' THEN a.ANSWER END) AS GRADE_DANGER,
            MAX(CASE WHEN a.ANSWER_NO = 'GRADE_GOALS' THEN a.ANSWER END) AS GRADE_GOALS,
            MAX(CASE WHEN a.ANSWER_NO = 'GRADE_PLANNING' THEN a.ANSWER END) AS GRADE_PLANNING,
            MAX(a.ANSWERED_DTTM) AS FORM_ANSWERED_DTTM
        FROM FACT_FORMS f
        JOIN FACT_FORM_ANSWERS a ON a.FACT_FORM_ID = f.FACT_FORM_ID
        WHERE a.DIM_ASSESSMENT_TEMPLATE_ID_DESC LIKE 'Case Audit%'
        GROUP BY f.FACT_FORM_ID, f.DIM_PERSON_ID
        HAVING MAX(a.ANSWERED_DTTM) >= :watermark
          AND MAX(CASE WHEN a.ANSWER_NO = 'FormEndDate' THEN 1 END) = 1
        ORDER BY MAX(a.ANSWERED_DTTM), f.FACT_FORM_ID
      cursor_field: FORM_ANSWERED_DTTM
      initial_watermark: "2020-01-01"
      lookback: {minutes: 60}
      case_query: |
        SELECT
            f.FACT_FORM_ID,
            f.DIM_PERSON_ID,
            MAX(CASE WHEN a.ANSWER_NO = 'AUDIT_DATE' THEN a.ANSWER END) AS AUDIT_DATE,
            MAX(CASE WHEN a.ANSWER_NO = 'OVERALL_GRADE' THEN a.ANSWER END) AS OVERALL_GRADE,
            MAX(CASE WHEN a.ANSWER_NO = 'FAMILY_PARTICIPATION' THEN a.ANSWER END) AS FAMILY_PARTICIPATION,
            MAX(CASE WHEN a.ANSWER_NO = 'ATTENDEES' THEN a.ANSWER END) AS ATTENDEES,
            MAX(CASE WHEN a.ANSWER_NO = 'GRADE_DANGER' THEN a.ANSWER END) AS GRADE_DANGER,
            MAX(CASE WHEN a.ANSWER_NO = 'GRADE_GOALS' THEN a.ANSWER END) AS GRADE_GOALS,
            MAX(CASE WHEN a.ANSWER_NO = 'GRADE_PLANNING' THEN a.ANSWER END) AS GRADE_PLANNING,
            MAX(a.ANSWERED_DTTM) AS FORM_ANSWERED_DTTM
        FROM FACT_FORMS f
        JOIN FACT_FORM_ANSWERS a ON a.FACT_FORM_ID = f.FACT_FORM_ID
        WHERE f.DIM_PERSON_ID = :case_ref
          AND a.DIM_ASSESSMENT_TEMPLATE_ID_DESC LIKE 'Case Audit%'
        GROUP BY f.FACT_FORM_ID, f.DIM_PERSON_ID
        HAVING MAX(CASE WHEN a.ANSWER_NO = 'FormEndDate' THEN 1 END) = 1
        ORDER BY f.FACT_FORM_ID
    episodes:
      # Every referral, CP plan and care episode, earlier ones too; ids made unique across the tables.
      query: |
        SELECT CAST(r.FACT_REFERRAL_ID AS BIGINT) * 10 + 1 AS EPISODE_ID, r.DIM_PERSON_ID,
               'REF' AS EPISODE_TYPE, r.REFRL_START_DTTM AS START_DTTM, r.REFRL_END_DTTM AS END_DTTM,
               r.DIM_LOOKUP_REFRL_ENDRSN_ID_CODE AS END_REASON, NULL AS PREVIOUS_PLANS
        FROM FACT_REFERRALS r
        UNION ALL
        SELECT CAST(cp.FACT_CP_PLAN_ID AS BIGINT) * 10 + 2, cp.DIM_PERSON_ID, 'CPP',
               cp.START_DTTM, cp.END_DTTM, NULL,
               (SELECT COUNT(*) FROM FACT_CP_PLAN earlier WHERE earlier.DIM_PERSON_ID = cp.DIM_PERSON_ID
                AND earlier.START_DTTM < cp.START_DTTM)
        FROM FACT_CP_PLAN cp
        UNION ALL
        SELECT CAST(ce.FACT_CARE_EPISODES_ID AS BIGINT) * 10 + 3, ce.DIM_PERSON_ID, 'LAC',
               ce.CARE_START_DATE, ce.CARE_END_DATE, ce.CARE_REASON_END_CODE, NULL
        FROM FACT_CARE_EPISODES ce
        ORDER BY 2, 4
      # One child's: each branch of the union keeps only that child's rows.
      case_query: |
        SELECT CAST(r.FACT_REFERRAL_ID AS BIGINT) * 10 + 1 AS EPISODE_ID, r.DIM_PERSON_ID,
               'REF' AS EPISODE_TYPE, r.REFRL_START_DTTM AS START_DTTM, r.REFRL_END_DTTM AS END_DTTM,
               r.DIM_LOOKUP_REFRL_ENDRSN_ID_CODE AS END_REASON, NULL AS PREVIOUS_PLANS
        FROM FACT_REFERRALS r
        WHERE r.DIM_PERSON_ID = :case_ref
        UNION ALL
        SELECT CAST(cp.FACT_CP_PLAN_ID AS BIGINT) * 10 + 2, cp.DIM_PERSON_ID, 'CPP',
               cp.START_DTTM, cp.END_DTTM, NULL,
               (SELECT COUNT(*) FROM FACT_CP_PLAN earlier WHERE earlier.DIM_PERSON_ID = cp.DIM_PERSON_ID
                AND earlier.START_DTTM < cp.START_DTTM)
        FROM FACT_CP_PLAN cp
        WHERE cp.DIM_PERSON_ID = :case_ref
        UNION ALL
        SELECT CAST(ce.FACT_CARE_EPISODES_ID AS BIGINT) * 10 + 3, ce.DIM_PERSON_ID, 'LAC',
               ce.CARE_START_DATE, ce.CARE_END_DATE, ce.CARE_REASON_END_CODE, NULL
        FROM FACT_CARE_EPISODES ce
        WHERE ce.DIM_PERSON_ID = :case_ref
        ORDER BY 2, 4
"""
"""Northmoor's audits and episodes streams, as the liquidlogic template reads them (its audit forms'
template names begin 'Case Audit', as AUDIT_TEMPLATE does)."""

GRADE_MAP = (
    "{Outstanding: outstanding, Good: good, "
    "Requires improvement: requires_improvement, Inadequate: inadequate}"
)

MAPPING_YAML = f"""\
  audits:
    source_id: {{path: FACT_FORM_ID}}
    fields:
      case_ref: {{path: DIM_PERSON_ID}}
      audited_on: {{path: AUDIT_DATE, date: iso}}
      grade: {{path: OVERALL_GRADE, map: {GRADE_MAP}}}
      family_participation:
        path: FAMILY_PARTICIPATION
        map: {{"Yes": took_part, Partly: partly, "No": did_not_take_part}}
      participants:
        path: ATTENDEES
        split: ";"
        map:
          Social worker: practitioner
          Team manager: team_manager
          Parent: parent
          Child: child
          Network member: network_member
          Practice lead: practice_lead
      area.danger_statements: {{path: GRADE_DANGER, map: {GRADE_MAP}}}
      area.safety_goals: {{path: GRADE_GOALS, map: {GRADE_MAP}}}
      area.safety_planning: {{path: GRADE_PLANNING, map: {GRADE_MAP}}}
      source_updated_at: {{path: FORM_ANSWERED_DTTM, datetime: iso}}
  episodes:
    source_id: {{path: EPISODE_ID}}
    fields:
      case_ref: {{path: DIM_PERSON_ID}}
      kind: {{path: EPISODE_TYPE, map: {{REF: referral, CPP: cp_plan, LAC: looked_after}}}}
      started_on: {{path: START_DTTM, datetime: iso}}
      ended_on: {{path: END_DTTM, datetime: iso}}
      end_reason: {{path: END_REASON}}
      previous_cp_plans: {{path: PREVIOUS_PLANS, number: true}}

audit_scale:
  grades:
    - {{code: outstanding, words: Outstanding}}
    - {{code: good, words: Good}}
    - {{code: requires_improvement, words: Requires improvement}}
    - {{code: inadequate, words: Inadequate}}
  good_line: good
"""
"""Their mapping, graded on the authority's four-word scale, and the scale itself."""
