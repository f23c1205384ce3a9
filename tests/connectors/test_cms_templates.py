"""The shipped CMS templates, each read end to end from a synthetic reporting database (SQLite)
built with exactly the CMS's table and column names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.base import Record
from connectors.sql_config import SqlConfig
from tests.connectors.cms_databases import (
    BUILDERS,
    MEASURE_STREAMS,
    TOP_LEVEL_KEYS,
    connector_for,
    eclipse_database,
    liquidlogic_database,
    load,
    mapped_paths,
    mosaic_database,
    records,
)


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
