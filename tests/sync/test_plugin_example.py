"""The example connector type under examples/ is installed as a distribution beside sofs-sync and
used as a newcomer would: listed by `schema`, then `init`, `check`, `sync` and the whiteboard, in a
process of its own, so the entry point is found the way an installed plug-in's is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from config.errors import ConfigError
from connectors.base import Connector
from connectors.registry import MisdeclaredConnectorType, typed_config_model

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "jsonlines-connector"
SOFS_SYNC = Path(sys.executable).with_name("sofs-sync")

AUTHORITY = """\
code: lines-la
name: JSON Lines Council
connector:
  type: jsonlines
  batch_size: 2
  streams:
    cases: {path: "%(folder)s/cases.jsonl", case_field: child}
    evidence: {path: "%(folder)s/forms.jsonl", case_field: child}
identifiers: {case_ref: keep, worker: drop}
mapping:
  cases:
    source_id: {path: child}
    fields:
      case_ref: {path: child}
      team: {path: team}
      case_type: {path: type, map: {CIN: cin, CP: cp}}
      opened_on: {path: opened, date: iso}
  evidence:
    source_id: {path: form}
    fields:
      case_ref: {path: child}
      element: {path: form_type, patterns: [{match: "Safety Plan*", element: safety_plan}]}
      state: {path: status, map: {Completed: completed, Draft: draft}}
      evidenced_on: {path: form_date, date: iso}
"""


def installed(site: Path) -> dict[str, str]:
    """The example's distribution metadata, entry points as its pyproject declares them, on a path."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    info = site / f"sofs_sync_jsonlines-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    groups = project["entry-points"]
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) for group, eps in groups.items()
        )
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(EXAMPLE), str(site)])}


def sofs(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOFS_SYNC), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_example_plug_in_is_listed_by_schema_and_syncs_end_to_end(tmp_path: Path) -> None:
    env = installed(tmp_path / "site")
    schema = sofs(env, "schema")
    assert schema.returncode == 0, schema.stderr
    types = [
        c["properties"]["type"]
        for c in json.loads(schema.stdout)["$defs"].values()
        if "type" in c.get("properties", {})
    ]
    assert "jsonlines" in {t.get("const") for t in types}

    folder = tmp_path / "sofs"
    settings = folder / "sofs-sync.yaml"
    assert sofs(env, "--config", str(settings), "init").returncode == 0
    (folder / "cases.jsonl").write_text(
        '{"child": "C1", "team": "North", "type": "CIN", "opened": "2026-11-01"}\n'
        '{"child": "C2", "team": "North", "type": "CP", "opened": "2026-11-02"}\n'
        '{"child": "C3", "team": "South", "type": "CIN", "opened": "2026-11-03"}\n'
    )
    (folder / "forms.jsonl").write_text(
        '{"form": "F1", "child": "C1", "form_type": "Safety Plan", "status": "Completed", '
        '"form_date": "2026-11-20"}\n'
        "not json at all\n"
        '{"form": "F2", "child": "C2", "form_type": "Safety Plan", "status": "Draft", '
        '"form_date": "2026-11-21"}\n'
    )
    (folder / "authorities" / "lines-la.yaml").write_text(AUTHORITY % {"folder": folder})

    checked = sofs(env, "--config", str(settings), "check", "lines-la")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "2 JSON Lines files readable" in checked.stdout
    synced = sofs(env, "--config", str(settings), "sync", "lines-la", "--json")
    [run] = json.loads(synced.stdout)
    assert run["counts"]["quarantined"] == 1, run  # the line that is not JSON, with its reason
    quarantine = sofs(env, "--config", str(settings), "quarantine", "lines-la", "--json")
    assert "line 2 is not a JSON object" in quarantine.stdout
    board = json.loads(sofs(env, "--config", str(settings), "dashboard", "lines-la", "--json").stdout)
    statuses = {case["case_ref"]: case["safety_plan"] for case in board["cases"]}
    assert statuses == {"C1": "evidenced", "C2": "in_progress", "C3": statuses["C3"]}
    assert statuses["C3"] in {"not_started", "overdue"}


class _NoType(BaseModel):
    path: str


class _OtherType(BaseModel):
    type: Literal["files"] = "files"


def _connector(model: type[BaseModel]) -> type[Connector]:
    return type("Example", (Connector,), {"config_model": model})  # type: ignore[return-value]


def test_a_config_model_without_type_gets_its_entry_point_name() -> None:
    model = typed_config_model("lines", _connector(_NoType))
    assert model.model_validate({"path": "x"}).type == "lines"  # type: ignore[attr-defined]


def test_a_config_model_naming_another_type_is_refused_in_one_line() -> None:
    with pytest.raises(MisdeclaredConnectorType) as refused:
        typed_config_model("lines", _connector(_OtherType))
    assert str(refused.value) == (
        "connector type 'lines': _OtherType.type must be Literal['lines'], the entry point's name, "
        "or be left out"
    )


def test_schema_reports_a_misdeclared_plug_in_as_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import config.schema as schema

    monkeypatch.setattr(schema, "available", lambda: {"lines": _connector(_OtherType)})
    schema.authority_model.cache_clear()
    try:
        with pytest.raises(ConfigError, match="must be Literal"):
            schema.authority_schema()
    finally:
        schema.authority_model.cache_clear()
