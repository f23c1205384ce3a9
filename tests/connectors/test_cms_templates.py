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
TOP_LEVEL_KEYS = {"code", "name", "enabled", "schedule", "connector", "identifiers", "mapping", "timeliness"}


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


def liquidlogic_database(url: str) -> None:
    build(
        url,
        """
        CREATE TABLE DIM_PERSON (DIM_PERSON_ID INTEGER PRIMARY KEY);
        CREATE TABLE DIM_DEPARTMENT (DIM_DEPARTMENT_ID INTEGER PRIMARY KEY, NAME TEXT);
        CREATE TABLE DIM_WORKER (DIM_WORKER_ID INTEGER PRIMARY KEY, WORKER_ID_CODE TEXT,
            DEPARTMENT_NAME TEXT);
        CREATE TABLE FACT_REFERRALS (FACT_REFERRAL_ID INTEGER PRIMARY KEY, DIM_PERSON_ID INTEGER,
            REFRL_START_DTTM DATETIME, REFRL_END_DTTM DATETIME, DIM_DEPARTMENT_ID INTEGER,
            DIM_WORKER_ID INTEGER);
        CREATE TABLE FACT_CP_PLAN (FACT_CP_PLAN_ID INTEGER PRIMARY KEY, FACT_REFERRAL_ID INTEGER,
            DIM_PERSON_ID INTEGER, START_DTTM DATETIME, END_DTTM DATETIME);
        CREATE TABLE FACT_CARE_EPISODES (FACT_CARE_EPISODES_ID INTEGER PRIMARY KEY, DIM_PERSON_ID INTEGER,
            CARE_START_DATE DATETIME, CARE_END_DATE DATETIME);
        CREATE TABLE FACT_FORMS (FACT_FORM_ID INTEGER PRIMARY KEY, DIM_PERSON_ID INTEGER,
            DIM_LOOKUP_FORM_TYPE_ID_CODE TEXT, SUBSTATUS TEXT);
        CREATE TABLE FACT_FORM_ANSWERS (FACT_FORM_ANSWER_ID INTEGER PRIMARY KEY, FACT_FORM_ID INTEGER,
            ANSWER_NO TEXT, ANSWER TEXT, ANSWERED_DTTM DATETIME, DIM_ASSESSMENT_TEMPLATE_ID_DESC TEXT);
        """,
        {
            "DIM_PERSON": [{"DIM_PERSON_ID": p} for p in (1001, 1002, 1003, 1004, 1005)],
            "DIM_DEPARTMENT": [{"DIM_DEPARTMENT_ID": 1, "NAME": "Team North"}],
            "DIM_WORKER": [{"DIM_WORKER_ID": 7, "WORKER_ID_CODE": "W007", "DEPARTMENT_NAME": "Team North"}],
            "FACT_REFERRALS": [
                referral(1, 1001, "2026-01-05 09:00:00"),
                referral(2, 1002, "2025-11-01 09:00:00"),
                referral(3, 1003, "2025-06-01 09:00:00"),
                referral(4, 1004, "2020-01-01 09:00:00", ended="2020-06-01 00:00:00"),
                referral(5, 1005, "2024-01-01 09:00:00", ended="2025-01-01 00:00:00"),
                referral(6, 1005, "2026-02-01 09:00:00"),
            ],
            "FACT_CP_PLAN": [
                {"FACT_CP_PLAN_ID": 1, "FACT_REFERRAL_ID": 2, "DIM_PERSON_ID": 1002,
                 "START_DTTM": "2025-12-01 00:00:00", "END_DTTM": None},
            ],
            "FACT_CARE_EPISODES": [
                {"FACT_CARE_EPISODES_ID": 1, "DIM_PERSON_ID": 1003,
                 "CARE_START_DATE": "2025-07-01 00:00:00", "CARE_END_DATE": None},
            ],
            "FACT_FORMS": [
                {"FACT_FORM_ID": 501, "DIM_PERSON_ID": 1001,
                 "DIM_LOOKUP_FORM_TYPE_ID_CODE": "1801", "SUBSTATUS": "C"},
                {"FACT_FORM_ID": 502, "DIM_PERSON_ID": 1002,
                 "DIM_LOOKUP_FORM_TYPE_ID_CODE": "1802", "SUBSTATUS": "D"},
            ],
            "FACT_FORM_ANSWERS": [
                answer(1, 501, "WORRY", "Danger Statement", "2026-01-06 10:00:00"),
                answer(2, 501, "GOAL", "Danger Statement", "2026-01-06 10:05:00"),
                answer(3, 502, "PLAN", "Family Safety Plan", "2026-01-07 11:00:00"),
                answer(4, 502, "SAFETY_SCALE", "Family Safety Plan", "2026-01-07 11:01:00", text="6"),
            ],
        },
    )  # fmt: skip


def referral(ref_id: int, person: int, started: str, ended: str | None = None) -> dict[str, Any]:
    return {
        "FACT_REFERRAL_ID": ref_id,
        "DIM_PERSON_ID": person,
        "REFRL_START_DTTM": started,
        "REFRL_END_DTTM": ended,
        "DIM_DEPARTMENT_ID": 1,
        "DIM_WORKER_ID": 7,
    }


def answer(
    answer_id: int, form: int, question: str, template: str, at: str, text: str = "..."
) -> dict[str, Any]:
    return {
        "FACT_FORM_ANSWER_ID": answer_id,
        "FACT_FORM_ID": form,
        "ANSWER_NO": question,
        "ANSWER": text,
        "ANSWERED_DTTM": at,
        "DIM_ASSESSMENT_TEMPLATE_ID_DESC": template,
    }


def mosaic_database(url: str) -> None:
    steps = [
        (9001, 1201, "COMPLETED", "2026-01-05 09:00:00", "2026-01-06 10:00:00"),
        (9002, 1202, "STARTED", "2026-01-07 09:00:00", None),
    ]
    answers = [
        (1, 70, 9001, 3001, "WORRY", "text", None, None),
        (2, 70, 9001, 3001, "SAFETY_SCALE", None, None, 4),
        (3, 71, 9002, 3002, "PLAN", "text", None, None),
    ]
    build(
        url,
        """
        CREATE TABLE dm_workflow_steps (workflow_step_id INTEGER PRIMARY KEY, workflow_step_type_id INTEGER,
            step_status TEXT, started_on DATETIME, completed_on DATETIME, incoming_on DATETIME);
        CREATE TABLE dm_cached_form_answers (form_answer_row_id INTEGER PRIMARY KEY, form_id INTEGER,
            workflow_step_id INTEGER, subject_person_id INTEGER, question_user_code TEXT, text_answer TEXT,
            date_answer DATETIME, number_answer NUMERIC);
        """,
        {
            "dm_workflow_steps": [
                {"workflow_step_id": s, "workflow_step_type_id": t, "step_status": st,
                 "started_on": started, "completed_on": done, "incoming_on": started}
                for s, t, st, started, done in steps
            ],
            "dm_cached_form_answers": [
                {"form_answer_row_id": r, "form_id": f, "workflow_step_id": s, "subject_person_id": p,
                 "question_user_code": q, "text_answer": t, "date_answer": d, "number_answer": n}
                for r, f, s, p, q, t, d, n in answers
            ],
        },
    )  # fmt: skip


ECLIPSE_COLUMNS = [
    "INSTANCEID", "DESIGNGUID", "DESIGNSUBNAME", "INSTANCESTATE", "CONTROLNAME",
    "ANSWERVALUE", "DATEANSWERVALUE", "ANSWERFORSUBJECTID", "DATECOMPLETED",
]  # fmt: skip


def eclipse_database(url: str) -> None:
    guid = "6f1c2b1e-0000-0000-0000-000000000001"
    rows = [
        ("I-1", guid, "Danger Statement", "COMPLETE", "WORRY", "text", None, "P-1", "2026-01-06 10:00:00"),
        (
            "I-1",
            guid,
            "Danger Statement",
            "COMPLETE",
            "SAFETY_SCALE",
            "3",
            None,
            "P-1",
            "2026-01-06 10:00:00",
        ),
        ("I-2", guid, "Danger Statement", "COMPLETE", "WORRY", "text", None, "P-2", "2026-01-08 12:00:00"),
    ]
    build(
        url,
        f"CREATE TABLE FORMANSWERPERSONVIEW ({', '.join(ECLIPSE_COLUMNS)})",
        {
            "FORMANSWERPERSONVIEW": [
                dict(zip(ECLIPSE_COLUMNS, row, strict=True)) for row in rows
            ]
        },
    )  # fmt: skip


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


def test_every_template_reads_one_case(template: tuple[str, dict[str, Any], str]) -> None:
    _, document, url = template

    with connector_for(document, url) as connector:
        case_ref = records(list(connector.read("cases", None)))[0][
            document["mapping"]["cases"]["source_id"]["path"]
        ]
        for stream in ("cases", "evidence"):
            assert connector.supports_case_filter(stream)
            for record in records(list(connector.read_case(stream, str(case_ref)))):
                assert str(record[document["mapping"][stream]["fields"]["case_ref"]["path"]]) == str(case_ref)


def test_liquidlogic_cases_are_each_childs_latest_referral_with_its_case_type(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ll.db"
    liquidlogic_database(url)

    with connector_for(load("liquidlogic"), url) as connector:
        cases = records(list(connector.read("cases", None)))

    by_person = {r["DIM_PERSON_ID"]: r for r in cases}
    assert set(by_person) == {1001, 1002, 1003, 1005}  # 1004 closed long ago
    assert {p: r["CASE_TYPE"] for p, r in by_person.items()} == {
        1001: "CIN",
        1002: "CP",
        1003: "LAC",
        1005: "CIN",
    }
    assert by_person[1005]["ROW_ID"] == 6
    assert by_person[1002]["CP_START_DTTM"] == "2025-12-01 00:00:00"
    assert by_person[1001]["DEPARTMENT_NAME"] == "Team North"
    assert by_person[1001]["WORKER_ID"] == "W007"


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
    # The next run looks back an hour: the latest form is read again, nothing older.
    assert {r["FACT_FORM_ID"] for r in again} == {502}
