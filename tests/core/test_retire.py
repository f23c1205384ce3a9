"""Retiring an authority: its data leaves the store, its history stays, and never while it syncs."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, text

from store.schema.engine import make_engine
from tests.conftest import run_cli
from tests.store.orm import AuditEntry, SyncRun

STORE_TABLES = (
    "cases",
    "evidence",
    "case_element_status",
    "status_changes",
    "touched_cases",
    "quarantine",
    "stream_positions",
    "authorities",
)


def synced(example: Path) -> Path:
    assert run_cli("--config", str(example), "init").exit_code == 0
    result = run_cli("--config", str(example), "sync")
    assert result.exit_code in (0, 3), result.output
    return example.parent / "authorities" / "northshire.yaml"


def rows_of(example: Path, table: str) -> int:
    column = "code" if table == "authorities" else "authority"
    engine = make_engine(f"sqlite:///{example.parent.parent / 'var' / 'sofs-sync.db'}")
    with engine.connect() as conn:
        count = conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {column} = 'northshire'")).scalar_one()
    engine.dispose()
    return int(count)


def test_retire_is_refused_while_the_authority_file_is_enabled(example: Path) -> None:
    synced(example)
    result = run_cli("--config", str(example), "retire", "northshire", "--reason", "contract ended")
    assert result.exit_code == 2
    assert "still enabled" in result.output
    assert rows_of(example, "cases") > 0


def test_a_removed_files_data_shows_in_status_until_retired(example: Path) -> None:
    authority = synced(example)
    assert rows_of(example, "cases") > 0
    assert rows_of(example, "evidence") > 0
    assert rows_of(example, "status_changes") > 0
    authority.unlink()

    listed = json.loads(run_cli("--config", str(example), "status", "--json").output)
    assert [(a["authority"], a["file"]) for a in listed] == [("northshire", None)]
    table = run_cli("--config", str(example), "status")
    assert table.exit_code == 0, table.output
    assert "no file: restore it or retire it" in " ".join(table.output.split())
    board = json.loads(run_cli("--config", str(example), "dashboard", "--json").output)
    assert board["cases"]  # still on the dashboard: that is what retire is for

    result = run_cli(
        "--config", str(example), "retire", "northshire", "--reason", "moved to a new CMS", "--by", "ops-anna"
    )
    assert result.exit_code == 0, result.output
    assert "retired" in result.output

    for table in STORE_TABLES:
        assert rows_of(example, table) == 0, table
    assert json.loads(run_cli("--config", str(example), "status", "--json").output) == []
    assert json.loads(run_cli("--config", str(example), "dashboard", "--json").output)["cases"] == []
    engine = make_engine(f"sqlite:///{example.parent.parent / 'var' / 'sofs-sync.db'}")
    with engine.connect() as conn:
        entry = conn.execute(select(AuditEntry).where(AuditEntry.action == "retire")).one()
        run = conn.execute(select(SyncRun).where(SyncRun.mode == "retire")).one()
        kept = conn.execute(select(SyncRun).where(SyncRun.mode != "retire")).all()
    engine.dispose()
    assert (entry.actor, entry.reason, entry.authority) == ("ops-anna", "moved to a new CMS", "northshire")
    assert entry.scope.startswith("all data: ")
    assert "cases" in entry.scope
    assert (run.requested_by, run.reason, run.outcome, run.id) == (
        "ops-anna",
        "moved to a new CMS",
        "succeeded",
        entry.run_id,
    )
    assert run.deleted_count > 0
    assert kept  # the history of its syncs stays


def test_retire_needs_a_reason(example: Path) -> None:
    result = run_cli("--config", str(example), "retire", "northshire")
    assert result.exit_code == 2
    assert "--reason" in result.output
