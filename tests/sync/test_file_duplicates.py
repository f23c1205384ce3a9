"""One duplicate-record rule for every file format, through the CLI with the real sample returns.

A child (or record) a drop lists twice is passed on as the rows it is; the staged run keeps one per
key by the stream's `latest_by` rule and counts the other as `duplicates`. No format refuses the
whole file for it, and none drops a row unseen: CIN census XML, SSDA903 CSV and XML, and plain CSV
exports all give one stored record and `duplicates` 1. A file holding a header and no records is
read and said to hold none, the same way on every run.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from store.write.runs import Counts
from tests.conftest import run_cli
from tests.sync.test_never_green import FIXTURES, write_config
from tests.sync.test_statutory_returns import drop_folders, files_authority

FORMS = '{glob: "forms/*.csv", format: {type: csv}, case_field: child}'

EVIDENCE_MAPPING = """\
  evidence:
    source_id: {path: form_id}
    latest_by: evidenced_on
    fields:
      case_ref: {path: child}
      element: {const: safety_plan}
      state: {const: completed}
      evidenced_on: {path: form_date, date: "%d/%m/%Y"}
"""

CIN_MAPPING = (
    """\
mapping:
  cases:
    source_id: {path: episode_id}
    latest_by: opened_on
    fields:
      case_ref: {path: LAchildID}
      case_type: {const: cin}
      opened_on: {path: CINreferralDate, date: iso}
      closed_on: {path: CINclosureDate, date: iso}
"""
    + EVIDENCE_MAPPING
)

SSDA903_MAPPING = (
    """\
mapping:
  cases:
    source_id: {path: episode_id}
    latest_by: opened_on
    fields:
      case_ref: {path: CHILD}
      case_type: {const: looked_after}
      opened_on: {path: DECOM, date: "%d/%m/%Y"}
      closed_on: {path: DEC, date: "%d/%m/%Y"}
"""
    + EVIDENCE_MAPPING
)


def synced(tmp_path: Path, cases_stream: str, mapping: str) -> tuple[Path, dict[str, object]]:
    """Sync the authority over `tmp_path/drops`; its settings file and the run as `runs --json` has it."""
    settings = write_config(
        tmp_path / "config", "la", files_authority(tmp_path / "drops", cases_stream, FORMS, mapping)
    )
    result = run_cli("--config", str(settings), "sync", "la")
    assert result.exit_code == 0, result.output
    [run] = json.loads(run_cli("--config", str(settings), "runs", "--json").stdout)
    assert Counts.of_columns(run).adds_up()
    return settings, run


def rows(settings: Path, sql: str, *params: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(settings.parent / "store.db") as db:
        return db.execute(sql, params).fetchall()


def quarantined(settings: Path) -> list[object]:
    return list(json.loads(run_cli("--config", str(settings), "quarantine", "--json").stdout))


def forms(tmp_path: Path, *rows: str) -> None:
    """The forms export: its header row, then `rows`."""
    (tmp_path / "drops" / "forms" / "forms.csv").write_text("".join(["form_id,child,form_date\n", *rows]))


def test_a_cin_census_listing_a_child_twice_gives_one_case_by_the_rule(tmp_path: Path) -> None:
    drops = drop_folders(tmp_path, "cin", "forms")
    forms(tmp_path, "F1,DfEX0000001,01/02/2024\n")
    census = (FIXTURES / "cin-census" / "CIN_Census_2024.xml").read_text()
    first = re.search(r"<Child>.*?</Child>", census, re.S)
    assert first is not None
    assert "DfEX0000001" in first.group()
    # Listed again, first in the file: an open referral later than the other listing's.
    again = re.sub(r"<CINreferralDate>[^<]*<", "<CINreferralDate>2024-01-15<", first.group())
    again = re.sub(r"<CINclosureDate>[^<]*</CINclosureDate>", "", again)
    (drops / "cin" / "census.xml").write_text(census.replace("<Children>", "<Children>" + again, 1))

    settings, run = synced(tmp_path, '{glob: "cin/*.xml", format: {type: cin_census}}', CIN_MAPPING)

    assert run["outcome"] == "succeeded"
    assert run["duplicates_count"] == 1
    assert rows(settings, "SELECT opened_on, closed_on FROM cases WHERE case_ref = ?", "DfEX0000001") == [
        ("2024-01-15", None)
    ]
    assert quarantined(settings) == []


def ssda903_csv_drop(tmp_path: Path, *, first_child_twice: bool) -> tuple[Path, str]:
    """The sample return, its first child listed twice in header.csv if asked; the drops and that child."""
    drops = drop_folders(tmp_path, "903", "forms")
    for name in ("episodes.csv", "reviews.csv"):
        (drops / "903" / name).write_bytes((FIXTURES / "ssda903" / name).read_bytes())
    heading, first, *others = (FIXTURES / "ssda903" / "header.csv").read_text().splitlines()
    listed = [heading, first, *others, *([first] if first_child_twice else [])]
    (drops / "903" / "header.csv").write_text("\n".join(listed) + "\n")
    return drops, first.split(",")[0]


def test_an_ssda903_csv_return_listing_a_child_twice_gives_one_case_by_the_rule(tmp_path: Path) -> None:
    _, child = ssda903_csv_drop(tmp_path, first_child_twice=True)
    forms(tmp_path, f"F1,{child},01/02/2018\n")

    settings, run = synced(tmp_path, '{glob: "903/*", format: {type: ssda903}}', SSDA903_MAPPING)

    assert run["outcome"] == "succeeded"
    assert run["duplicates_count"] == 1
    assert run["superseded_count"] == 38  # 64 episodes of 26 children: the format's own rule, as before
    # The child's latest episode, open since 14/08/2017, from whichever listing the rule kept.
    assert rows(settings, "SELECT opened_on, closed_on FROM cases WHERE case_ref = ?", child) == [
        ("2017-08-14", None)
    ]
    assert rows(settings, "SELECT count(*) FROM cases") == [(26,)]
    assert quarantined(settings) == []


def test_an_ssda903_xml_return_listing_a_child_twice_gives_one_case_by_the_rule(tmp_path: Path) -> None:
    drops = drop_folders(tmp_path, "903", "forms")
    forms(tmp_path, "F1,907440,01/02/2018\n")
    sample = (FIXTURES / "ssda903-xml" / "sample_903.xml").read_text()
    first = re.search(r"<CHILD>.*?</CHILD>", sample, re.S)
    assert first is not None
    assert "<CHILDID>907440</CHILDID>" in first.group()
    # Listed again at the end, holding only an open episode later than any of the first listing's.
    later = "<EPISODE><DECOM>01/03/2019</DECOM><RNE>S</RNE><LS>C2</LS></EPISODE>"
    again = re.sub(r"<EPISODE>.*</EPISODE>", later, first.group(), flags=re.S)
    (drops / "903" / "return.xml").write_text(sample.replace("</EXPSSDA903>", again + "</EXPSSDA903>"))

    settings, run = synced(tmp_path, '{glob: "903/*.xml", format: {type: ssda903_xml}}', SSDA903_MAPPING)

    assert run["outcome"] == "succeeded"
    assert run["duplicates_count"] == 1
    assert rows(settings, "SELECT opened_on, closed_on FROM cases WHERE case_ref = ?", "907440") == [
        ("2019-03-01", None)
    ]
    assert rows(settings, "SELECT count(*) FROM cases") == [(3,)]
    assert quarantined(settings) == []


def test_a_csv_export_listing_a_form_twice_gives_one_record_by_the_rule(tmp_path: Path) -> None:
    _, child = ssda903_csv_drop(tmp_path, first_child_twice=False)
    # Form F1 exported twice, its later version first.
    forms(tmp_path, f"F1,{child},01/03/2018\n", f"F2,{child},01/02/2018\n", f"F1,{child},01/02/2018\n")

    settings, run = synced(tmp_path, '{glob: "903/*", format: {type: ssda903}}', SSDA903_MAPPING)

    assert run["outcome"] == "succeeded"
    assert run["duplicates_count"] == 1
    assert rows(settings, "SELECT source_id, evidenced_on FROM evidence ORDER BY source_id") == [
        ("F1", "2018-03-01"),
        ("F2", "2018-02-01"),
    ]
    assert quarantined(settings) == []


def test_a_forms_export_holding_only_its_header_row_is_said_to_hold_no_records_and_both_runs_agree(
    tmp_path: Path,
) -> None:
    drops, _ = ssda903_csv_drop(tmp_path, first_child_twice=False)
    forms(tmp_path)
    settings = write_config(
        tmp_path / "config",
        "la",
        files_authority(drops, '{glob: "903/*", format: {type: ssda903}}', FORMS, SSDA903_MAPPING),
    )

    first = run_cli("--config", str(settings), "sync", "la", "--json")
    second = run_cli("--config", str(settings), "sync", "la", "--json")

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    [run_1], [run_2] = json.loads(first.stdout), json.loads(second.stdout)
    assert (run_1["outcome"], run_2["outcome"]) == ("succeeded", "succeeded")
    assert "forms.csv holds no records, only its header" in run_1["notes"]
    assert run_2["notes"] is None  # the drop was read once, whole, by its content hash
    assert quarantined(settings) == []
