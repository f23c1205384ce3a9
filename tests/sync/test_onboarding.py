"""A newcomer's path for each generic template: an empty machine, `init`, `new-authority`, the
lines marked LA: filled in, `check`, a first `sync`, and the whiteboard. Real sources each time:
a SQLite database (an SSD-shaped one built from the dataset's own definitions), a loopback REST
API, a folder of drops."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli
from tests.connectors.cms_databases import build
from tests.connectors.scripted_http import Reply, ScriptedServer, SeenRequest
from tests.sync import measure_sources as measures

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SSD_TYPES = {"nvarchar": "TEXT", "nchar": "TEXT", "datetime": "DATETIME", "int": "INTEGER", "float": "REAL"}
TEST_KEY = "a-test-pseudonym-key-of-32-bytes"
KEY_ENV = {"CMS_PSEUDONYM_KEY": TEST_KEY, "SSD_PSEUDONYM_KEY": TEST_KEY}

FORM_TABLES = """
CREATE TABLE sos_forms (form_id TEXT PRIMARY KEY, person_ref TEXT, form_type TEXT, status TEXT,
    started_on DATE, completed_on DATE, updated_at DATETIME);
CREATE TABLE sos_form_answers (answer_id INTEGER PRIMARY KEY, form_id TEXT, question TEXT,
    text_answer TEXT, number_answer NUMERIC, date_answer DATE);
"""
FORMS = [
    (
        "F1",
        "P1",
        "Danger Statement & Safety Goal",
        "completed",
        "2026-01-05",
        "2026-01-06",
        "2026-01-06 10:00:00",
    ),
    ("F2", "P2", "Safety Plan", "draft", "2026-01-07", None, "2026-01-07 10:00:00"),
    ("F3", "P1", "Chronology", "completed", "2026-01-08", "2026-01-08", "2026-01-08 10:00:00"),
]
ANSWERS = [
    (1, "F1", "WORRY", "...", None, None),
    (2, "F1", "SAFETY_SCALE", None, 6, None),
    (3, "F2", "PLAN", "...", None, None),
]


def newcomer(folder: Path, template: str, fill_in: Callable[[str], str]) -> Callable[..., Any]:
    """`init` on an empty machine, then `new-authority`, then the LA: lines filled in."""
    settings = folder / "sofs" / "sofs-sync.yaml"
    first = run_cli("--config", str(settings), "init")
    assert first.exit_code == 0, first.output
    assert settings.is_file()
    written = run_cli("--config", str(settings), "new-authority", "westshire", "--from", template)
    assert written.exit_code == 0, written.output
    authority = settings.parent / "authorities" / "westshire.yaml"
    authority.write_text(fill_in(authority.read_text()))

    def sofs(*args: str) -> Any:
        result = run_cli("--config", str(settings), *args, env=KEY_ENV)
        assert result.exit_code == 0, result.output
        return result.output

    return sofs


def first_sync(sofs: Callable[..., Any]) -> dict[str, dict[str, Any]]:
    report = json.loads(sofs("check", "westshire", "--json"))
    assert report["reachable"]
    assert report["coverage"]["unmapped_streams"] == []
    [run] = json.loads(sofs("sync", "westshire", "--json"))
    assert run["outcome"] == "succeeded", run
    board = json.loads(sofs("dashboard", "westshire", "--json"))
    return {case["case_ref"]: case for case in board["cases"]}


def set_line(text: str, key: str, value: str) -> str:
    """Replace the first `key: ...` line's value, keeping its indentation."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith(f"{key}:"):
            indent = line[: len(line) - len(line.lstrip())]
            lines[index] = f"{indent}{key}: {value}"
            return "\n".join(lines) + "\n"
    raise AssertionError(f"no {key}: line")


def without_line(text: str, key: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith(f"{key}:")) + "\n"


def build_database(path: Path, ddl: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    build(f"sqlite:///{path}", ddl, rows)


def form_rows() -> dict[str, list[dict[str, Any]]]:
    form_columns = [
        "form_id",
        "person_ref",
        "form_type",
        "status",
        "started_on",
        "completed_on",
        "updated_at",
    ]
    answer_columns = ["answer_id", "form_id", "question", "text_answer", "number_answer", "date_answer"]
    return {
        "sos_forms": [dict(zip(form_columns, row, strict=True)) for row in FORMS],
        "sos_form_answers": [dict(zip(answer_columns, row, strict=True)) for row in ANSWERS],
    }


def ssd_tables() -> str:
    """CREATE TABLE statements for the SSD case skeleton, from the dataset's own object definitions."""
    statements = []
    for definition in sorted((FIXTURES / "ssd").glob("ssd_*.yml")):
        for node in yaml.safe_load(definition.read_text())["nodes"]:
            columns = [f"{f['name']} {SSD_TYPES[f['type'].lower()]}" for f in node["fields"]]
            statements.append(f"CREATE TABLE {node['name']} ({', '.join(columns)})")
    return ";\n".join(statements)


def test_sql_template_from_an_empty_machine_to_a_first_sync(tmp_path: Path) -> None:
    sofs = newcomer(
        tmp_path,
        "sql",
        lambda text: without_line(set_line(text, "url", '"sqlite:///../reporting.db"'), "password_env"),
    )
    cases_ddl = (
        "CREATE TABLE sos_cases (case_id INTEGER, person_ref TEXT, case_type TEXT, opened_on DATE, "
        "closed_on DATE, cp_plan_start DATE, team TEXT, worker_id TEXT, updated_at DATETIME)"
    )
    cases = [
        {
            "case_id": 1,
            "person_ref": "P1",
            "case_type": "CP",
            "opened_on": "2025-12-01",
            "closed_on": None,
            "cp_plan_start": "2025-12-10",
            "team": "North",
            "worker_id": "W1",
            "updated_at": "2026-01-01 09:00:00",
        },
        {
            "case_id": 2,
            "person_ref": "P2",
            "case_type": "CIN",
            "opened_on": "2025-11-01",
            "closed_on": None,
            "cp_plan_start": None,
            "team": "South",
            "worker_id": "W2",
            "updated_at": "2026-01-01 09:00:00",
        },
    ]
    build_database(
        tmp_path / "sofs" / "reporting.db",
        ";".join([cases_ddl, FORM_TABLES, measures.SQL_MEASURE_TABLES]),
        {"sos_cases": cases, **form_rows(), **measures.sql_measure_rows()},
    )

    board = first_sync(sofs)

    assert set(board) == {"P1", "P2"}
    assert board["P1"]["danger_statement"] == "evidenced"
    assert board["P1"]["safety_goal"] == "evidenced"  # one form, two elements
    assert board["P2"]["safety_plan"] == "in_progress"
    assert measures.stored_audits(tmp_path) == measures.SQL_AUDITS_STORED
    assert measures.stored(tmp_path, measures.EPISODES) == measures.SQL_EPISODES_STORED


def test_a_sqlite_source_left_with_the_templates_password_line_is_told_to_drop_it(tmp_path: Path) -> None:
    settings = tmp_path / "sofs" / "sofs-sync.yaml"
    assert run_cli("--config", str(settings), "init").exit_code == 0
    assert run_cli("--config", str(settings), "new-authority", "westshire", "--from", "sql").exit_code == 0
    authority = settings.parent / "authorities" / "westshire.yaml"
    authority.write_text(set_line(authority.read_text(), "url", '"sqlite:///../reporting.db"'))

    checked = run_cli("--config", str(settings), "check", "westshire", env=KEY_ENV)

    assert checked.exit_code == 2
    assert (
        "connector: a SQLite database is a file and takes no password: remove password_env" in checked.output
    )
    assert "cannot resolve the database password" not in checked.output


def test_ssd_template_reads_the_case_skeleton_from_an_ssd_shaped_database(tmp_path: Path) -> None:
    """Values shaped as Data to Insight's SystemC deployment fills them: HDM's numeric ids (FACT_REFERRAL_ID,
    DIM_DEPARTMENT_ID, DIM_WORKER_ID), and the worker's name in cine_referral_worker_id."""
    sofs = newcomer(
        tmp_path,
        "ssd",
        lambda text: measures.on_sqlite(
            without_line(set_line(text, "url", '"sqlite:///../ssd.db"'), "password_env")
        ),
    )

    def referral(
        ref: str, person: str, on: str, team: str, worker_name: str, closed: str | None = None
    ) -> dict[str, Any]:
        return {
            "cine_referral_id": ref,
            "cine_person_id": person,
            "cine_referral_date": f"{on} 00:00:00",
            "cine_close_date": closed and f"{closed} 00:00:00",
            "cine_referral_team": team,
            "cine_referral_worker_id": worker_name,
        }

    rows = {
        "ssd_cin_episodes": [
            referral("9001", "P1", "2025-12-01", "1001", "Jane Smith"),
            referral("9002", "P2", "2025-11-01", "1002", "Jane Smith"),
            referral("9000", "P3", "2020-01-01", "1001", "Amir Khan", closed="2020-06-01"),
            referral("9003", "P3", "2025-10-01", "1001", "Amir Khan"),
            referral("9004", "P4", "2025-09-01", "999", "Amir Khan"),
            referral("9005", "P5", "2025-08-01", "1002", "Jane Smith"),
        ],
        "ssd_cp_plans": [
            {
                "cppl_cp_plan_id": "701",
                "cppl_referral_id": "9001",
                "cppl_person_id": "P1",
                "cppl_cp_plan_start_date": "2025-12-10 00:00:00",
                "cppl_cp_plan_end_date": None,
            },
            {  # ended: the child stays in need
                "cppl_cp_plan_id": "705",
                "cppl_referral_id": "9005",
                "cppl_person_id": "P5",
                "cppl_cp_plan_start_date": "2025-08-20 00:00:00",
                "cppl_cp_plan_end_date": "2025-12-20 00:00:00",
            },
        ],
        "ssd_cla_episodes": [
            {
                "clae_cla_episode_id": "801",
                "clae_person_id": "P3",
                "clae_cla_episode_start_date": "2025-10-05 00:00:00",
                "clae_cla_episode_ceased_date": None,
            },
        ],
        "ssd_involvements": [
            {
                "invo_involvements_id": "I1",
                "invo_professional_id": "20451",
                "invo_professional_team": "1001",
                "invo_involvement_start_date": "2025-12-01 00:00:00",
                "invo_involvement_end_date": None,
                "invo_referral_id": "9001",
                "invo_person_id": "P1",
            },
            {
                "invo_involvements_id": "I3",
                "invo_professional_id": "20451",
                "invo_professional_team": "1001",
                "invo_involvement_start_date": "2025-10-01 00:00:00",
                "invo_involvement_end_date": None,
                "invo_referral_id": "9003",
                "invo_person_id": "P3",
            },
        ],
        "ssd_department": [
            {"dept_team_id": "1001", "dept_team_name": "Team North"},
            {"dept_team_id": "1002", "dept_team_name": "Team South"},
        ],
        **form_rows(),
    }
    # A map authorised 12 days ago with no answer rows still evidences its element.
    authorised = (date.today() - timedelta(days=12)).isoformat()
    rows["sos_forms"].append(
        {
            "form_id": "F4",
            "person_ref": "P4",
            "form_type": "SoS Mapping",
            "status": "authorised",
            "started_on": authorised,
            "completed_on": authorised,
            "updated_at": f"{authorised} 10:00:00",
        }
    )
    build_database(tmp_path / "sofs" / "ssd.db", ssd_tables() + ";" + FORM_TABLES, rows)

    checked = sofs("check", "westshire")
    assert "1 sampled cases name a team code the team list lacks" in checked
    board = first_sync(sofs)

    assert {ref: (case["case_type"], case["team"]) for ref, case in board.items()} == {
        "P1": ("cp", "Team North"),
        "P2": ("cin", "Team South"),
        "P3": ("looked_after", "Team North"),
        "P4": ("cin", "999 (team not in the team list)"),
        "P5": ("cin", "Team South"),
    }
    assert board["P1"]["safety_goal"] == "evidenced"
    assert board["P4"]["mapping"] == "evidenced"

    # A worker id finds its caseload; a referral's worker name is never read, so finds nothing.
    def caseload(worker: str) -> set[str]:
        listed = json.loads(sofs("dashboard", "westshire", "--worker", worker, "--json"))
        return {case["case_ref"] for case in listed["cases"]}

    assert caseload("20451") == {"P1", "P3"}
    assert caseload("Jane Smith") == set()


@pytest.fixture
def cms_api() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    cases = [
        {
            "person_id": "P1",
            "legal_status": "CP",
            "start_date": "2025-12-01",
            "cp_plan_start_date": "2025-12-10",
            "team": {"name": "North"},
            "worker": {"id": "W1"},
            "updated_at": "2026-01-01T09:00:00Z",
        },
        {
            "person_id": "P2",
            "legal_status": "CIN",
            "start_date": "2025-11-01",
            "team": {"name": "South"},
            "worker": {"id": "W2"},
            "updated_at": "2026-01-01T09:00:00Z",
        },
    ]
    forms = [
        {
            "form_id": "F1",
            "person_id": "P1",
            "form_type": "Danger Statement & Safety Goal",
            "status": "completed",
            "completed_on": "2026-01-06",
            "updated_at": "2026-01-06T10:00:00Z",
            "answers": {"safety_scale": 6},
        },
        {
            "form_id": "F2",
            "person_id": "P2",
            "form_type": "Safety Plan",
            "status": "draft",
            "started_on": "2026-01-07",
            "updated_at": "2026-01-07T10:00:00Z",
        },
    ]

    def paged(records: list[dict[str, Any]]) -> Callable[[SeenRequest], Reply]:
        def reply(request: SeenRequest) -> Reply:
            if request.header("X-API-Key") != "the-api-key":
                return Reply(401, json={"error": "unauthorised"})
            page, size = int(request.param("page") or 1), int(request.param("page_size") or 100)
            person = request.param("person_id")  # the template's case_filter
            chosen = [r for r in records if person is None or r["person_id"] == person]
            return Reply(json={"data": chosen[(page - 1) * size : page * size]})

        return reply

    server.handle("/api/v1/cases", paged(cases))
    server.handle("/api/v1/forms", paged(forms))
    server.handle("/api/v1/case-audits", paged(measures.REST_AUDITS))
    server.handle("/api/v1/episodes", paged(measures.REST_EPISODES))
    try:
        yield server
    finally:
        server.stop()


def test_rest_template_from_an_empty_machine_to_a_first_sync(
    tmp_path: Path, cms_api: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMS_API_KEY", "the-api-key")
    sofs = newcomer(tmp_path, "rest", lambda text: set_line(text, "base_url", f'"{cms_api.url}/api/v1"'))

    board = first_sync(sofs)

    assert set(board) == {"P1", "P2"}
    assert (board["P1"]["danger_statement"], board["P1"]["safety_goal"]) == ("evidenced", "evidenced")
    assert board["P2"]["safety_plan"] == "in_progress"
    assert all(r.header("X-API-Key") == "the-api-key" for r in cms_api.requests)
    assert measures.stored_audits(tmp_path) == measures.REST_AUDITS_STORED
    assert measures.stored(tmp_path, measures.EPISODES) == measures.REST_EPISODES_STORED
