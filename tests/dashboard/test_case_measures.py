"""`case` carries the case's audits and course beside its elements: in JSON as the contract shapes
them, in the terminal within 80 columns, in the audit pack; a case with neither says so."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sync.run.runner import Mode, RunRequest, SyncRunner, Trigger
from tests.conftest import run_cli
from tests.dashboard.measures_rows import a_scale, an_audit, an_episode
from tests.sync.memory import MemoryConnector, a_case_record, memory_store

LA = "mem-la"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Two cases synced from a memory source, then C1's audits, episodes and scale put in the store."""
    folder = tmp_path / "config"
    cfg, store = memory_store(folder, monkeypatch)
    source = MemoryConnector(data={"cases": [a_case_record("C1"), a_case_record("C2")], "evidence": []})
    runner = SyncRunner(cfg, store, today=lambda: date(2026, 2, 1), connector_factory=lambda _a: source)
    runner.run(LA, RunRequest(Trigger.CLI, "tester", Mode.INCREMENTAL))
    _course_of_c1(store)
    yield folder / "sofs-sync.yaml"
    store.dispose()


def _course_of_c1(store: Engine) -> None:
    an_audit(store, "C1", date(2025, 6, 2), "requires_improvement", authority=LA, source_id="AUD-1")
    an_audit(
        store,
        "C1",
        date(2025, 11, 3),
        "good",
        authority=LA,
        source_id="AUD-2",
        family_participation="partly",
        participants=["practitioner", "team_manager", "parent"],
        area_grades={"danger_statements": "requires_improvement", "safety_planning": "good"},
    )
    # Closed, re-referred 11 months later, a second CP plan that stepped down to child in need.
    an_episode(store, "C1", "referral", date(2024, 2, 1), date(2024, 4, 15), authority=LA, end_reason="RC8")
    an_episode(store, "C1", "referral", date(2025, 3, 14), authority=LA, source_id="REF-2")
    an_episode(store, "C1", "cp_plan", date(2025, 4, 1), date(2025, 10, 1), authority=LA, previous_cp_plans=1)
    a_scale(store, "C1", date(2025, 4, 20), 3, authority=LA)
    a_scale(store, "C1", date(2025, 9, 30), 7, authority=LA)


def test_case_json_carries_audits_latest_first_episodes_outcomes_and_scale(settings: Path) -> None:
    found = json.loads(run_cli("--config", str(settings), "case", LA, "C1", "--json").stdout)
    assert found["audits"] == [
        {
            "audited_on": "2025-11-03",
            "grade": "good",
            "grade_words": "Good",
            "meets_good_line": True,
            "family_participation": "partly",
            "participants": ["practitioner", "team_manager", "parent"],
            "area_grades": {
                "danger_statements": {"grade": "requires_improvement", "words": "Requires improvement"},
                "safety_planning": {"grade": "good", "words": "Good"},
            },
        },
        {
            "audited_on": "2025-06-02",
            "grade": "requires_improvement",
            "grade_words": "Requires improvement",
            "meets_good_line": False,
            "family_participation": "took_part",
            "participants": ["practitioner", "team_manager"],
            "area_grades": {},
        },
    ]
    assert found["episodes"] == [
        {
            "kind": "referral",
            "started_on": "2024-02-01",
            "ended_on": "2024-04-15",
            "end_reason": "RC8",
            "previous_cp_plans": None,
        },
        {
            "kind": "referral",
            "started_on": "2025-03-14",
            "ended_on": None,
            "end_reason": None,
            "previous_cp_plans": None,
        },
        {
            "kind": "cp_plan",
            "started_on": "2025-04-01",
            "ended_on": "2025-10-01",
            "end_reason": None,
            "previous_cp_plans": 1,
        },
    ]
    assert [(o["kind"], o["on"]) for o in found["outcomes"]] == [
        ("closed", "2024-04-15"),
        ("re_referred", "2025-03-14"),
        ("repeat_cp_plan", "2025-04-01"),
        ("stepped_down", "2025-10-01"),
    ]
    assert all(set(o) == {"kind", "on", "sentence"} and o["sentence"] for o in found["outcomes"])
    assert not any("REF-2" in o["sentence"] or "C1" in o["sentence"] for o in found["outcomes"])
    assert {k: v for k, v in found["scale"].items() if k != "sentence"} == {
        "first": 3,
        "first_on": "2025-04-20",
        "latest": 7,
        "latest_on": "2025-09-30",
        "movement": "up",
    }


def test_a_case_with_nothing_recorded_has_empty_lists_and_says_so(settings: Path) -> None:
    found = json.loads(run_cli("--config", str(settings), "case", LA, "C2", "--json").stdout)
    assert (found["audits"], found["episodes"], found["outcomes"], found["scale"]) == ([], [], [], None)
    shown = run_cli("--config", str(settings), "case", LA, "C2", env={"COLUMNS": "80"}).stdout
    assert "No collaborative case audit recorded." in shown
    assert "No referral, plan or care episode recorded." in shown
    assert "Fewer than two safety scale judgements: no movement to read." in shown


def test_the_terminal_case_view_reads_audits_and_course_within_80_columns(settings: Path) -> None:
    shown = run_cli("--config", str(settings), "case", LA, "C1", env={"COLUMNS": "80"}).stdout
    assert max(len(line) for line in shown.splitlines()) <= 80
    audits = shown[shown.index("Collaborative case audits (latest first)") :]
    assert audits.index("3 Nov 2025: Good, at or above the good line") < audits.index(
        "2 Jun 2025: Requires improvement, below the good line"
    )
    assert "family partly took part; roles: practitioner, team manager, parent" in audits
    assert "danger statements: Requires improvement" in audits
    assert re.search(r"Child protection plan[\s│]+1 Apr 2025[\s│]+1 Oct 2025", audits)
    assert re.search(r"Referral \(child in need\)[\s│]+1 Feb 2024[\s│]+15 Apr 2024[\s│]+RC8", audits)
    assert "Re-referred on 14 March 2025" in audits


def test_the_audit_pack_carries_the_audits_and_the_course(settings: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack.html"
    assert run_cli("--config", str(settings), "case", LA, "C1", "--html", str(pack)).exit_code == 0
    html = pack.read_text()
    assert html.index("How good the practice is: collaborative case audits") < html.index("<h2>Timeline</h2>")
    assert "<td>Good</td>" in html
    assert "at or above the good line" in html
    assert "<li>danger statements: Requires improvement</li>" in html
    assert "What it leads to: the case's course" in html
    assert "Re-referred on 14 March 2025" in html
    chronology = html[html.index("<h3>Chronology</h3>") :]
    assert (
        '<td>Course</td><td>episode</td><td colspan="4">Referral (child in need) ended (reason RC8)</td>'
        in chronology
    )
    assert chronology.index("Referral (child in need) began") < chronology.index(
        "Child protection plan began"
    )
    assert '<details class="definitions" open>' in html
    empty = tmp_path / "empty.html"
    run_cli("--config", str(settings), "case", LA, "C2", "--html", str(empty))
    assert "No collaborative case audit recorded." in empty.read_text()
