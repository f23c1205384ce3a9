"""The read commands in a terminal of 80 and of 200 columns: they fit, and never cut a word."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from demo.layout import DemoPaths
from tests.conftest import run_cli

COMMANDS = (
    "dashboard",
    "status",
    "runs",
    "quarantine",
    "dashboard --compare",
    "dashboard westvale --since 2026-01-01",
)


def shown(demo_dir: Path, columns: int, *args: str) -> str:
    result = run_cli("--config", str(DemoPaths(demo_dir).settings), *args, env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output


def as_json(demo_dir: Path, *args: str) -> list[dict[str, object]]:
    found = json.loads(shown(demo_dir, 80, *args, "--json"))
    assert isinstance(found, list)
    return found


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("command", COMMANDS)
def test_every_line_fits_the_terminal_and_nothing_is_cut_short(
    demo_dir: Path, command: str, columns: int
) -> None:
    output = shown(demo_dir, columns, *command.split())
    assert max(len(line) for line in output.splitlines()) <= columns
    assert "…" not in output


def test_at_80_columns_team_names_and_authorities_stand_whole(demo_dir: Path) -> None:
    dashboard = shown(demo_dir, 80, "dashboard", "--compare")
    teams = {"Family Safeguarding A", "Looked After Children", "Central Locality", "(no team)"}
    lines = {line.strip() for line in dashboard.splitlines()}
    assert teams <= lines, "each team of the summary has a line of its own"
    status = words(shown(demo_dir, 80, "status"))
    for row in as_json(demo_dir, "status"):
        assert f"authority {row['authority']}" in status
        assert f"outcome: {row['last_run']['outcome']}" in status  # type: ignore[index]


def test_at_80_columns_a_quarantine_reason_reads_as_one_sentence(demo_dir: Path) -> None:
    output = shown(demo_dir, 80, "quarantine")
    held = as_json(demo_dir, "quarantine")
    assert held
    for row in held:
        assert f"reason: {words(str(row['reason']))}" in words(output)
    widest_reason_line = max(len(line) for line in output.splitlines() if "reason:" in line)
    assert widest_reason_line > 40, "a reason fills the line, not one word a line"


def test_at_200_columns_runs_and_status_are_tables_with_every_column(demo_dir: Path) -> None:
    runs = shown(demo_dir, 200, "runs")
    header = next(line for line in runs.splitlines() if "authority" in line)
    for column in ("trigger", "started", "outcome", "quarantined", "not evidence", "deleted", "error"):
        assert column in header
    assert "in quarantine" in shown(demo_dir, 200, "status")


def test_cases_without_a_team_are_selected_by_the_name_the_summary_gives_them(demo_dir: Path) -> None:
    output = shown(demo_dir, 80, "dashboard", "westvale", "--team", "(no team)")
    cases = as_json_board(demo_dir)
    assert cases
    assert f"(no team): {len(cases)} open cases" in output


def as_json_board(demo_dir: Path) -> list[object]:
    board = json.loads(shown(demo_dir, 80, "dashboard", "westvale", "--team", "(no team)", "--json"))
    cases = board["cases"]
    assert isinstance(cases, list)
    assert {c["team"] for c in cases} == {None}
    return cases


def board_marks(demo_dir: Path) -> set[str]:
    board = json.loads(shown(demo_dir, 80, "dashboard", "--json"))
    return {m for case in board["cases"] for cell in case["cells"].values() for m in cell["marks"]}


def test_at_80_columns_the_grid_is_symbols_with_their_legend_and_no_marks(demo_dir: Path) -> None:
    output = shown(demo_dir, 80, "dashboard")
    assert "✓ Evidenced   ↻ Review due   ◐ In progress   ○ Not started   ! Overdue" in output
    assert "Marks:" not in output
    assert not re.search(r"late \d+ wd", output)


@pytest.mark.parametrize("columns", [120, 200])
def test_from_120_columns_every_cells_marks_show_whole_with_their_key(demo_dir: Path, columns: int) -> None:
    output = shown(demo_dir, columns, "dashboard")
    marks = board_marks(demo_dir)
    assert any(re.fullmatch(r"late \d+ wd", m) for m in marks), "the demo has a late element"
    assert any(re.fullmatch(r"\d+ [↑↓→]", m) for m in marks), "the demo has a scale that moved"
    for mark in marks:
        assert mark in output, f"{mark!r} is shown whole"
    assert "late n wd: first completed n working days after the due date" in words(output)


@pytest.mark.parametrize("columns", [80, 120])
def test_trends_fit_the_terminal_with_weeks_as_day_and_month(demo_dir: Path, columns: int) -> None:
    output = shown(demo_dir, columns, "trends", "westvale")
    assert max(len(line) for line in output.splitlines()) <= columns
    assert "…" not in output
    if columns == 80:
        assert re.search(r"\b\d{1,2}/\d{1,2}\b", output)


def test_a_worker_id_with_no_open_cases_is_said_not_shown_as_an_empty_caseload(demo_dir: Path) -> None:
    output = shown(demo_dir, 80, "dashboard", "northmoor", "--worker", "NO-SUCH-WORKER")
    assert "No open case of northmoor has that worker" in output
    assert "NO-SUCH-WORKER" not in output
    assert "0 open cases" not in output


def test_an_element_is_chosen_by_its_label_as_well_as_its_key(demo_dir: Path) -> None:
    by_label = json.loads(shown(demo_dir, 80, "dashboard", "northmoor", "--element", "Safety plan", "--json"))
    assert [e["key"] for e in by_label["elements"]] == ["safety_plan"]


def test_at_80_columns_each_team_counts_recent_ticks_beside_every_tick_one_element_a_line(
    demo_dir: Path,
) -> None:
    output = shown(demo_dir, 80, "dashboard", "westvale")
    header = next(line for line in output.splitlines() if line.strip().startswith("Element"))
    assert header.split()[-4:] == ["of", "✓", "3", "mo"]
    board = json.loads(shown(demo_dir, 80, "dashboard", "westvale", "--json"))
    for element in board["elements"]:
        [line] = [line for line in output.splitlines() if line.startswith(f" {element['label']} ")]
        assert len(line) <= 80
        ever, *_, of, recent = line.split()[-7:]
        assert int(recent) <= int(of)
        assert int(ever) <= int(of)
    assert "✓ 3 mo: open cases whose latest completed record is from the last 3 months" in words(output)
