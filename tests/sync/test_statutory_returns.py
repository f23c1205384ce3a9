"""Statutory returns in a drop folder: each child once, earlier episodes superseded, and a return in
the wrong form named as such by check and sync."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from store.write.runs import Counts
from tests.conftest import run_cli
from tests.sync.test_never_green import FIXTURES, write_config


def drop_folders(tmp_path: Path, *streams: str) -> Path:
    """A drop folder with a sub-folder per stream."""
    drops = tmp_path / "drops"
    for stream in streams:
        (drops / stream).mkdir(parents=True)
    return drops


def files_authority(folder: Path, cases_stream: str, evidence_stream: str, mapping: str) -> str:
    """A files authority of one folder of drops, read as soon as they land."""
    return f"""\
code: la
name: LA
connector:
  type: files
  folder: {folder}
  settle_seconds: 0
  streams:
    cases: {cases_stream}
    evidence: {evidence_stream}
identifiers: {{case_ref: keep, worker: drop}}
{mapping}"""


STATUTORY_MAPPING = """\
mapping:
  cases:
    source_id: {path: episode_id}
    fields:
      case_ref: {path: CHILD}
      case_type: {const: looked_after}
      opened_on: {path: DECOM, date: "%d/%m/%Y"}
      closed_on: {path: DEC, date: "%d/%m/%Y"}
  evidence:
    source_id: {path: form_id}
    fields:
      case_ref: {path: child}
      element: {const: safety_plan}
      state: {const: completed}
      evidenced_on: {path: form_date, date: "%d/%m/%Y"}
"""


def statutory_authority(folder: Path, fmt: str) -> str:
    return files_authority(
        folder,
        f'{{glob: "903/*", format: {{type: {fmt}}}, case_field: CHILD}}',
        '{glob: "forms/*.csv", format: {type: csv}, case_field: child}',
        STATUTORY_MAPPING,
    )


def test_a_first_sync_of_an_ssda903_return_writes_each_child_once_and_counts_earlier_episodes_superseded(
    tmp_path: Path,
) -> None:
    drops = drop_folders(tmp_path, "903", "forms")
    (drops / "forms" / "forms.csv").write_text("form_id,child,form_date\nF1,566910,01/02/2018\n")
    heading, *rows = (FIXTURES / "ssda903" / "episodes.csv").read_text().splitlines(keepends=True)
    # Child 566910's open episode (from 14/08/2017) listed before its older, closed one.
    (drops / "903" / "episodes.csv").write_text(heading + rows[1] + rows[0] + "".join(rows[2:]))
    for name in ("header.csv", "reviews.csv"):
        (drops / "903" / name).write_bytes((FIXTURES / "ssda903" / name).read_bytes())
    settings = write_config(tmp_path / "config", "la", statutory_authority(drops, "ssda903"))

    result = run_cli("--config", str(settings), "sync", "la")

    assert result.exit_code == 0, result.output
    # 64 episodes of 26 children, and one form.
    assert "la: succeeded (run 1) read 65, inserted 27, updated 0, unchanged 0" in result.output
    assert "superseded by a later episode 38" in result.output
    [run] = json.loads(run_cli("--config", str(settings), "runs", "--json").stdout)
    assert run["superseded_count"] == 38
    assert Counts.of_columns(run).adds_up()
    assert "superseded" in run_cli("--config", str(settings), "runs", env={"COLUMNS": "250"}).stdout
    with sqlite3.connect(settings.parent / "store.db") as db:
        closed_on = db.execute("SELECT closed_on FROM cases WHERE case_ref = '566910'").fetchone()[0]
    assert closed_on is None, "the child's open episode makes an open case"


def test_an_ssda903_xml_return_configured_as_the_csv_form_is_named_as_such_by_check_and_sync(
    tmp_path: Path,
) -> None:
    drops = drop_folders(tmp_path, "903", "forms")
    (drops / "903" / "return.xml").write_bytes((FIXTURES / "ssda903-xml" / "sample_903.xml").read_bytes())
    settings = write_config(tmp_path / "config", "la", statutory_authority(drops, "ssda903"))

    check = run_cli("--config", str(settings), "check", "la")
    sync = run_cli("--config", str(settings), "sync", "la")

    for output in (check.output, sync.output):
        assert "header.csv is missing" not in output
    assert "return.xml is the XML form of the SSDA903 return" in check.output
    assert "{type: ssda903_xml}" in check.output
    assert sync.exit_code == 3
    quarantine = run_cli("--config", str(settings), "quarantine", "--json").stdout
    assert "configure this stream's format as {type: ssda903_xml}" in quarantine
