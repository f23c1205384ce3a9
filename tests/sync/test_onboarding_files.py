"""The files template, from an empty machine to a first sync of a CIN census and a forms export."""

from __future__ import annotations

import re
from pathlib import Path

from tests.sync.test_onboarding import FIXTURES, first_sync, newcomer, set_line


def test_files_template_from_an_empty_machine_to_a_first_sync(tmp_path: Path) -> None:
    sofs = newcomer(tmp_path, "files", lambda text: set_line(text, "settle_seconds", "0"))
    drops = tmp_path / "sofs" / "authorities" / "drops"
    (drops / "cin").mkdir(parents=True)
    (drops / "forms").mkdir()
    # Both children of the sample are closed; reopen them so the whiteboard (open cases) shows them.
    census = re.sub(
        r"<CINclosureDate>[^<]*</CINclosureDate>",
        "",
        (FIXTURES / "cin-census" / "CIN_Census_2024.xml").read_text(),
    )
    (drops / "cin" / "census-2024.xml").write_text(census)
    children = sorted(set(_between(census, "<LAchildID>", "</LAchildID>")))
    (drops / "forms" / "forms-2026-01.csv").write_text(
        "form_id,child_id,form_type,status,form_date,worker_name,safety_scale\n"
        f"F1,{children[0]},Danger Statement & Safety Goal,Completed,06/01/2026,,6\n"
        f"F2,{children[1]},Safety Plan,Draft,07/01/2026,,\n"
    )

    board = first_sync(sofs)

    assert set(board) == set(children)
    assert board[children[1]]["safety_plan"] == "in_progress"
    assert (board[children[0]]["danger_statement"], board[children[0]]["safety_goal"]) == (
        "evidenced",
        "evidenced",
    )


def _between(text: str, start: str, end: str) -> list[str]:
    return [part.split(end, 1)[0] for part in text.split(start)[1:]]
