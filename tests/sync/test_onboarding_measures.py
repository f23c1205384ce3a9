"""The other two measurements on a newcomer's path: the `ssd` template's episodes from the SSD's own
tables and its audits from case audit forms, and the `files` template's episodes from a year's and
an earlier year's CIN census returns (the real samples) and its audits from a QA spreadsheet."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.sync.measure_sources import EPISODES, on_sqlite, stored, stored_audits
from tests.sync.test_onboarding import (
    FORM_TABLES,
    build_database,
    first_sync,
    newcomer,
    set_line,
    ssd_tables,
    without_line,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def ssd_rows() -> dict[str, list[dict[str, Any]]]:
    """Two children: P1 referred twice, with a CP plan in each referral; P2 in care, moved once."""

    def referral(
        ref: str, person: str, on: str, closed: str | None = None, reason: str | None = None
    ) -> dict[str, Any]:
        return {"cine_referral_id": ref, "cine_person_id": person, "cine_referral_date": f"{on} 00:00:00",
                "cine_close_date": closed and f"{closed} 00:00:00", "cine_close_reason": reason,
                "cine_referral_team": "1001"}  # fmt: skip

    def plan(plan_id: str, person: str, start: str, end: str | None = None) -> dict[str, Any]:
        return {"cppl_cp_plan_id": plan_id, "cppl_person_id": person,
                "cppl_cp_plan_start_date": f"{start} 00:00:00",
                "cppl_cp_plan_end_date": end and f"{end} 00:00:00"}  # fmt: skip

    def care(episode: str, person: str, start: str, ceased: str | None, reason: str | None) -> dict[str, Any]:
        return {"clae_cla_episode_id": episode, "clae_person_id": person,
                "clae_cla_episode_start_date": f"{start} 00:00:00",
                "clae_cla_episode_ceased_date": ceased and f"{ceased} 00:00:00",
                "clae_cla_episode_ceased_reason": reason}  # fmt: skip

    def form(form_id: str, person: str, status: str, updated: str) -> dict[str, Any]:
        return {"form_id": form_id, "person_ref": person, "form_type": "Case Audit (collaborative)",
                "status": status, "started_on": updated[:10], "completed_on": updated[:10],
                "updated_at": updated}  # fmt: skip

    answers = [
        ("A1", "AUDIT_DATE", None, "2026-01-20"),
        ("A1", "OVERALL_GRADE", "Requires improvement", None),
        ("A1", "FAMILY_PARTICIPATION", "Yes", None),
        ("A1", "ATTENDEES", "Social worker;Team manager;Parent", None),
        ("A1", "GRADE_DANGER", "Good", None),
        ("A1", "AUDITOR_NOTES", "a narrative the audits stream never selects", None),
        ("A2", "AUDIT_DATE", None, "2026-01-22"),  # a draft audit: not read
    ]
    return {
        "ssd_cin_episodes": [
            referral("9000", "P1", "2024-01-10", "2024-12-02", "RC8"),
            referral("9001", "P1", "2025-10-01"),
            referral("9002", "P2", "2025-06-01"),
        ],
        "ssd_cp_plans": [plan("700", "P1", "2024-02-01", "2024-11-01"), plan("701", "P1", "2025-10-20")],
        "ssd_cla_episodes": [
            care("800", "P2", "2025-07-01", "2025-09-15", "X1"),
            care("801", "P2", "2025-09-15", None, None),
        ],
        "ssd_department": [{"dept_team_id": "1001", "dept_team_name": "Team North"}],
        "sos_forms": [
            form("A1", "P1", "completed", "2026-01-20 16:00:00"),
            form("A2", "P2", "draft", "2026-01-22 10:00:00"),
        ],
        "sos_form_answers": [
            {
                "answer_id": n,
                "form_id": f,
                "question": q,
                "text_answer": text,
                "number_answer": None,
                "date_answer": on,
            }
            for n, (f, q, text, on) in enumerate(answers, start=1)
        ],
    }


def test_ssd_template_reads_every_episode_from_the_ssd_and_audits_from_case_audit_forms(
    tmp_path: Path,
) -> None:
    sofs = newcomer(
        tmp_path,
        "ssd",
        lambda text: on_sqlite(without_line(set_line(text, "url", '"sqlite:///../ssd.db"'), "password_env")),
    )
    build_database(tmp_path / "sofs" / "ssd.db", ssd_tables() + ";" + FORM_TABLES, ssd_rows())

    board = first_sync(sofs)

    assert {ref: case["case_type"] for ref, case in board.items()} == {"P1": "cp", "P2": "looked_after"}
    assert stored(tmp_path, EPISODES) == [
        ("P1", "referral", "2024-01-10", "2024-12-02", "RC8", None),
        ("P1", "cp_plan", "2024-02-01", "2024-11-01", None, 0),
        ("P1", "referral", "2025-10-01", None, None, None),
        ("P1", "cp_plan", "2025-10-20", None, None, 1),  # the child's second plan
        ("P2", "referral", "2025-06-01", None, None, None),
        ("P2", "looked_after", "2025-07-01", "2025-09-15", "X1", None),  # a move, not a new period of care
        ("P2", "looked_after", "2025-09-15", None, None, None),
    ]
    assert stored_audits(tmp_path) == [
        ("P1", "2026-01-20", "requires_improvement", "Requires improvement", 0, "took_part",
         '["practitioner", "team_manager", "parent"]', '{"danger_statements": "good"}'),
    ]  # fmt: skip
    # The audit form is the audits stream's alone: the evidence stream does not count it.
    assert stored(tmp_path, "SELECT count(*) FROM evidence") == [(0,)]


CURRENT_RETURN = """<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header><Source><LEA>999</LEA></Source></Header>
  <Children>
    <Child>
      <ChildIdentifiers><LAchildID>DfEX0000001</LAchildID></ChildIdentifiers>
      <CINdetails>
        <CINreferralDate>2025-05-12</CINreferralDate>
        <ChildProtectionPlans>
          <CPPstartDate>2025-06-02</CPPstartDate>
          <NumberOfPreviousCPP>11</NumberOfPreviousCPP>
        </ChildProtectionPlans>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""
"""This year's return: the sample's first child, referred again and on a plan again."""


def test_files_template_reads_every_census_returns_episodes_and_a_qa_spreadsheet(tmp_path: Path) -> None:
    sofs = newcomer(
        tmp_path, "files", lambda text: set_line(set_line(text, "folder", "../drops"), "settle_seconds", "0")
    )
    drops = tmp_path / "sofs" / "drops"
    (drops / "cin" / "earlier").mkdir(parents=True)
    (drops / "cin" / "CIN_Census_2026.xml").write_text(CURRENT_RETURN)
    shutil.copy(FIXTURES / "cin-census" / "CIN_Census_2024.xml", drops / "cin" / "earlier")
    (drops / "forms").mkdir()
    (drops / "forms" / "forms.csv").write_text(
        "form_id,child_id,form_type,status,form_date,worker_name\r\n"
        "F1,DfEX0000001,Danger Statement,Completed,01/06/2025,a name dropped as it is read\r\n"
    )
    (drops / "qa").mkdir()
    (drops / "qa" / "audits.csv").write_text(
        "Audit ref,Child ID,Audit date,Overall grade,Family participation,Attendees,Danger statements,"
        "Safety planning,Auditor,Notes\r\n"
        "QA-1,DfEX0000001,05/09/2025,Good,Partly,Social worker; Team manager,Good,Outstanding,"
        "A Name,narrative\r\n"
        "QA-2,DfEX0000001,06/09/2025,Satisfactory,Yes,Social worker,,,A Name,\r\n"
    )

    board = first_sync(sofs)

    assert board["DfEX0000001"]["case_type"] == "cp"
    # The earlier return's referral and plan (NumberOfPreviousCPP 10, as the sample has it) beside
    # this year's; the earlier return's other child has no case this year: kept, and counted as
    # naming no stored case, as evidence is.
    assert stored(tmp_path, EPISODES) == [
        ("DfEX0000001", "cp_plan", "2022-02-17", "2023-03-14", None, 10),
        ("DfEX0000001", "referral", "2022-10-06", "2023-02-27", "RC1", None),
        ("DfEX0000001", "referral", "2025-05-12", None, None, None),
        ("DfEX0000001", "cp_plan", "2025-06-02", None, None, 11),
        ("child_fails_assessments", "referral", "2024-10-24", "2024-10-29", "RC9", None),
    ]
    assert stored(tmp_path, "SELECT orphaned_count FROM sync_runs") == [(1,)]
    assert stored_audits(tmp_path) == [
        ("DfEX0000001", "2025-09-05", "good", "Good", 1, "partly", '["practitioner", "team_manager"]',
         '{"danger_statements": "good", "safety_planning": "outstanding"}'),
    ]  # fmt: skip
    # A grade the spreadsheet's map does not know is quarantined, never guessed; names are never stored.
    assert stored(tmp_path, "SELECT source_id FROM quarantine WHERE stream = 'audits'") == [("QA-2",)]
    assert stored(tmp_path, "SELECT count(*) FROM audits WHERE participants LIKE '%Name%'") == [(0,)]
