"""A team against its own past on audits and outcomes, month by month, against hand-worked histories;
and `trends` carries the months in the terminal (80 columns) and in JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from dashboard.course_rows import episode_from_row
from dashboard.team_measures import month_periods, team_measures
from dashboard.whiteboard import ENGLAND
from mapping.course import case_outcomes
from sync.run.runner import Mode, RunRequest, SyncRunner, Trigger
from tests.conftest import run_cli
from tests.dashboard.measures_rows import a_scale, an_audit, an_episode
from tests.sync.memory import MemoryConnector, a_case_record, memory_store

TODAY = date(2026, 5, 20)
MONTHS = month_periods(date(2026, 3, 10), TODAY)


def _audit(case_ref: str, on: date, good: bool) -> dict[str, Any]:
    return {"source_id": f"{case_ref}-{on}", "case_ref": case_ref, "audited_on": on, "meets_good_line": good}


def _course(case_ref: str, *spells: tuple[str, date, date | None]) -> list[Any]:
    rows = [
        {
            "source_id": f"{case_ref}-{n}",
            "case_ref": case_ref,
            "kind": kind,
            "started_on": start,
            "ended_on": end,
        }
        for n, (kind, start, end) in enumerate(spells)
    ]
    return case_outcomes([episode_from_row("la", r) for r in rows], TODAY)


AUDITS = [
    # March: C1's latest audit in the month decides it (below the line); C2 good.
    _audit("C1", date(2026, 3, 3), True),
    _audit("C1", date(2026, 3, 20), False),
    _audit("C2", date(2026, 3, 5), True),
    # April: five cases audited, four at or above the line.
    *[_audit(f"C{n}", date(2026, 4, 6 + n), n != 5) for n in range(1, 6)],
]
OUTCOMES = {
    # Closed 15 March, re-referred 20 April.
    "K1": _course(
        "K1", ("referral", date(2025, 6, 1), date(2026, 3, 15)), ("referral", date(2026, 4, 20), None)
    ),
    # A CP plan that stepped down to child in need on 10 April.
    "K2": _course(
        "K2", ("referral", date(2026, 1, 5), None), ("cp_plan", date(2026, 1, 20), date(2026, 4, 10))
    ),
    # A CP plan that ended the case on 2 April; care from 1 May.
    "K3": _course(
        "K3", ("cp_plan", date(2025, 5, 1), date(2026, 4, 2)), ("looked_after", date(2026, 5, 1), None)
    ),
}
SCALES = {
    "S1": [(date(2026, 2, 10), 3), (date(2026, 3, 12), 5), (date(2026, 4, 15), 4)],
    "S2": [(date(2026, 4, 1), 6)],
    "S3": [(date(2026, 3, 1), 5), (date(2026, 3, 30), 5)],
    "S4": [(date(2026, 1, 1), 7), (date(2026, 5, 2), 2)],
}


def test_months_run_from_the_first_day_s_month_to_today_the_current_one_so_far() -> None:
    assert [(m.start, m.end, m.so_far, m.label) for m in MONTHS] == [
        (date(2026, 3, 1), date(2026, 3, 31), False, "March 2026"),
        (date(2026, 4, 1), date(2026, 4, 30), False, "April 2026"),
        (date(2026, 5, 1), date(2026, 5, 20), True, "May 2026 (so far)"),
    ]


def test_audited_cases_are_counted_by_their_latest_audit_in_the_month_and_few_give_no_share() -> None:
    march, april, may = team_measures("North", AUDITS, {}, {}, MONTHS).months
    assert (march.audits.audited, march.audits.at_or_above) == (2, 1)
    assert march.audits.counted() == "1 of 2 (too few for a share)"
    assert march.audits.as_json()["share"] is None
    assert april.audits.counted() == "4 of 5 (80%)"
    assert april.audits.as_json() == {
        "audited": 5,
        "at_or_above_good_line": 4,
        "share": 0.8,
        "too_few_to_share": False,
        "words": "4 of 5 audited at or above the good line (80%)",
    }
    assert may.audits.words() == "no case audited"


def test_cases_closed_or_stepped_down_in_a_month_are_followed_to_what_came_after() -> None:
    march, april, may = team_measures("North", [], OUTCOMES, {}, MONTHS).months
    assert march.endings.as_json() | {"words": ""} == {
        "closed_or_stepped_down": 1,
        "closed": 1,
        "stepped_down": 0,
        "then_re_referred": 1,
        "then_repeat_cp_plan": 0,
        "then_entered_care": 0,
        "words": "",
    }
    assert (april.endings.ended, april.endings.closed, april.endings.stepped_down) == (2, 1, 1)
    assert (april.endings.re_referred, april.endings.entered_care) == (0, 1)
    assert may.endings.words() == "no case closed or stepped down"


def test_scale_moves_count_the_cases_scaled_in_the_month_from_first_judgement_to_latest() -> None:
    march, april, may = team_measures("North", [], {}, SCALES, MONTHS).months
    assert (march.scale.up, march.scale.down, march.scale.flat, march.scale.first_judgement) == (1, 0, 1, 0)
    assert (april.scale.up, april.scale.down, april.scale.flat, april.scale.first_judgement) == (1, 0, 0, 1)
    assert (may.scale.up, may.scale.down, may.scale.flat, may.scale.first_judgement) == (0, 1, 0, 0)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "config"
    cfg, store = memory_store(folder, monkeypatch)
    cases = [a_case_record("C1"), a_case_record("C2"), a_case_record("C3", team="South")]
    source = MemoryConnector(data={"cases": cases, "evidence": []})
    runner = SyncRunner(cfg, store, today=lambda: date(2026, 2, 1), connector_factory=lambda _a: source)
    runner.run("mem-la", RunRequest(Trigger.CLI, "tester", Mode.INCREMENTAL))
    today = datetime.now(ENGLAND).date()
    an_audit(store, "C1", today, "good", authority="mem-la")
    an_audit(store, "C2", today, "inadequate", authority="mem-la")
    an_audit(store, "C3", today, "good", authority="mem-la")  # South's: never on North's figures
    an_episode(store, "C1", "referral", date(2025, 1, 6), today, authority="mem-la", end_reason="RC8")
    a_scale(store, "C2", date(2025, 1, 6), 2, authority="mem-la")
    a_scale(store, "C2", today, 5, authority="mem-la")
    yield folder / "sofs-sync.yaml"
    store.dispose()


def test_trends_json_gives_each_team_its_own_months(settings: Path) -> None:
    found = json.loads(
        run_cli("--config", str(settings), "trends", "mem-la", "--team", "North", "--json").stdout
    )
    (north,) = found["teams"]
    latest = north["months"][-1]
    assert latest["so_far"] is True
    assert latest["audits"]["audited"] == 2
    assert latest["audits"]["at_or_above_good_line"] == 1
    assert latest["outcomes"]["closed"] == 1
    assert (latest["scale"]["up"], latest["scale"]["scaled"]) == (1, 1)
    assert set(latest) == {"month", "from", "to", "so_far", "audits", "outcomes", "scale"}


def test_trends_in_the_terminal_says_the_months_in_words_within_80_columns(settings: Path) -> None:
    shown = run_cli(
        "--config", str(settings), "trends", "mem-la", "--team", "North", env={"COLUMNS": "80"}
    ).stdout
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "mem-la · North: audits and outcomes, month by month" in shown
    assert "1 of 2 audited at or above the good line; too few audits for a share" in " ".join(shown.split())
    assert "South" not in shown


def test_dashboard_json_gives_each_team_its_months_and_one_worker_s_caseload_none(settings: Path) -> None:
    board = json.loads(run_cli("--config", str(settings), "dashboard", "mem-la", "--json").stdout)
    by_team = {m["team"]: m["months"][-1]["audits"]["audited"] for m in board["measures"]}
    assert by_team == {"North": 2, "South": 1}
    assert {m["authority"] for m in board["measures"]} == {"mem-la"}
    caseload = run_cli("--config", str(settings), "dashboard", "mem-la", "--worker", "W-1", "--json")
    assert json.loads(caseload.stdout)["measures"] is None


def test_the_board_s_json_text_with_measures_is_its_dict_with_the_key() -> None:
    from dashboard.team_measures import with_measures

    board = {"cases": [{"case_ref": "C1", "cells": {}}], "teams": []}
    pieces = ['{"cases": [', '{"case_ref": "C1", "cells": {}}', '], "teams": []}']
    measures = [{"team": "North", "months": []}]
    assert json.loads("".join(with_measures(pieces, measures))) == board | {"measures": measures}
