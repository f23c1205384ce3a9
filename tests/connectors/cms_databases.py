"""Synthetic reporting databases (SQLite) for the shipped CMS templates, built with exactly the
CMS's table and column names, and the helpers that read a template's streams from them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from connectors.base import Batch, Record
from connectors.sql import SqlConnector
from connectors.sql_config import SqlConfig
from tests.connectors.conftest import FakeSecrets

TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "templates"
TOP_LEVEL_KEYS = {
    "code", "name", "enabled", "schedule", "connector", "identifiers", "audit_scale", "mapping", "timeliness",
}  # fmt: skip
MEASURE_STREAMS = ("audits", "episodes")


def build(url: str, ddl: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in filter(str.strip, ddl.split(";")):
            conn.exec_driver_sql(statement)
        for table, values in rows.items():
            columns = list(values[0])
            insert = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
            )
            conn.execute(sa.text(insert), values)
    engine.dispose()


def table(name: str, columns: str, rows: list[tuple[Any, ...]]) -> tuple[str, str, list[dict[str, Any]]]:
    """A table's DDL and rows from one column list: "A INTEGER, B TEXT" and tuples in that order."""
    names = [c.split()[0] for c in columns.split(",")]
    return f"CREATE TABLE {name} ({columns})", name, [dict(zip(names, r, strict=True)) for r in rows]


def build_tables(url: str, *tables: tuple[str, str, list[dict[str, Any]]]) -> None:
    build(url, ";".join(t[0] for t in tables), {name: rows for _, name, rows in tables if rows})


# Liquidlogic HDM.Child_Social, by the names D2I's systemc procs read (FACT_* ids are -1 when absent).
def liquidlogic_database(url: str) -> None:
    build_tables(
        url,
        table("FACT_REFERRALS", "FACT_REFERRAL_ID INTEGER, DIM_PERSON_ID INTEGER, REFRL_START_DTTM DATETIME, "
              "REFRL_END_DTTM DATETIME, DIM_DEPARTMENT_ID INTEGER, DIM_WORKER_ID_DESC TEXT, "
              "DIM_LOOKUP_REFRL_ENDRSN_ID_CODE TEXT", [
            (1, 1001, "2026-01-05 09:00:00", None, 11, "Alice Example", None),
            (2, 1002, "2025-11-01 09:00:00", None, 11, "Alice Example", None),
            (3, 1003, "2025-06-01 09:00:00", None, 77, "Bob Example", None),
            (4, 1004, "2020-01-01 09:00:00", "2020-06-01 00:00:00", 11, "Bob Example", "RC8"),
            (5, 1005, "2024-01-01 09:00:00", "2025-01-01 00:00:00", 11, "Bob Example", "RC7"),
            (6, 1005, "2026-02-01 09:00:00", None, -1, "Bob Example", None),
            (7, 1006, "2025-03-01 09:00:00", None, 11, "Carol Example", None),
        ]),
        table("FACT_CP_PLAN", "FACT_CP_PLAN_ID INTEGER, FACT_REFERRAL_ID INTEGER, DIM_PERSON_ID INTEGER, "
              "START_DTTM DATETIME, END_DTTM DATETIME", [
            (1, 2, 1002, "2025-12-01 00:00:00", None),
            (2, 7, 1006, "2025-04-01 00:00:00", "2025-10-01 00:00:00"),  # ended: 1006 stays in need
            (3, 5, 1005, "2024-02-01 00:00:00", "2024-12-01 00:00:00"),
        ]),
        table("FACT_CARE_EPISODES", "FACT_CARE_EPISODES_ID INTEGER, DIM_PERSON_ID INTEGER, "
              "CARE_START_DATE DATETIME, CARE_END_DATE DATETIME, CARE_REASON_END_CODE TEXT",
              [(1, 1003, "2025-07-01 00:00:00", None, None)]),
        table("FACT_INVOLVEMENTS", "FACT_INVOLVEMENTS_ID INTEGER, FACT_REFERRAL_ID INTEGER, "
              "DIM_PERSON_ID INTEGER, DIM_WORKER_ID INTEGER, DIM_DEPARTMENT_ID INTEGER, "
              "DIM_LOOKUP_INVOLVEMENT_TYPE_DESC TEXT, "
              "START_DTTM DATETIME, END_DTTM DATETIME", [
            (1, 1, 1001, 7, 11, "Allocated Case Worker", "2026-01-05 09:00:00", None),
            (2, 1, 1001, 9, 11, "Independent Reviewing Officer", "2026-01-10 09:00:00", None),
            (3, 2, 1002, 7, 11, "Allocated Case Worker", "2025-11-01 09:00:00", "2025-12-01 00:00:00"),
            (4, 2, 1002, 8, 11, "Allocated Case Worker", "2025-12-01 00:00:00", None),
            (5, 3, 1003, -1, -1, "Allocated Case Worker", "2025-06-01 09:00:00", None),
        ]),
        table("DIM_DEPARTMENT", "DIM_DEPARTMENT_ID INTEGER, NAME TEXT", [(11, "Team North")]),
        table("FACT_FORMS", "FACT_FORM_ID INTEGER, DIM_PERSON_ID INTEGER, "
              "DIM_LOOKUP_FORM_TYPE_ID_CODE TEXT", [
            (501, 1001, "1801"),
            (502, 1002, "1802"),
            (601, 1002, "1901"),
            (602, 1001, "1901"),
        ]),
        table("FACT_FORM_ANSWERS", "FACT_FORM_ANSWER_ID INTEGER, FACT_FORM_ID INTEGER, ANSWER_NO TEXT, "
              "ANSWER TEXT, ANSWERED_DTTM DATETIME, DIM_ASSESSMENT_TEMPLATE_ID_DESC TEXT", [
            (1, 501, "WORRY", "...", "2026-01-06 10:00:00", "Danger Statement"),
            (2, 501, "FormEndDate", "06/01/2026", "2026-01-06 10:05:00", "Danger Statement"),
            (3, 502, "PLAN", "...", "2026-01-07 11:00:00", "Family Safety Plan"),
            (4, 502, "SAFETY_SCALE", "6", "2026-01-07 11:01:00", "Family Safety Plan"),
            *LIQUIDLOGIC_AUDIT_ANSWERS,
        ]),
    )  # fmt: skip


LIQUIDLOGIC_AUDIT_ANSWERS = [
    (11, 601, "AUDIT_DATE", "2026-01-20", "2026-01-20 15:00:00", "Case Audit - Collaborative"),
    (12, 601, "OVERALL_GRADE", "Good", "2026-01-20 15:00:00", "Case Audit - Collaborative"),
    (13, 601, "FAMILY_PARTICIPATION", "Partly", "2026-01-20 15:00:00", "Case Audit - Collaborative"),
    (14, 601, "ATTENDEES", "Social worker; Parent", "2026-01-20 15:00:00", "Case Audit - Collaborative"),
    (15, 601, "GRADE_DANGER", "Requires improvement", "2026-01-20 15:00:00", "Case Audit - Collaborative"),
    (16, 601, "AUDITOR_NOTES", "narrative", "2026-01-20 15:00:00", "Case Audit - Collaborative"),
    (17, 601, "FormEndDate", "20/01/2026", "2026-01-20 15:01:00", "Case Audit - Collaborative"),
    (18, 602, "AUDIT_DATE", "2026-01-21", "2026-01-21 10:00:00", "Case Audit - Collaborative"),  # unfinished
]


# Mosaic data mart, by the names D2I's populate_ssd_data_warehouse.sql reads.
def mosaic_database(url: str) -> None:
    build_tables(
        url,
        table("dm_cin_referrals", "REFERRAL_ID INTEGER, PERSON_ID INTEGER, REFERRAL_DATE DATETIME, "
              "CLOSURE_DATE DATETIME, CLOSURE_REASON TEXT", [
            (1, 3001, "2025-10-01 00:00:00", None, None),
            (2, 3002, "2025-05-01 00:00:00", None, None),
            (3, 3003, "2025-02-01 00:00:00", None, None),
        ]),
        table("dm_registrations", "REGISTRATION_ID INTEGER, PERSON_ID INTEGER, "
              "REGISTRATION_START_DATE DATETIME, DEREGISTRATION_DATE DATETIME, "
              "IS_CHILD_PROTECTION_PLAN TEXT, IS_TEMPORARY_CHILD_PROTECTION TEXT", [
            (10, 3002, "2025-06-01 00:00:00", None, "Y", None),
            (11, 3003, "2025-03-01 00:00:00", "2025-09-01 00:00:00", "Y", None),
            (12, 3001, "2025-11-01 00:00:00", None, "Y", "Y"),  # temporary: not a plan
        ]),
        table("dm_periods_of_care", "PERIOD_OF_CARE_ID INTEGER, PERSON_ID INTEGER, START_DATE DATETIME, "
              "END_DATE DATETIME", []),
        table("DM_ALLOCATED_WORKERS", "ALLOCATION_ID INTEGER, PERSON_ID INTEGER, WORKER_ID INTEGER, "
              "START_DATE DATETIME, END_DATE DATETIME", [
            (1, 3001, 501, "2025-10-01 00:00:00", None),
            (2, 3002, 502, "2025-05-01 00:00:00", None),
        ]),
        table("DM_WORKER_ROLES", "WORKER_ID INTEGER, ORGANISATION_ID INTEGER, PRIMARY_ROLE TEXT, "
              "START_DATE DATETIME, END_DATE DATETIME", [
            (501, 61, "Y", "2020-01-01 00:00:00", None),
            (502, 62, "Y", "2020-01-01 00:00:00", None),
        ]),
        table("DM_ORGANISATIONS", "ORGANISATION_ID INTEGER, NAME TEXT", [(61, "Family Safeguarding 1")]),
        table("dm_workflow_steps_people_vw", "WORKFLOW_STEP_ID INTEGER, PERSON_ID INTEGER, "
              "WORKFLOW_STEP_TYPE_ID INTEGER, STEP_STATUS TEXT, STARTED_ON DATETIME, COMPLETED_ON DATETIME, "
              "INCOMING_ON DATETIME", [
            (9001, 3001, 1201, "COMPLETED", "2026-01-05 09:00:00", "2026-01-06 10:00:00",
             "2026-01-05 09:00:00"),
            (9001, 3002, 1201, "COMPLETED", "2026-01-05 09:00:00", "2026-01-06 10:00:00",
             "2026-01-05 09:00:00"),
            (9002, 3001, 1202, "STARTED", "2026-01-07 09:00:00", None, "2026-01-07 09:00:00"),
            (9003, 3003, 1201, "COMPLETED", "2026-01-08 09:00:00", "2026-01-09 09:00:00",
             "2026-01-08 09:00:00"),
            (9100, 3002, 1290, "COMPLETED", "2026-01-20 09:00:00", "2026-01-20 16:00:00",
             "2026-01-20 09:00:00"),  # a case audit step
        ]),
        table("DM_CACHED_FORM_ANSWERS", "FORM_ANSWER_ROW_ID INTEGER, FORM_ID INTEGER, "
              "WORKFLOW_STEP_ID INTEGER, SUBJECT_PERSON_ID INTEGER, QUESTION_USER_CODE TEXT, "
              "TEXT_ANSWER TEXT, DATE_ANSWER DATETIME", [
            (1, 70, 9001, 3001, "WORRY", "text", None),
            (2, 70, 9001, 3002, "WORRY", "text", None),
            (3, 70, 9001, 0, "SAFETY_SCALE", "4", None),
            (4, 71, 9002, 3001, "PLAN", "text", None),
            (5, 80, 9100, 3002, "AUDIT_DATE", None, "2026-01-20 00:00:00"),
            (6, 80, 9100, 3002, "OVERALL_GRADE", "Good", None),
            (7, 80, 9100, 3002, "ATTENDEES", "Social worker; Team manager", None),
            (8, 80, 9100, 3002, "FAMILY_PARTICIPATION", "Yes", None),
            (9, 80, 9100, 3002, "GRADE_DANGER", "Good", None),
        ]),  # step 9003 has no answer rows
    )  # fmt: skip


# Eclipse reporting views, by the names D2I's eclipse tsql files read.
def eclipse_database(url: str) -> None:
    guid = "6f1c2b1e-0000-0000-0000-000000000001"
    audit = "00000000-0000-0000-0000-00000000a0d1"
    build_tables(
        url,
        table("CLASSIFICATIONPERSONVIEW", "CLASSIFICATIONASSIGNMENTID INTEGER, PERSONID INTEGER, "
              "CLASSIFICATIONPATHID INTEGER, STATUS TEXT, STARTDATE DATETIME, ENDDATE DATETIME, "
              "ENDREASON TEXT", [
            (1, 201, 4, "ACTIVE", "2025-09-01 00:00:00", None, None),
            (2, 202, 4, "ACTIVE", "2025-05-01 00:00:00", None, None),
            (3, 202, 51, "ACTIVE", "2025-06-01 00:00:00", None, None),
            (4, 203, 51, "DELETED", "2025-06-01 00:00:00", None, None),
            (5, 203, 4, "ACTIVE", "2025-04-01 00:00:00", None, None),
            (6, 203, 4, "ACTIVE", "2023-01-01 00:00:00", "2023-06-01 00:00:00",
             "Case closed after assessment, no further action"),
        ]),
        table("CLAEPISODEOFCAREVIEW", "EPISODEOFCAREID INTEGER, PERSONID INTEGER, EOCSTARTDATE DATETIME, "
              "EOCENDDATE DATETIME, EOCENDREASONCODE TEXT", [(1, 203, "2025-08-01 00:00:00", None, None)]),
        table("RELATIONSHIPPROFESSIONALVIEW", "PERSONRELATIONSHIPRECORDID INTEGER, PERSONID INTEGER, "
              "PROFESSIONALRELATIONSHIPPERSONID INTEGER, RELATIONSHIPCLASSCODE TEXT, STARTDATE DATETIME, "
              "CLOSEDATE DATETIME", [
            (1, 201, 90001, "ALLOC", "2025-09-01 00:00:00", "2025-10-01 00:00:00"),
            (2, 201, 90002, "ALLOC", "2025-10-01 00:00:00", None),
        ]),
        table("PERSONORGRELATIONSHIPVIEW", "RELATIONSHIPID INTEGER, PERSONID INTEGER, "
              "ORGANISATIONID INTEGER, ALLOCATEDTEAMCODE TEXT, DATESTARTED DATETIME, DATEENDED DATETIME", [
            (1, 201, 801, "AT", "2025-09-01 00:00:00", None),
            (2, 202, 899, "AT", "2025-05-01 00:00:00", None),
        ]),
        table("ORGANISATIONVIEW", "ORGANISATIONID INTEGER, DESCRIPTION TEXT", [(801, "Assessment Team A")]),
        table("FORMANSWERPERSONVIEW", ", ".join(ECLIPSE_COLUMNS), [
            ("I-1", guid, "Danger Statement", "COMPLETE", "WORRY", "text", None, 201, "2026-01-06 10:00:00"),
            ("I-1", guid, "Danger Statement", "COMPLETE", "SAFETY_SCALE", "3", None, 201,
             "2026-01-06 10:00:00"),
            ("I-2", guid, "Danger Statement", "COMPLETE", "WORRY", "text", None, 202, "2026-01-08 12:00:00"),
            *(("A-1", audit, "Case Audit", "COMPLETE", control, value, on, 202, "2026-01-20 16:00:00")
              for control, value, on in ECLIPSE_AUDIT_ANSWERS),
        ]),
    )  # fmt: skip


ECLIPSE_AUDIT_ANSWERS = [
    ("auditDate", None, "2026-01-20 00:00:00"),
    ("overallGrade", "Requires improvement", None),
    ("familyParticipation", "Partly", None),
    ("attendees", "Social worker; Parent", None),
    ("gradeDanger", "Inadequate", None),
]

ECLIPSE_COLUMNS = [
    "INSTANCEID TEXT", "DESIGNGUID TEXT", "DESIGNSUBNAME TEXT", "INSTANCESTATE TEXT", "CONTROLNAME TEXT",
    "ANSWERVALUE TEXT", "DATEANSWERVALUE DATETIME", "ANSWERFORSUBJECTID INTEGER", "DATECOMPLETED DATETIME",
]  # fmt: skip
"""Typed as Eclipse types them: a subject id is a number, so a case ref given as text still matches it."""


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((TEMPLATES / f"{name}.yaml").read_text())
    return document


def connector_for(document: dict[str, Any], url: str) -> SqlConnector:
    """The template's connector block pointed at the synthetic database (which has no password)."""
    block = {k: v for k, v in document["connector"].items() if k not in {"type", "url", "password_env"}}
    return SqlConnector(SqlConfig.model_validate({**block, "url": url}), FakeSecrets())


def records(batches: list[Batch]) -> list[Record]:
    return [r for b in batches for r in b.records]


def mapped_paths(stream_mapping: dict[str, Any]) -> set[str]:
    """Source columns a stream's mapping reads (answers.* are gathered, so not columns)."""
    paths: set[str] = set()
    for rule in stream_mapping["fields"].values():
        paths.update([rule["path"]] if "path" in rule else rule.get("first_of", []))
    gather = stream_mapping.get("gather") or {}
    for key in ("by", "question", "answer"):
        value = gather.get(key, [])
        paths.update([value] if isinstance(value, str) else value)
    return {p for p in paths if not p.startswith("answers.")} | {stream_mapping["source_id"]["path"]}


BUILDERS: dict[str, Callable[[str], None]] = {
    "liquidlogic": liquidlogic_database,
    "mosaic": mosaic_database,
    "eclipse": eclipse_database,
}
