"""Under pseudonymisation no raw child reference leaves the source: not in quarantine reasons, not in
`check` output, not in logs, not in the store; a message that names a child names its pseudonym.

Each statutory file format gets a return that lists a child twice (read as it is; the run keeps one
row by its duplicate rule) and one with a record that cannot be read (a child without CINdetails,
an episode whose start is not a date), synced and checked through the real CLI.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import structlog

from mapping.identifiers import pseudonymise
from tests.conftest import run_cli

KEY = "k3y-for-the-reference-leak-test-0123456789"

AUTHORITY = """
code: {code}
name: Leak Test Council
connector:
  type: files
  folder: {folder}
  settle_seconds: 0
  streams:
    cases: {{glob: "twice/{glob}", format: {{type: {format}}}}}
    evidence: {{glob: "unreadable/{glob}", format: {{type: {format}}}}}
identifiers: {{case_ref: pseudonymise, worker: drop, key_file: key.txt}}
mapping:
  cases:
    source_id: {{path: episode_id}}
    fields:
      case_ref: {{first_of: [LAchildID, CHILD]}}
      case_type: {{const: cin}}
      opened_on: {{path: {date}, date: "{date_format}"}}
  evidence:
    source_id: {{path: episode_id}}
    fields:
      case_ref: {{first_of: [LAchildID, CHILD]}}
      element: {{const: safety_network}}
      state: {{const: completed}}
      evidenced_on: {{path: {date}, date: "{date_format}"}}
"""


def cin_child(child: str, referral: str | None = "2025-06-01") -> str:
    details = f"<CINdetails><CINreferralDate>{referral}</CINreferralDate></CINdetails>" if referral else ""
    return f"<Child><ChildIdentifiers><LAchildID>{child}</LAchildID></ChildIdentifiers>{details}</Child>"


def census(*children: str) -> str:
    return (
        "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2026</Year>"
        f"<ReferenceDate>2026-03-31</ReferenceDate></CollectionDetails></Header><Children>{''.join(children)}"
        "</Children></Message>"
    )


def return_903(*children: tuple[str, str]) -> str:
    return (
        "<EXPSSDA903>"
        + "".join(
            f"<CHILD><HEADER><CHILDID>{child}</CHILDID><SEX>1</SEX></HEADER>"
            f"<EPISODE><DECOM>{start}</DECOM><RNE>S</RNE><LS>C2</LS></EPISODE></CHILD>"
            for child, start in children
        )
        + "</EXPSSDA903>"
    )


def csv_903(children: list[str], episodes: list[tuple[str, str]]) -> dict[str, str]:
    return {
        "header.csv": "CHILD,SEX\n" + "".join(f"{c},1\n" for c in children),
        "episodes.csv": "CHILD,DECOM,RNE,LS\n" + "".join(f"{c},{d},S,C2\n" for c, d in episodes),
    }


FORMATS = {
    "cin_census": {
        "glob": "*.xml",
        "date": "CINreferralDate",
        "date_format": "iso",
        "twice": {"census.xml": census(cin_child("RAWCIN0001"), cin_child("RAWCIN0001"))},
        "unreadable": {"census.xml": census(cin_child("RAWCIN0002", referral=None), cin_child("RAWCIN0003"))},
    },
    "ssda903_xml": {
        "glob": "*.xml",
        "date": "DECOM",
        "date_format": "%d/%m/%Y",
        "twice": {"r.xml": return_903(("RAW903X001", "01/02/2025"), ("RAW903X001", "01/03/2025"))},
        "unreadable": {"r.xml": return_903(("RAW903X002", "31/02/2025"), ("RAW903X003", "01/03/2025"))},
    },
    "ssda903": {
        "glob": "episodes.csv",
        "date": "DECOM",
        "date_format": "%d/%m/%Y",
        "twice": csv_903(["RAW903C001", "RAW903C001"], [("RAW903C001", "01/02/2025")]),
        "unreadable": csv_903(
            ["RAW903C002", "RAW903C003"], [("RAW903C002", "31/02/2025"), ("RAW903C003", "01/03/2025")]
        ),
    },
}


def authority_folder(tmp_path: Path, format_type: str) -> Path:
    spec = FORMATS[format_type]
    folder = tmp_path / "config"
    drops = folder / "drops"
    (folder / "authorities").mkdir(parents=True)
    (folder / "sofs-sync.yaml").write_text(
        "store:\n  url: sqlite:///store.db\nauthorities_dir: authorities\n"
    )
    (folder / "authorities" / "key.txt").write_text(KEY)
    (folder / "authorities" / "leak-la.yaml").write_text(
        AUTHORITY.format(code="leak-la", folder=drops, format=format_type, **spec)
    )
    for part in ("twice", "unreadable"):
        for name, text in spec[part].items():
            (drops / part).mkdir(parents=True, exist_ok=True)
            (drops / part / name).write_text(text)
    return folder / "sofs-sync.yaml"


def raw_ids(format_type: str) -> set[str]:
    text = "".join(t for part in ("twice", "unreadable") for t in FORMATS[format_type][part].values())
    return {
        word for word in text.replace("<", " ").replace(">", " ").replace(",", " ").split() if "RAW" in word
    }


@pytest.mark.parametrize("format_type", sorted(FORMATS))
def test_no_raw_child_reference_is_printed_logged_or_stored(
    tmp_path: Path, format_type: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = authority_folder(tmp_path, format_type)
    printed = []
    with structlog.testing.capture_logs() as logs:
        assert run_cli("--config", str(settings), "init").exit_code == 0
        for command in (
            ["sync", "--json"],
            ["runs"],
            ["status"],
            ["quarantine"],
            ["quarantine", "--json"],
            ["check", "leak-la", "--json"],
            ["check", "leak-la"],
        ):
            printed.append(run_cli("--config", str(settings), *command).output)
    with sqlite3.connect(settings.parent / "store.db") as db:
        stored = "\n".join(db.iterdump())
    everything = "\n".join([*printed, capsys.readouterr().out, caplog.text, repr(logs), stored])

    ids = raw_ids(format_type)
    assert len(ids) == 3
    assert [raw for raw in sorted(ids) if raw in everything] == []
    checked = json.loads(printed[5].split("\nError: ")[0])
    assert checked["unreadable"], "the check names what it could not read"
    assert all(
        item["source_id"] is None or item["source_id"].startswith("p_") for item in checked["unreadable"]
    )


@pytest.mark.parametrize("format_type", sorted(FORMATS))
def test_a_child_listed_twice_is_one_case_stored_and_counted_under_its_pseudonym(
    tmp_path: Path, format_type: str
) -> None:
    settings = authority_folder(tmp_path, format_type)
    run_cli("--config", str(settings), "init")
    run_cli("--config", str(settings), "sync")
    (twice,) = sorted(ids for ids in raw_ids(format_type) if ids.endswith("001"))

    with sqlite3.connect(settings.parent / "store.db") as db:
        stored = db.execute("SELECT case_ref FROM cases").fetchall()
    assert stored == [(pseudonymise(KEY.encode(), twice),)]
    [run] = json.loads(run_cli("--config", str(settings), "runs", "--json").output)
    assert run["duplicates_count"] == 1
    quarantined = json.loads(run_cli("--config", str(settings), "quarantine", "--json").output)
    assert [q for q in quarantined if "twice" in q["reason"]] == []
