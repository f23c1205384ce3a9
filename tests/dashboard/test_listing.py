"""Listings in a pipe or a narrow terminal show words, never the markup that styles them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from dashboard.listing import print_listing
from sync.cli.commands.read import _orphans, _table

COLUMNS = ["authority", "last run", "outcome", "evidence naming no stored case"]


def alerting_row() -> list[object]:
    return ["westshire", "2026-03-02T07:00:00+00:00", "succeeded", _orphans(40, 100, alert=True)]


def test_status_into_a_pipe_prints_the_orphan_warning_as_words(capsys: pytest.CaptureFixture[str]) -> None:
    _table("Authorities", COLUMNS, [alerting_row()])  # stdout is captured: not a terminal

    printed = capsys.readouterr().out
    assert "40 (40%) check how both streams key cases" in " ".join(printed.split())
    assert "[bold red]" not in printed
    assert "[/]" not in printed


@pytest.mark.parametrize("width", [30, 200], ids=["narrow: one block per record", "wide: a table"])
def test_a_styled_cell_reads_as_plain_words_at_any_width(width: int) -> None:
    out = io.StringIO()
    print_listing("Authorities", COLUMNS, [alerting_row()], console=Console(file=out, width=width))

    printed = " ".join(out.getvalue().split())
    assert "check how both streams key cases" in printed
    assert "[bold red]" not in printed


def test_a_value_holding_square_brackets_is_shown_as_written() -> None:
    out = io.StringIO()
    print_listing(
        "Runs",
        ["id", "error"],
        [[1, "[bold]not markup[/bold] [Errno 2]"]],
        console=Console(file=out, width=200),
    )

    assert "[bold]not markup[/bold] [Errno 2]" in out.getvalue()
