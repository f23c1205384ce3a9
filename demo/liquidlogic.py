"""Demo authority 1: a Liquidlogic-shaped reporting database (SQLite), read by the `sql` connector.

The tables and columns are those of HDM.Child_Social (DESIGN.md section 1): the case skeleton from
FACT_REFERRALS, FACT_CP_PLAN, FACT_CARE_EPISODES, DIM_DEPARTMENT and DIM_WORKER, and the evidence as
FACT_FORMS with one FACT_FORM_ANSWERS row per answer, named by DIM_ASSESSMENT_TEMPLATE_ID_DESC.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path
from string import Template

from demo import liquidlogic_measures
from demo.measures import Measures
from demo.population import Caseload, DemoCase, PracticeRecord, Profile, Team

PROFILE = Profile(
    code="northmoor",
    teams=(
        Team("North Locality", 1.08, (("words_and_pictures", 1.4), ("safety_network", 1.2))),
        Team("Central Locality", 0.82, (("safety_network", 0.55), ("safety_goal", 0.8))),
        Team("South Locality", 0.96, (("work_with_children", 1.3), ("harm_statement", 0.7))),
        Team("Children in Care", 0.9, (("safety_plan", 0.7),), looked_after_only=True),
    ),
    case_mix=(("cin", 0.42), ("cp", 0.33), ("looked_after", 0.25)),
    worker_prefix="NM-W",
)

TEMPLATES = {
    "mapping": "Signs of Safety Mapping",
    "harm_statement": "Harm Statement",
    "danger_statement": "Danger Statement",
    "safety_goal": "Safety Goal",
    "safety_scale": "Safety Scaling",
    "three_houses": "Direct Work - Three Houses",
    "wizards_and_fairies": "Direct Work - Wizards and Fairies",
    "safety_house": "Direct Work - Safety House",
    "words_and_pictures": "Words and Pictures Explanation",
    "safety_network": "Safety Network Meeting",
    "safety_plan": "Safety Plan (Signs of Safety)",
    "case_note": "Case Note",
    "statutory_visit": "Statutory Visit",
    "chronology": "Chronology Entry",
    "assessment": "Child and Family Assessment",
}
SUBSTATUS = {"draft": "D", "cancelled": "X", "completed": None}

SCHEMA = """
CREATE TABLE DIM_DEPARTMENT (DIM_DEPARTMENT_ID INTEGER PRIMARY KEY, NAME TEXT NOT NULL);
CREATE TABLE DIM_WORKER (DIM_WORKER_ID INTEGER PRIMARY KEY, WORKER_ID_CODE TEXT NOT NULL,
    DIM_DEPARTMENT_ID INTEGER);
CREATE TABLE DIM_PERSON (DIM_PERSON_ID INTEGER PRIMARY KEY);
CREATE TABLE FACT_REFERRALS (FACT_REFERRAL_ID INTEGER PRIMARY KEY, DIM_PERSON_ID INTEGER NOT NULL,
    DIM_DEPARTMENT_ID INTEGER, DIM_WORKER_ID INTEGER, REFRL_START_DTTM TEXT NOT NULL, REFRL_END_DTTM TEXT,
    DIM_LOOKUP_REFRL_ENDRSN_ID_CODE TEXT);
CREATE TABLE FACT_CP_PLAN (FACT_CP_PLAN_ID INTEGER PRIMARY KEY, FACT_REFERRAL_ID INTEGER NOT NULL,
    DIM_PERSON_ID INTEGER NOT NULL, START_DTTM TEXT NOT NULL, END_DTTM TEXT);
CREATE TABLE FACT_CARE_EPISODES (FACT_CARE_EPISODES_ID INTEGER PRIMARY KEY, DIM_PERSON_ID INTEGER NOT NULL,
    CARE_START_DATE TEXT NOT NULL, CARE_END_DATE TEXT, CARE_REASON_END_CODE TEXT);
CREATE TABLE FACT_FORMS (FACT_FORM_ID INTEGER PRIMARY KEY, DIM_PERSON_ID INTEGER,
    DIM_LOOKUP_FORM_TYPE_ID_CODE TEXT, SUBSTATUS TEXT);
CREATE TABLE FACT_FORM_ANSWERS (FACT_FORM_ANSWER_ID INTEGER PRIMARY KEY, FACT_FORM_ID INTEGER NOT NULL,
    ANSWER_NO TEXT NOT NULL, ANSWER TEXT, ANSWERED_DTTM TEXT, DIM_ASSESSMENT_TEMPLATE_ID_DESC TEXT);
CREATE INDEX ix_answers_form ON FACT_FORM_ANSWERS (FACT_FORM_ID);
"""


def person_id(case: DemoCase) -> int:
    return 2_104_000 + case.number * 7


def build(path: Path, caseload: Caseload, measures: Measures) -> None:
    """Write the reporting database from scratch (the caller removed any earlier one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        _skeleton(db, caseload)
        _forms(db, caseload)
        _flaws(db, caseload)
        liquidlogic_measures.write(db, caseload, measures, person_id)
    db.close()


def _dttm(moment: datetime | date | None) -> str | None:
    """SQL Server's datetime spelling, as an HDM extract into SQLite keeps it."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, datetime.min.time())
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _skeleton(db: sqlite3.Connection, caseload: Caseload) -> None:
    departments = {team.name: number for number, team in enumerate(PROFILE.teams, start=1)}
    db.executemany("INSERT INTO DIM_DEPARTMENT VALUES (?, ?)", [(n, name) for name, n in departments.items()])
    workers: dict[str, int] = {}
    for case in caseload.cases:
        if case.worker not in workers:
            workers[case.worker] = 500 + len(workers)
            department = departments.get(case.team or "")
            db.execute(
                "INSERT INTO DIM_WORKER VALUES (?, ?, ?)", (workers[case.worker], case.worker, department)
            )
    for case in caseload.cases:
        person = person_id(case)
        referral = 90_000 + case.number * 3
        db.execute("INSERT INTO DIM_PERSON VALUES (?)", (person,))
        if case.number % 9 == 4:
            # An earlier, long closed referral: the query must pick the latest one.
            earlier = case.opened_on - timedelta(days=400)
            db.execute(
                "INSERT INTO FACT_REFERRALS VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (referral - 1, person, None, None, _dttm(earlier), _dttm(earlier + timedelta(days=60))),
            )
        db.execute(
            "INSERT INTO FACT_REFERRALS VALUES (?, ?, ?, ?, ?, ?, NULL)",
            (
                referral,
                person,
                departments.get(case.team or ""),
                workers[case.worker],
                _dttm(case.opened_on),
                _dttm(case.closed_on),
            ),
        )
        if case.cp_plan_start is not None:
            db.execute(
                "INSERT INTO FACT_CP_PLAN VALUES (?, ?, ?, ?, ?)",
                (40_000 + case.number, referral, person, _dttm(case.cp_plan_start), _dttm(case.closed_on)),
            )
        if case.case_type == "looked_after":
            db.execute(
                "INSERT INTO FACT_CARE_EPISODES VALUES (?, ?, ?, ?, NULL)",
                (60_000 + case.number, person, case.opened_on.isoformat(), _date(case.closed_on)),
            )


def _date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _template(record: PracticeRecord) -> str:
    return TEMPLATES[record.tool or record.form]


def _form_type(record: PracticeRecord) -> str:
    return f"FT{list(TEMPLATES).index(record.tool or record.form) + 101}"


def _answers(record: PracticeRecord) -> list[tuple[str, str | None]]:
    """Coded answers only: a date, a scale, a count. Real forms hold narrative; the demo never does."""
    answers: list[tuple[str, str | None]] = [("RECORDED_ON", record.started_at.date().isoformat())]
    if record.scale is not None:
        answers.append(("SAFETY_SCALE", str(record.scale)))
    if record.form == "safety_network":
        answers.append(("NETWORK_MEMBERS", str(3 + record.number % 5)))
    return answers


def _forms(db: sqlite3.Connection, caseload: Caseload) -> None:
    answer_id = 1_000_000
    for record in caseload.records:
        form_id = 300_000 + record.number
        db.execute(
            "INSERT INTO FACT_FORMS VALUES (?, ?, ?, ?)",
            (form_id, person_id(record.case), _form_type(record), SUBSTATUS[record.state]),
        )
        answered = _dttm(record.completed_at or record.started_at)
        for question, answer in _answers(record):
            answer_id += 1
            db.execute(
                "INSERT INTO FACT_FORM_ANSWERS VALUES (?, ?, ?, ?, ?, ?)",
                (answer_id, form_id, question, answer, answered, _template(record)),
            )


def _flaws(db: sqlite3.Connection, caseload: Caseload) -> None:
    """Records a real extract has now and then; each must end in quarantine with its reason."""
    if not caseload.cases:
        return
    yesterday = caseload.as_of - timedelta(days=1)
    answered = _dttm(datetime.combine(yesterday, time(15)))
    recorded = ("RECORDED_ON", yesterday.isoformat())
    some_case = person_id(caseload.cases[len(caseload.cases) // 2])
    forms = [
        # A scaling answer outside 0-10.
        (990_001, some_case, "Safety Scaling", [recorded, ("SAFETY_SCALE", "12")], answered),
        # A date no calendar has.
        (990_002, some_case, "Danger Statement", [recorded], f"{yesterday.year - 1}-02-30 10:15:00"),
        # A form that lost its child in a merge.
        (990_003, None, "Safety Goal", [recorded], answered),
    ]
    for form_id, person, template, answers, at in forms:
        db.execute("INSERT INTO FACT_FORMS VALUES (?, ?, ?, ?)", (form_id, person, "FT199", None))
        for number, (question, answer) in enumerate(answers):
            db.execute(
                "INSERT INTO FACT_FORM_ANSWERS VALUES (?, ?, ?, ?, ?, ?)",
                (1_990_000 + form_id * 10 + number, form_id, question, answer, at, template),
            )
    # A referral closed before it opened.
    db.execute("INSERT INTO DIM_PERSON VALUES (?)", (2_099_999,))
    db.execute(
        "INSERT INTO FACT_REFERRALS VALUES (?, ?, ?, ?, ?, ?, NULL)",
        (
            89_999,
            2_099_999,
            1,
            None,
            _dttm(yesterday - timedelta(days=20)),
            _dttm(yesterday - timedelta(days=40)),
        ),
    )


CASES_SELECT = """\
        SELECT
            r.FACT_REFERRAL_ID AS ROW_ID,
            r.DIM_PERSON_ID,
            d.NAME AS DEPARTMENT_NAME,
            w.WORKER_ID_CODE AS WORKER_ID,
            CASE
                WHEN ce.FACT_CARE_EPISODES_ID IS NOT NULL THEN 'LAC'
                WHEN cp.FACT_CP_PLAN_ID IS NOT NULL THEN 'CP'
                ELSE 'CIN'
            END AS CASE_TYPE,
            r.REFRL_START_DTTM AS START_DTTM,
            r.REFRL_END_DTTM AS END_DTTM,
            cp.START_DTTM AS CP_START_DTTM,
            COALESCE(r.REFRL_END_DTTM, ce.CARE_START_DATE, cp.START_DTTM, r.REFRL_START_DTTM) AS UPDATED_DTTM
        FROM FACT_REFERRALS r
        JOIN DIM_PERSON p ON p.DIM_PERSON_ID = r.DIM_PERSON_ID
        LEFT JOIN DIM_DEPARTMENT d ON d.DIM_DEPARTMENT_ID = r.DIM_DEPARTMENT_ID
        LEFT JOIN DIM_WORKER w ON w.DIM_WORKER_ID = r.DIM_WORKER_ID
        LEFT JOIN FACT_CP_PLAN cp ON cp.FACT_REFERRAL_ID = r.FACT_REFERRAL_ID AND cp.END_DTTM IS NULL
        LEFT JOIN FACT_CARE_EPISODES ce ON ce.DIM_PERSON_ID = r.DIM_PERSON_ID AND ce.CARE_END_DATE IS NULL
"""
"""Each child's latest referral with its team, worker, CP plan and care episode (the case skeleton)."""


AUTHORITY_YAML = Template("""\
# Demo authority: a Liquidlogic LCS reporting database (HDM.Child_Social tables, here in SQLite).
# Adapted from config/templates/liquidlogic.yaml. Generated by `sofs-sync demo`; edits are overwritten.
code: northmoor
name: Northmoor Borough Council (demo, Liquidlogic-shaped)

schedule:
  interval: {minutes: 15}
  timezone: Europe/London

connector:
  type: sql
  url: "sqlite:///$database"
  batch_size: 200
  streams:
    cases:
      # Each child's latest referral, with CP plan and care episode deciding the case type. Small,
      # and without a trustworthy change column, so read whole every run; unchanged cases are
      # recognised by content.
      query: |
$cases_select        WHERE (r.REFRL_END_DTTM IS NULL OR r.REFRL_END_DTTM >= '$closed_since')
          AND NOT EXISTS (
              SELECT 1 FROM FACT_REFERRALS later
              WHERE later.DIM_PERSON_ID = r.DIM_PERSON_ID AND later.REFRL_START_DTTM > r.REFRL_START_DTTM
          )
        ORDER BY r.DIM_PERSON_ID
      case_query: |
$cases_select        WHERE r.DIM_PERSON_ID = :case_ref
          AND NOT EXISTS (
              SELECT 1 FROM FACT_REFERRALS later
              WHERE later.DIM_PERSON_ID = r.DIM_PERSON_ID AND later.REFRL_START_DTTM > r.REFRL_START_DTTM
          )
        ORDER BY r.DIM_PERSON_ID
    evidence:
      # One row per answer; a form's rows are read together (group_by) and gathered by the mapping.
      query: |
        SELECT
            f.FACT_FORM_ID,
            f.DIM_PERSON_ID,
            f.DIM_LOOKUP_FORM_TYPE_ID_CODE,
            f.SUBSTATUS,
            a.FACT_FORM_ANSWER_ID,
            a.ANSWER_NO,
            a.ANSWER,
            a.ANSWERED_DTTM,
            a.DIM_ASSESSMENT_TEMPLATE_ID_DESC,
            latest.FORM_ANSWERED_DTTM
        FROM FACT_FORMS f
        JOIN (
            SELECT FACT_FORM_ID, MAX(ANSWERED_DTTM) AS FORM_ANSWERED_DTTM
            FROM FACT_FORM_ANSWERS
            GROUP BY FACT_FORM_ID
        ) latest ON latest.FACT_FORM_ID = f.FACT_FORM_ID
        JOIN FACT_FORM_ANSWERS a ON a.FACT_FORM_ID = f.FACT_FORM_ID
        WHERE latest.FORM_ANSWERED_DTTM >= :watermark
          AND a.DIM_ASSESSMENT_TEMPLATE_ID_DESC NOT LIKE 'Case Audit%'   -- the audits stream's
        ORDER BY latest.FORM_ANSWERED_DTTM, f.FACT_FORM_ID, a.ANSWER_NO
      cursor_field: FORM_ANSWERED_DTTM
      initial_watermark: "2020-01-01"
      lookback: {minutes: 60}
      group_by: FACT_FORM_ID
      case_query: |
        SELECT f.FACT_FORM_ID, f.DIM_PERSON_ID, f.DIM_LOOKUP_FORM_TYPE_ID_CODE, f.SUBSTATUS,
               a.FACT_FORM_ANSWER_ID, a.ANSWER_NO, a.ANSWER, a.ANSWERED_DTTM,
               a.DIM_ASSESSMENT_TEMPLATE_ID_DESC
        FROM FACT_FORMS f JOIN FACT_FORM_ANSWERS a ON a.FACT_FORM_ID = f.FACT_FORM_ID
        WHERE f.DIM_PERSON_ID = :case_ref
          AND a.DIM_ASSESSMENT_TEMPLATE_ID_DESC NOT LIKE 'Case Audit%'
        ORDER BY f.FACT_FORM_ID, a.ANSWER_NO
$measure_streams
identifiers: {case_ref: keep, worker: pseudonymise, key_file: "$key_file"}

mapping:
  cases:
    source_id: {path: DIM_PERSON_ID}
    fields:
      case_ref: {path: DIM_PERSON_ID}
      team: {path: DEPARTMENT_NAME}
      worker: {path: WORKER_ID}
      case_type: {path: CASE_TYPE, map: {CIN: cin, CP: cp, LAC: looked_after}}
      opened_on: {path: START_DTTM, datetime: iso}
      closed_on: {path: END_DTTM, datetime: iso}
      cp_plan_start: {path: CP_START_DTTM, datetime: iso}
      source_updated_at: {path: UPDATED_DTTM, datetime: iso}
    system_fields: [ROW_ID]
  evidence:
    gather: {by: FACT_FORM_ID, question: ANSWER_NO, answer: ANSWER}
    source_id: {path: FACT_FORM_ID}
    fields:
      case_ref: {path: DIM_PERSON_ID}
      # Template names; anything matching none (case notes, visits) is "not practice evidence".
      element:
        path: DIM_ASSESSMENT_TEMPLATE_ID_DESC
        patterns:
          - {match: "Signs of Safety Mapping*", element: mapping}
          - {match: "Harm Statement*", element: harm_statement}
          - {match: "Danger Statement*", element: danger_statement}
          - {match: "Safety Goal*", element: safety_goal}
          - {match: "Safety Scaling*", element: safety_scale}
          - {match: "Direct Work - *", element: work_with_children}
          - {match: "Words and Pictures*", element: words_and_pictures}
          - {match: "Safety Network*", element: safety_network}
          - {match: "Safety Plan*", element: safety_plan}
      kind:
        path: DIM_ASSESSMENT_TEMPLATE_ID_DESC
        patterns:
          - {match: "*Three Houses*", value: three_houses}
          - {match: "*Wizards and Fairies*", value: wizards_and_fairies}
          - {match: "*Safety House*", value: safety_house}
      state: {path: SUBSTATUS, map: {D: draft, X: cancelled}, default: completed}
      evidenced_on: {path: ANSWERED_DTTM, datetime: iso}
      scale_value: {path: answers.SAFETY_SCALE, number: true}
      source_updated_at: {path: FORM_ANSWERED_DTTM, datetime: iso}
    system_fields: [FACT_FORM_ANSWER_ID]
$measure_mapping
timeliness:
  mapping: {due: {days: 10, working: true, after: opened}, review_every_days: 90}
  danger_statement: {due: {days: 15, working: true, after: opened}, review_every_days: 120}
  safety_scale: {due: {days: 20, working: true, after: opened}, review_every_days: 42}
  safety_plan: {due: {days: 15, working: true, after: cp_plan_start}, case_types: [cp]}
""")


def authority_yaml(database: Path, key_file: Path, as_of: date) -> str:
    return AUTHORITY_YAML.substitute(
        database=database,
        key_file=key_file,
        closed_since=(as_of - timedelta(days=365)).isoformat(),
        cases_select=CASES_SELECT,
        measure_streams=liquidlogic_measures.STREAMS_YAML,
        measure_mapping=liquidlogic_measures.MAPPING_YAML,
    )
