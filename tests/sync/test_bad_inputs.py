"""Hostile and broken input: nothing crashes, counts add up, and nothing identifying leaks out.

A drop folder of CIN census returns and form exports, bad in every way met in the field (entity
bombs, XXE, no CINdetails, overlong and huge ids, implausible dates, broken quotes, wrong encodings,
empty and huge files, a missing header row, a symlink out of the folder), synced under
`case_ref: pseudonymise` through the real CLI. Then everything printed and everything stored is
searched for the raw child identifiers, the pseudonym key and file contents from outside the folder.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.files import FilesConfig, FilesConnector
from store.write.runs import Counts
from tests.conftest import run_cli
from tests.connectors.conftest import FakeSecrets

KEY = "k3y-for-the-bad-input-corpus-0123456789"
CHILD_IDS = ["KID566910", "KID771122", "KID884411", "KID884412", "KID330099"]
OVERLONG = "X" * 200
HUGE = "9" * 1_000_000
OUTSIDE_SECRET = "outside-the-folder-4242"
FORMS_HEADER = "FormRef,ChildID,FormName,Status,Completed\n"

AUTHORITY = """
code: bad-la
name: Bad Input Council
connector:
  type: files
  folder: drops
  settle_seconds: 0
  streams:
    cases:
      glob: "cin/*.xml"
      format: {type: cin_census}
      case_field: LAchildID
    evidence:
      glob: "forms/*.csv"
      format: {type: csv, required_columns: [FormRef, ChildID, FormName, Status, Completed]}
      case_field: ChildID
identifiers: {case_ref: pseudonymise, worker: drop, key_file: key.txt}
plausible_dates: {earliest: 1990-01-01, years_ahead: 2}
mapping:
  cases:
    source_id: {path: LAchildID}
    fields:
      case_ref: {path: LAchildID}
      case_type: {const: cin}
      opened_on: {path: CINreferralDate, date: iso}
  evidence:
    source_id: {path: FormRef}
    fields:
      case_ref: {path: ChildID}
      element:
        path: FormName
        patterns:
          - {match: "Danger Statement*", element: danger_statement}
          - {match: "Safety Plan*", element: safety_plan}
      state: {path: Status, map: {Completed: completed, Draft: draft}}
      evidenced_on: {path: Completed, date: iso}
"""


def census(*children: str) -> str:
    return (
        "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2026</Year>"
        "<ReferenceDate>2026-03-31</ReferenceDate></CollectionDetails></Header>"
        f"<Children>{''.join(children)}</Children></Message>"
    )


def child(la_child_id: str, referral: str | None = "2025-06-01") -> str:
    details = f"<CINdetails><CINreferralDate>{referral}</CINreferralDate></CINdetails>" if referral else ""
    return (
        f"<Child><ChildIdentifiers><LAchildID>{la_child_id}</LAchildID></ChildIdentifiers>{details}</Child>"
    )


def corpus(drops: Path, outside: Path) -> dict[str, str | bytes]:
    """File name → content; every file is one way input goes wrong (or, for two, right)."""
    outside.write_text(FORMS_HEADER + f"F900,{OUTSIDE_SECRET},Safety Plan,Completed,2026-01-05\n")
    return {
        "cin/good.xml": census(child("KID566910")),
        "cin/no-details.xml": census(child("KID771122", referral=None), child("KID330099")),
        "cin/overlong-id.xml": census(child(OVERLONG)),
        "cin/huge-id.xml": census(child(HUGE)),
        "cin/implausible-dates.xml": census(
            child("KID884411", "1899-05-01"), child("KID884412", "2099-01-01")
        ),
        "cin/entity-bomb.xml": (
            '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "KID566910566910">'
            + "".join(
                f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            )
            + "]><Message>&i;</Message>"
        ),
        "cin/xxe.xml": (
            '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file://' + str(outside) + '">]>'
            "<Message><Children><Child><ChildIdentifiers><LAchildID>&x;</LAchildID>"
            "</ChildIdentifiers></Child></Children></Message>"
        ),
        "cin/truncated.xml": census(child("KID566910"))[:-40],
        "cin/empty.xml": "",
        "forms/good.csv": FORMS_HEADER + "F1,KID566910,Danger Statement,Completed,2025-07-01\n",
        "forms/broken-quotes.csv": FORMS_HEADER + 'F2,KID566910,"Safety Plan,Completed,2025-07-02\n',
        "forms/latin1.csv": (FORMS_HEADER + "F3,KID566910,Safety Plan café,Completed,2025-07-03\n").encode(
            "cp1252"
        ),
        "forms/no-header.csv": (
            "F4,KID771122,Safety Plan,Completed,2025-07-04\nF5,KID771122,x,Draft,2025-07-05\n"
        ),
        "forms/empty.csv": "",
        "forms/huge-field.csv": FORMS_HEADER
        + f"F6,KID566910,Safety Plan {'y' * 300_000},Completed,2025-07-06\n",
        "forms/many-rows.csv": FORMS_HEADER
        + "".join(f"M{n},KID566910,Safety Plan,Draft,2025-08-01\n" for n in range(2_000)),
        "forms/bad-values.csv": FORMS_HEADER
        + "F7,KID566910,Safety Plan,Completed,31/02/2026\nF8,,Safety Plan,Completed,2025-07-08\n"
        + "F9,KID884411,Danger Statement,Completed,2099-12-31\n",
    }


@pytest.fixture
def bad_la(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    drops = folder / "drops"
    (folder / "authorities").mkdir(parents=True)
    (folder / "sofs-sync.yaml").write_text(
        "store:\n  url: sqlite:///store.db\nauthorities_dir: authorities\n"
    )
    (folder / "authorities" / "bad-la.yaml").write_text(
        AUTHORITY.replace("folder: drops", f"folder: {drops}")
    )
    (folder / "authorities" / "key.txt").write_text(KEY)
    for name, content in corpus(drops, tmp_path / "outside.csv").items():
        path = drops / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (drops / "forms" / "linked-out.csv").symlink_to(tmp_path / "outside.csv")
    return folder / "sofs-sync.yaml"


def stored_text(store: Path) -> str:
    with sqlite3.connect(store) as db:
        return "\n".join(db.iterdump())


def test_a_corpus_of_bad_drops_syncs_without_crashing_and_counts_add_up(
    bad_la: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    printed = []
    with structlog.testing.capture_logs() as logs:
        assert run_cli("--config", str(bad_la), "init").exit_code == 0
        synced = run_cli("--config", str(bad_la), "sync", "--json")
        printed.append(synced.output)
        for command in (["runs"], ["status"], ["quarantine"], ["quarantine", "--json"], ["check", "bad-la"]):
            printed.append(run_cli("--config", str(bad_la), *command).output)

    # Wholly unreadable files make the run partial (exit 3), each named, never a green run.
    assert synced.exit_code == 3, synced.output
    (result,) = json.loads(synced.stdout)
    assert result["outcome"] == "partial"
    for unreadable in (
        "cin/entity-bomb.xml",
        "cin/xxe.xml",
        "forms/broken-quotes.csv",
        "forms/no-header.csv",
    ):
        assert f"{unreadable} cannot be read" in result["error"]
    counts = result["counts"]
    assert Counts(**counts).adds_up()
    # Five bad census files or children and two implausible dates; five bad form files and three bad
    # rows. The overlong and huge ids are stored as pseudonyms, like any other under pseudonymisation.
    assert counts["quarantined"] == 15
    assert counts["written"] == 2_005  # four children, F1 and the 2,000 rows of many-rows.csv

    everything = "\n".join(
        [*printed, capsys.readouterr().out, caplog.text, repr(logs), stored_text(bad_la.parent / "store.db")]
    )
    for raw in [*CHILD_IDS, OVERLONG[:50], HUGE[:50], KEY, OUTSIDE_SECRET, "café"]:
        assert raw not in everything, f"{raw[:20]!r} leaked"


FORMS_ONLY = {
    "folder": "",
    "settle_seconds": 0,
    "streams": {
        "cases": {"glob": "cin/*.xml", "format": {"type": "cin_census"}},
        "evidence": {"glob": "forms/*.csv", "format": {"type": "csv", "required_columns": ["FormRef"]}},
    },
}


def read_drop(name: str, content: bytes) -> None:
    """Read one drop holding `content`: it never raises, and it ends processed, read or refused."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        os.utime(path, (0, 0))
        config = FilesConfig.model_validate({**FORMS_ONLY, "folder": folder})
        stream = "evidence" if name.endswith(".csv") else "cases"
        batches = list(FilesConnector(config, FakeSecrets()).read(stream, None))
    assert len(batches[-1].position["processed"]) == 1, "the drop was neither read nor refused"
    refused = [r for b in batches for r in b.rejected if r.source_id == name]
    if refused:
        assert sum(len(b.records) for b in batches) == 0, "a refused file must load nothing"
        assert content.decode("utf-8", "replace")[:40].strip() not in refused[0].reason or len(content) < 8


csv_cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_any_bytes_in_a_csv_drop_give_records_or_a_reason(content: bytes) -> None:
    read_drop("forms/any.csv", content)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(csv_cells, min_size=1, max_size=4), max_size=8), st.sampled_from([",", ";"]))
def test_any_table_in_a_csv_drop_gives_records_or_a_reason(rows: list[list[str]], sep: str) -> None:
    text = "FormRef,ChildID\n" + "\n".join(sep.join(row) for row in rows)
    read_drop("forms/table.csv", text.encode())


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"<Message>", b'<?xml version="1.0"?><Message>']))
def test_any_bytes_in_a_census_drop_give_records_or_a_reason(content: bytes, prefix: bytes) -> None:
    read_drop("cin/any.xml", prefix + content)
