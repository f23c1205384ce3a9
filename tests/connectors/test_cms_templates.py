"""The shipped CMS templates, each read end to end from a synthetic reporting database (SQLite)
built with exactly the CMS's table and column names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
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


@pytest.fixture(params=sorted(BUILDERS))
def template(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, Any], str]:
    url = f"sqlite:///{tmp_path}/{request.param}.db"
    BUILDERS[request.param](url)
    return request.param, load(request.param), url


def test_every_template_is_a_complete_authority_file_with_a_sql_connector(
    template: tuple[str, dict[str, Any], str],
) -> None:
    _, document, _ = template

    assert set(document) == TOP_LEVEL_KEYS
    assert document["connector"]["type"] == "sql"
    assert document["enabled"] is False
    assert "password_env" in document["connector"]
    SqlConfig.model_validate({k: v for k, v in document["connector"].items() if k != "type"})


def test_every_template_reads_both_streams_with_the_columns_its_mapping_uses(
    template: tuple[str, dict[str, Any], str],
) -> None:
    _, document, url = template

    with connector_for(document, url) as connector:
        for stream in ("cases", "evidence"):
            read = records(list(connector.read(stream, None)))
            assert read, f"{stream} read nothing"
            missing = mapped_paths(document["mapping"][stream]) - set(read[0])
            assert not missing, f"{stream} records lack {missing}"


def test_every_template_reads_audits_and_episodes_with_the_columns_its_mapping_uses(
    template: tuple[str, dict[str, Any], str],
) -> None:
    _, document, url = template

    with connector_for(document, url) as connector:
        for stream in MEASURE_STREAMS:
            read = records(list(connector.read(stream, None)))
            assert read, f"{stream} read nothing"
            missing = mapped_paths(document["mapping"][stream]) - set(read[0])
            assert not missing, f"{stream} records lack {missing}"
    grades = document["mapping"]["audits"]["fields"]["grade"]["map"].values()
    assert set(grades) <= {g["code"] for g in document["audit_scale"]["grades"]}


def test_every_template_reads_one_case(template: tuple[str, dict[str, Any], str]) -> None:
    _, document, url = template

    with connector_for(document, url) as connector:
        case_ref = records(list(connector.read("cases", None)))[0][
            document["mapping"]["cases"]["source_id"]["path"]
        ]
        for stream in ("cases", "evidence"):
            assert connector.supports_case_filter(stream)
            one_case = records(list(connector.read_case(stream, str(case_ref))))
            assert one_case, f"{stream} read nothing of case {case_ref}"
            for record in one_case:
                assert str(record[document["mapping"][stream]["fields"]["case_ref"]["path"]]) == str(case_ref)


def read_all(name: str, url: str, stream: str) -> list[Record]:
    with connector_for(load(name), url) as connector:
        return records(list(connector.read(stream, None)))


def test_liquidlogic_cases_take_case_type_worker_id_and_team_as_d2i_reads_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ll.db"
    liquidlogic_database(url)

    by_person = {r["DIM_PERSON_ID"]: r for r in read_all("liquidlogic", url, "cases")}

    assert set(by_person) == {1001, 1002, 1003, 1005, 1006}  # 1004 closed long ago
    assert {p: r["CASE_TYPE"] for p, r in by_person.items()} == {
        1001: "CIN",
        1002: "CP",
        1003: "LAC",
        1005: "CIN",
        1006: "CIN",  # the CP plan ended and the child stays in need
    }
    assert by_person[1005]["FACT_REFERRAL_ID"] == 6
    assert by_person[1002]["CP_START_DTTM"] == "2025-12-01 00:00:00"
    # The allocated worker's DIM_WORKER_ID, never the referral's worker name nor the reviewing officer.
    assert {p: r["WORKER_ID"] for p, r in by_person.items()} == {
        1001: 7,
        1002: 8,
        1003: None,  # -1: no worker
        1005: None,
        1006: None,
    }
    assert all("Example" not in str(value) for r in by_person.values() for value in r.values())
    assert (by_person[1001]["TEAM_NAME"], by_person[1001]["TEAM_CODE"]) == ("Team North", 11)
    assert (by_person[1003]["TEAM_NAME"], by_person[1003]["TEAM_CODE"]) == (None, 77)  # not in DIM_DEPARTMENT
    assert (by_person[1005]["TEAM_NAME"], by_person[1005]["TEAM_CODE"]) == (None, None)  # -1: no team


def test_liquidlogic_evidence_keeps_each_forms_answers_together_and_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ll.db"
    liquidlogic_database(url)
    document = load("liquidlogic")
    document["connector"]["batch_size"] = 1

    with connector_for(document, url) as connector:
        batches = list(connector.read("evidence", None))
        again = records(list(connector.read("evidence", batches[-1].position)))

    assert [[r["FACT_FORM_ID"] for r in b.records] for b in batches] == [[501, 501], [502, 502]]
    assert batches[-1].position["watermark"] == "2026-01-07 11:01:00"
    # A form with a FormEndDate answer is finished at that answer's time; the other is a draft.
    assert [(b.records[0]["FORM_STATE"], b.records[0]["FORM_END_DTTM"]) for b in batches] == [
        ("COMPLETE", "2026-01-06 10:05:00"),
        ("DRAFT", None),
    ]
    # The next run looks back an hour: the latest form is read again, nothing older.
    assert {r["FACT_FORM_ID"] for r in again} == {502}


def test_mosaic_cases_follow_registrations_and_the_allocated_workers_id(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/mosaic.db"
    mosaic_database(url)

    by_person = {r["PERSON_ID"]: r for r in read_all("mosaic", url, "cases")}

    assert {p: r["CASE_TYPE"] for p, r in by_person.items()} == {
        3001: "CIN",  # a temporary CP registration is not a plan
        3002: "CP",
        3003: "CIN",  # deregistered, still in need
    }
    assert {p: (r["WORKER_ID"], r["TEAM_NAME"], r["TEAM_CODE"]) for p, r in by_person.items()} == {
        3001: (501, "Family Safeguarding 1", 61),
        3002: (502, None, 62),  # organisation not in DM_ORGANISATIONS
        3003: (None, None, None),
    }


def test_mosaic_evidence_is_one_record_per_step_and_child_and_keeps_steps_without_answers(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/mosaic.db"
    mosaic_database(url)

    rows = read_all("mosaic", url, "evidence")

    answers_by_record: dict[tuple[int, int], list[str | None]] = {}
    for row in rows:
        answers_by_record.setdefault((row["WORKFLOW_STEP_ID"], row["PERSON_ID"]), []).append(
            row["QUESTION_USER_CODE"]
        )
    assert answers_by_record == {
        (9001, 3001): ["WORRY", "SAFETY_SCALE"],  # subject_person_id 0 answers belong to everyone
        (9001, 3002): ["WORRY", "SAFETY_SCALE"],
        (9002, 3001): ["PLAN"],
        (9003, 3003): [None],  # a completed step with no answer rows still arrives
    }
    assert len({r["STEP_SUBJECT_ID"] for r in rows}) == 4


def test_eclipse_cases_take_the_professionals_person_id_and_the_allocated_team(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/eclipse.db"
    eclipse_database(url)

    by_person = {r["PERSONID"]: r for r in read_all("eclipse", url, "cases")}

    assert {p: r["CASE_TYPE"] for p, r in by_person.items()} == {201: "CIN", 202: "CP", 203: "LAC"}
    assert by_person[202]["CP_STARTDATE"] == "2025-06-01 00:00:00"
    assert by_person[203]["CP_STARTDATE"] is None  # the deleted CP classification is not read
    assert {p: (r["WORKER_ID"], r["TEAM_NAME"], r["TEAM_CODE"]) for p, r in by_person.items()} == {
        201: (90002, "Assessment Team A", 801),
        202: (None, None, 899),
        203: (None, None, None),
    }


def test_liquidlogic_audits_are_finished_case_audit_forms_with_their_answers_as_columns(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/ll.db"
    liquidlogic_database(url)

    (audit,) = read_all("liquidlogic", url, "audits")

    assert audit == {
        "FACT_FORM_ID": 601,
        "DIM_PERSON_ID": 1002,
        "AUDIT_DATE": "2026-01-20",
        "OVERALL_GRADE": "Good",
        "FAMILY_PARTICIPATION": "Partly",
        "ATTENDEES": "Social worker; Parent",
        "GRADE_DANGER": "Requires improvement",
        "GRADE_PLANNING": None,
        "FORM_ANSWERED_DTTM": "2026-01-20 15:01:00",
    }  # the auditor's notes are never selected; form 602 has no FormEndDate yet


def test_liquidlogic_episodes_are_every_referral_plan_and_care_episode_with_earlier_plans_counted(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/ll.db"
    liquidlogic_database(url)

    rows = read_all("liquidlogic", url, "episodes")

    of_1005 = [(r["EPISODE_TYPE"], r["START_DTTM"], r["END_DTTM"], r["END_REASON"]) for r in rows
               if r["DIM_PERSON_ID"] == 1005]  # fmt: skip
    assert of_1005 == [
        ("REF", "2024-01-01 09:00:00", "2025-01-01 00:00:00", "RC7"),
        ("CPP", "2024-02-01 00:00:00", "2024-12-01 00:00:00", None),  # stepped down before the closure
        ("REF", "2026-02-01 09:00:00", None, None),
    ]
    plans = {r["DIM_PERSON_ID"]: r["PREVIOUS_PLANS"] for r in rows if r["EPISODE_TYPE"] == "CPP"}
    assert plans == {1002: 0, 1005: 0, 1006: 0}
    assert len({r["EPISODE_ID"] for r in rows}) == len(rows) == 7 + 3 + 1
    assert [r["EPISODE_TYPE"] for r in rows if r["DIM_PERSON_ID"] == 1003] == ["REF", "LAC"]
