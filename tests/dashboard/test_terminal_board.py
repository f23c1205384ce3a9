"""The terminal board on a synced authority: the summary first, capped teams, and the same cells as
rows or JSON, whole or in pieces."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

import config.loader
from tests.conftest import run_cli
from tests.dashboard.test_case_and_caseload_commands import synced

__all__ = ["synced"]  # the fixture, shared with the case and caseload commands' tests


def test_the_terminal_board_puts_the_summary_first_and_caps_each_team_saying_how_to_see_the_rest(
    synced: tuple[Path, Engine],
) -> None:
    from rich.console import Console

    from dashboard.terminal import print_board
    from dashboard.whiteboard import load_board
    from mapping.elements import DEFAULT_ELEMENTS

    board = load_board(synced[1], DEFAULT_ELEMENTS, {"mem-la": "Memory Council"})
    north = next(g for g in board.groups() if len(g.cases) == 2)
    console = Console(width=160, record=True)
    print_board(board, console, cases_per_team=1, compare=True)
    capped = console.export_text()
    assert capped.index("Team summary") < capped.index(f"{north.team}: 2 open cases")
    assert f'1 more open case in {north.team}: sofs-sync dashboard mem-la --team "{north.team}"' in capped
    assert sum(ref in capped for ref in (c["case_ref"] for c in north.cases)) == 1
    # Without --compare no summary sets teams side by side: each team's own counts head its grid.
    console = Console(width=80, record=True)
    print_board(board, console, cases_per_team=1)
    own = console.export_text()
    assert "Team summary" not in own
    assert own.index(f"{north.team}: 2 open cases") < own.index(" Safety plan ")
    assert max(len(line) for line in own.splitlines()) <= 80

    console = Console(width=160, record=True)
    print_board(board, console, cases_per_team=None)
    whole = console.export_text()
    assert "more open case" not in whole
    assert all(c["case_ref"] in whole for c in board.cases)


def test_a_board_loaded_for_a_capped_grid_builds_only_the_shown_cells_and_prints_the_same(
    synced: tuple[Path, Engine],
) -> None:
    from rich.console import Console

    from dashboard.terminal import print_board
    from dashboard.whiteboard import load_board
    from mapping.elements import DEFAULT_ELEMENTS

    names = {"mem-la": "Memory Council"}
    full = load_board(synced[1], DEFAULT_ELEMENTS, names)
    capped = load_board(synced[1], DEFAULT_ELEMENTS, names, now=full.generated_at, cells_per_team=1)
    shown = {(g.cases[0]["authority"], g.cases[0]["case_ref"]) for g in full.groups() if g.cases}
    assert set(capped.cells) == shown < set(full.cells)
    assert all(capped.cells[key] == full.cells[key] for key in shown)
    assert capped.cases == full.cases
    assert capped.teams == full.teams

    printed: list[str] = []
    for board in (full, capped):
        console = Console(width=200, record=True)
        print_board(board, console, cases_per_team=1)
        printed.append(console.export_text())
    assert printed[0] == printed[1]


def test_board_cells_read_as_rows_are_the_cells_of_each_case_built_from_its_records(
    synced: tuple[Path, Engine],
) -> None:
    """The whiteboard reads every cell from plain rows; the case timeline builds a cell from the
    case's status rows and source records one by one. The two must agree, cell for cell."""
    from dashboard.cells import build_cell, element_evidence
    from dashboard.whiteboard import ENGLAND, load_board, source_record
    from mapping.elements import DEFAULT_ELEMENTS
    from store.read import history

    settings, store = synced
    rules = {"mem-la": config.loader.load_config(settings).authority("mem-la").file.timeliness}
    board = load_board(store, DEFAULT_ELEMENTS, {"mem-la": "Memory Council"}, rules=rules)
    on = board.generated_at.astimezone(ENGLAND).date()
    scales = 0
    for case in board.cases:
        records = [source_record(r) for r in history.case_evidence(store, "mem-la", case["case_ref"])]
        evidence = element_evidence(records, on)
        expected = {
            row["element"]: build_cell(
                row, evidence.get(row["element"]), rules["mem-la"].get(row["element"]), on
            )
            for row in history.case_statuses(store, "mem-la", case["case_ref"])
        }
        assert board.cells[("mem-la", case["case_ref"])] == expected
        scales += sum(len(c.scale) for c in expected.values())
    assert scales == 5  # the safety scale's five judgements are among the cells compared


def test_board_json_in_pieces_is_the_json_of_the_whole_board(synced: tuple[Path, Engine]) -> None:
    from dashboard.whiteboard import load_board
    from mapping.elements import DEFAULT_ELEMENTS

    board = load_board(synced[1], DEFAULT_ELEMENTS, {"mem-la": "Memory Council"})
    assert board.cases
    assert board.cells
    assert "".join(board.json_chunks()) == json.dumps(board.as_json(), default=str)
    piped = run_cli("--config", str(synced[0]), "dashboard", "--json")
    assert json.loads(piped.stdout)["cases"] == json.loads(json.dumps(board.as_json()))["cases"]


def test_the_no_team_board_carries_its_cells(synced: tuple[Path, Engine]) -> None:
    from dashboard.whiteboard import load_board
    from mapping.elements import DEFAULT_ELEMENTS
    from store.schema.views import NO_TEAM

    with synced[1].begin() as conn:
        conn.execute(text("UPDATE cases SET team = NULL WHERE team = 'South'"))
    board = load_board(synced[1], DEFAULT_ELEMENTS, {"mem-la": "Memory Council"}, team=NO_TEAM)
    [case] = board.cases
    assert case["team"] is None
    assert board.cells[("mem-la", case["case_ref"])]["mapping"].status.value == case["mapping"]


def test_each_teams_summary_counts_the_ticks_of_the_last_three_months_beside_every_tick(
    synced: tuple[Path, Engine],
) -> None:
    """Counted from every open case's status row, so a grid capped at one case a team says the same
    as the whole board, and the figure is the store's own count of recent completed records."""
    from rich.console import Console

    from dashboard.terminal import RECENT_HEADING, print_board
    from dashboard.whiteboard import ENGLAND, load_board
    from mapping.elements import DEFAULT_ELEMENTS
    from mapping.timeliness import add_months

    names = {"mem-la": "Memory Council"}
    full = load_board(synced[1], DEFAULT_ELEMENTS, names)
    since = add_months(full.generated_at.astimezone(ENGLAND).date(), -3)
    with synced[1].connect() as conn:
        stored = conn.execute(
            text(
                "SELECT c.team, s.element, COUNT(*) FROM case_element_status s JOIN cases c "
                "USING (authority, case_ref) WHERE c.closed_on IS NULL AND c.deleted_on IS NULL "
                "AND s.status IN ('evidenced', 'review_due') AND s.last_evidenced_on >= :since "
                "GROUP BY c.team, s.element"
            ),
            {"since": since},
        ).all()
    expected = {(team, element): n for team, element, n in stored}
    assert sum(expected.values()) > 0
    capped = load_board(synced[1], DEFAULT_ELEMENTS, names, now=full.generated_at, cells_per_team=1)
    assert any(len(g.cases) > 1 for g in capped.groups()), "some team's grid is capped"
    console = Console(width=80, record=True)
    print_board(capped, console, cases_per_team=1)
    printed = console.export_text()
    assert max(len(line) for line in printed.splitlines()) <= 80
    assert f"{RECENT_HEADING}: open cases whose latest completed record is from the last 3" in printed
    labels = {e.label: e.key for e in DEFAULT_ELEMENTS}
    for group in capped.groups():
        block = printed[printed.index(f"{group.team}: {len(group.cases)} open case") :]
        for label, key in labels.items():
            line = next(line for line in block.splitlines() if line.startswith(f" {label} "))
            figures = line.split()[-7:]
            assert figures[-1] == str(expected.get((group.team, key), 0)), line
