"""Quarantine reasons in plain words: the field, what it held (short values only), what to change.

Driven through `sofs-sync sync` on a real forms export, as an ops person meets them in
`sofs-sync quarantine`.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.sync.test_never_green import write_config
from tests.sync.test_statutory_returns import drop_folders, files_authority

MAPPING = """\
mapping:
  cases:
    source_id: {path: child}
    fields:
      case_ref: {path: child}
      team: {path: team}
      case_type: {path: type, map: {CIN: cin, CP: cp}}
      opened_on: {path: opened, date: iso}
      closed_on: {path: closed, date: iso}
  evidence:
    source_id: {path: form_id}
    fields:
      case_ref: {path: child}
      element: {const: safety_plan}
      state: {const: completed}
      evidenced_on: {path: form_date, date: "%d/%m/%Y"}
      scale_value: {path: scale}
"""

CASES = f"""child,team,type,opened,closed
C1,North,CIN,2025-01-06,
C2,North,CIN,not a date,
C3,North,S47,2025-01-06,
C4,North,CP,2025-03-01,2025-02-01
C5,{"x" * 200},CIN,2025-01-06,
C6,North,CIN,,
"""

FORMS = """form_id,child,form_date,scale
F1,C1,03/02/2025,7
F2,C1,2025-02-03,7
F3,C1,03/02/2025,12
F4,C1,03/02/2025,8/10
"""


def test_quarantine_reasons_name_the_field_and_the_expected_form(tmp_path: Path) -> None:
    drops = drop_folders(tmp_path, "cases", "forms")
    (drops / "cases" / "cases.csv").write_text(CASES)
    (drops / "forms" / "forms.csv").write_text(FORMS)
    authority = files_authority(
        drops,
        '{glob: "cases/*.csv", format: {type: csv}}',
        '{glob: "forms/*.csv", format: {type: csv}}',
        MAPPING,
    )
    settings = write_config(tmp_path / "config", "la", authority)

    sync = run_cli("--config", str(settings), "sync", "la")
    held = json.loads(run_cli("--config", str(settings), "quarantine", "--json").stdout)

    assert "quarantined 8" in sync.output, sync.output
    assert sorted(row["reason"] for row in held) == sorted(
        [
            "opened_on: 'not a date' is not a date: expected YYYY-MM-DD (ISO 8601, a time may follow)",
            "case_type: 'S47' is not in the map: add it to the field's map or give the rule a default",
            "closed_on is before opened_on: a case cannot close before it opens, check the columns and "
            "date formats the two fields read",
            "team: a 200-character text is longer than the 128 characters allowed",
            "opened_on: no value at opened, and the field is required: fill it in the source or read "
            "another column",
            "evidenced_on: '2025-02-03' is not a date in the configured format DD/MM/YYYY (%d/%m/%Y)",
            "scale_value: '12' is more than 10, the most allowed",
            "scale_value: '8/10' is not a whole number",
        ]
    )
    for row in held:
        assert "should" not in row["reason"]  # no validator's phrasing
        assert "x" * 30 not in row["reason"]
