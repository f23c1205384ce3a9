"""Staged runs: a run publishes only what passed its guards, so nothing wrong ever reaches a cell.

Each test drives `sofs-sync` as a user would, against a real source (a SQLite reporting database or
a REST API on loopback), into a real store: SQLite, and PostgreSQL where the scenario must behave
the same on both. "Every cell" is every row dashboards read: cases, evidence, element statuses,
the change log, open quarantine rows and stream positions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import run_cli
from tests.sources import (
    build_sqlite_source,
    loopback_api,
    rest_authority_yaml,
    sql_authority_yaml,
    synthetic,
)

LIVE_TABLES = {
    "cases": "authority, case_ref",
    "evidence": "authority, source_id",
    "case_element_status": "authority, case_ref, element",
    "status_changes": "id",
    "quarantine": "authority, stream, record_key",
    "stream_positions": "authority, stream",
}

MIS_KEYED = ("      case_ref: {path: case_id}\n", "      case_ref: {path: form_id}\n")
"""The evidence stream's case key set to a column that names no case: the form's own id."""


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


class Authority:
    """A configured authority over a store, driven through the command line."""

    def __init__(self, folder: Path, store_url: str, authority_yaml: str) -> None:
        (folder / "authorities").mkdir(parents=True)
        self.file = folder / "authorities" / "la.yaml"
        self.file.write_text(authority_yaml)
        self.settings = folder / "sofs-sync.yaml"
        self.settings.write_text("store:\n  url: sqlite:///unused.db\n")
        self.store_url = store_url
        assert self.cli("init").exit_code == 0

    def cli(self, *args: str) -> Any:
        return run_cli("--config", str(self.settings), *args, env={"SOFS_SYNC_STORE_URL": self.store_url})

    def edit(self, old: str, new: str) -> None:
        before = self.file.read_text()
        assert old in before
        self.file.write_text(before.replace(old, new))

    def cells(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row dashboards read, in a stable order."""
        engine = create_engine(self.store_url)
        try:
            with engine.connect() as conn:
                found = {
                    table: [
                        tuple(row)
                        for row in conn.execute(
                            text(f"SELECT * FROM {table} ORDER BY {order}")  # nosec B608
                        )
                    ]
                    for table, order in LIVE_TABLES.items()
                }
                found["whiteboard"] = [
                    tuple(r)
                    for r in conn.execute(text("SELECT * FROM whiteboard ORDER BY authority, case_ref"))
                ]
            return found
        finally:
            engine.dispose()

    def run_row(self) -> dict[str, Any]:
        rows: list[dict[str, Any]] = json.loads(self.cli("runs", "la", "--json").stdout)
        return rows[0]


def sql_la(
    tmp_path: Path, store_url: str, cases: int = 60, forms_per_case: int = 3
) -> tuple[Authority, Path]:
    rows, forms = synthetic(cases=cases, forms_per_case=forms_per_case)
    source = tmp_path / "source.db"
    la = Authority(
        tmp_path / "config", store_url, sql_authority_yaml("la", build_sqlite_source(source, rows, forms))
    )
    return la, source


@contextmanager
def rest_la(tmp_path: Path, store_url: str) -> Iterator[Authority]:
    cases, forms = synthetic(cases=60, forms_per_case=3)
    with loopback_api(cases, forms) as url:
        yield Authority(tmp_path / "config", store_url, rest_authority_yaml("la", url))


def adds_up(run: dict[str, Any]) -> bool:
    parts = ("written", "unchanged", "quarantined", "not_evidence", "orphaned", "superseded", "duplicates")
    return bool(
        run["read_count"] == sum(run[f"{p}_count"] for p in parts)
        and run["written_count"] == run["inserted_count"] + run["updated_count"]
    )


def test_a_mis_keyed_resync_of_a_reporting_database_is_refused_and_changes_no_cell(
    tmp_path: Path, store_url: str
) -> None:
    la, _ = sql_la(tmp_path, store_url)
    assert la.cli("sync").exit_code == 0
    before = la.cells()
    la.edit(*MIS_KEYED)

    result = la.cli("resync", "la", "--reason", "monthly check")

    assert result.exit_code == 3, result.output
    assert "la: refused" in result.output
    assert "practice evidence records name a case the store does not have" in result.output
    assert "nothing was published" in result.output
    assert la.cells() == before
    run = la.run_row()
    assert (run["outcome"], run["stage"]) == ("refused", "refused")
    assert run["orphaned_count"] > 0  # what publishing would have done, said and not done
    assert adds_up(run)


def test_a_mis_keyed_sync_of_a_rest_api_is_refused_and_changes_no_cell(tmp_path: Path) -> None:
    with rest_la(tmp_path, f"sqlite:///{tmp_path / 'store.db'}") as la:
        assert la.cli("sync").exit_code == 0
        before = la.cells()
        la.edit(*MIS_KEYED)

        result = la.cli("resync", "la", "--reason", "new API version")

        assert result.exit_code == 3, result.output
        assert la.cells() == before


def test_orphans_are_judged_against_practice_evidence_not_case_notes(tmp_path: Path) -> None:
    cases, forms = synthetic(cases=30, forms_per_case=2)
    # Notes outnumber practice forms four to one, as in many case management systems.
    notes = [
        {**form, "form_id": f"N{n:06d}", "template": "Case Note"}
        for n, form in enumerate(f for f in forms for _ in range(4))
    ]
    url = build_sqlite_source(tmp_path / "source.db", cases, forms + notes)
    la = Authority(tmp_path / "config", f"sqlite:///{tmp_path / 'store.db'}", sql_authority_yaml("la", url))
    la.edit(*MIS_KEYED)

    result = la.cli("sync")

    assert result.exit_code == 3, result.output
    assert "practice evidence records name a case" in result.output
    assert la.cells()["evidence"] == []


def test_a_stream_whose_every_record_is_quarantined_is_refused_not_green(
    tmp_path: Path, store_url: str
) -> None:
    la, _ = sql_la(tmp_path, store_url)
    assert la.cli("sync").exit_code == 0
    before = la.cells()
    # The evidence case key names a column the query does not return.
    la.edit("      case_ref: {path: case_id}\n", "      case_ref: {path: child_ref, required: true}\n")

    result = la.cli("resync", "la", "--reason", "new extract")

    assert result.exit_code == 3, result.output
    assert "evidence records could not be mapped, more than the quarantine guard of 50%" in result.output
    assert la.cells() == before  # quarantine included: the refused run's rows wait with it


@pytest.mark.parametrize("open_first", [True, False], ids=["open-first", "closed-first"])
def test_two_rows_for_one_child_keep_the_open_episode_whatever_their_order(
    tmp_path: Path, store_url: str, open_first: bool
) -> None:
    cases, forms = synthetic(cases=30, forms_per_case=2)
    child = cases[4]
    # Two referrals on the same date, one closed: a cases query joined to referrals returns both.
    rows = [child, {**child, "closed": "2026-01-02"}]
    source = tmp_path / "source.db"
    build_sqlite_source(source, [c for c in cases if c is not child], forms)
    with sqlite3.connect(source) as db:
        db.executescript(
            "CREATE TABLE c2 AS SELECT * FROM cases; DROP TABLE cases; ALTER TABLE c2 RENAME TO cases;"
        )
        db.executemany(
            "INSERT INTO cases VALUES (:id, :team, :type, :opened, :closed, :cp_start, :updated)",
            rows if open_first else rows[::-1],
        )
    la = Authority(tmp_path / "config", store_url, sql_authority_yaml("la", f"sqlite:///{source}"))

    result = la.cli("sync", "--json")

    assert result.exit_code == 0, result.output
    [run] = json.loads(result.stdout)
    assert run["counts"]["duplicates"] == 1
    held = [row for row in la.cells()["cases"] if row[1] == child["id"]]
    assert len(held) == 1
    assert held[0][6] is None
    assert child["id"] in {row[1] for row in la.cells()["whiteboard"]}
    assert adds_up(la.run_row())


def test_accept_publishes_a_refused_read_and_records_who_and_why(tmp_path: Path) -> None:
    la, source = sql_la(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    assert la.cli("sync").exit_code == 0
    with sqlite3.connect(source) as db:
        db.execute("DELETE FROM forms WHERE case_id >= 'C00030'")  # half the forms archived
    refused = la.cli("resync", "la", "--reason", "archive check")
    assert refused.exit_code == 3
    refused_run = la.run_row()["id"]

    accepted = la.cli("accept", str(refused_run), "--reason", "LA archived closed cases", "--by", "admin-raj")

    assert accepted.exit_code == 0, accepted.output
    run = la.run_row()
    assert (run["mode"], run["outcome"], run["requested_by"]) == ("accept", "succeeded", "admin-raj")
    assert run["deleted_count"] > 0
    assert adds_up(run)
    with sqlite3.connect(tmp_path / "store.db") as db:
        audits = db.execute("SELECT actor, action, scope, reason FROM audit_log ORDER BY id").fetchall()
        live = db.execute("SELECT count(*) FROM evidence WHERE deleted_on IS NULL AND case_ref >= 'C00030'")
        assert live.fetchone() == (0,)
    assert audits[-1] == ("admin-raj", "accept", f"run {refused_run}", "LA archived closed cases")
    again = la.cli("accept", str(refused_run), "--reason", "twice")
    assert again.exit_code == 2  # a usage error: no run is recorded for it
    assert "has no refused read waiting" in again.output


def test_discard_drops_a_refused_read_and_the_next_run_reads_again(tmp_path: Path) -> None:
    la, _ = sql_la(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    la.edit(*MIS_KEYED)
    assert la.cli("sync").exit_code == 3
    refused_run = la.run_row()["id"]

    dropped = la.cli("discard", str(refused_run), "--reason", "wrong column", "--by", "ops-kim")

    assert dropped.exit_code == 0, dropped.output
    with sqlite3.connect(tmp_path / "store.db") as db:
        staged = db.execute("SELECT count(*) FROM staged_evidence").fetchone()
        audit = db.execute("SELECT actor, action, reason FROM audit_log").fetchall()
    assert staged == (0,)
    assert audit == [("ops-kim", "discard", "wrong column")]
    la.edit(MIS_KEYED[1], MIS_KEYED[0])
    fixed = la.cli("sync", "--json")
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(fixed.stdout)[0]["outcome"] == "succeeded"


def test_a_stopped_run_publishes_nothing_and_the_next_carries_its_read_on(tmp_path: Path) -> None:
    la, _ = sql_la(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    la.settings.write_text("store:\n  url: sqlite:///unused.db\nmax_run_minutes: 0.000001\n")

    first = la.cli("sync", "--json")

    assert first.exit_code == 3, first.output
    [partial] = json.loads(first.stdout)
    assert partial["outcome"] == "partial"
    assert partial["counts"]["read"] > 0
    assert la.cells()["evidence"] == []
    assert la.cells()["cases"] == []
    la.settings.write_text("store:\n  url: sqlite:///unused.db\n")
    second = la.cli("sync", "--json")
    assert second.exit_code == 0, second.output
    [run] = json.loads(second.stdout)
    assert "carried on run" in run["notes"]
    # Rows at the stopped batch's boundary are read again (at-least-once) and counted as duplicates.
    assert run["counts"]["read"] - run["counts"]["duplicates"] == 60 + 180
    assert adds_up(la.run_row())
    assert len(la.cells()["cases"]) == 59  # the 60th has an unmapped case type, in quarantine


def test_a_changed_stream_setting_starts_that_stream_afresh_and_says_so(tmp_path: Path) -> None:
    la, _ = sql_la(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    assert la.cli("sync").exit_code == 0
    la.edit("ORDER BY updated, form_id", "ORDER BY updated, form_id ")

    result = la.cli("sync", "--json")

    assert result.exit_code == 0, result.output
    [run] = json.loads(result.stdout)
    assert "evidence stream's settings changed since its position was saved" in run["notes"]
    assert "cases" not in run["notes"]
    assert run["counts"]["read"] >= 180
    assert run["counts"]["written"] == 0


def test_a_carried_on_read_takes_a_record_changed_since_as_an_update_not_a_duplicate(tmp_path: Path) -> None:
    la, source = sql_la(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    la.settings.write_text("store:\n  url: sqlite:///unused.db\nmax_run_minutes: 0.000001\n")
    assert la.cli("sync").exit_code == 3  # stopped after its first batch of cases
    with sqlite3.connect(source) as db:  # ten of the staged cases move team at the source
        db.execute("UPDATE cases SET team = 'West', updated = '2026-03-01T00:00:00' WHERE id < 'C00010'")
    la.settings.write_text("store:\n  url: sqlite:///unused.db\n")

    carried = la.cli("sync", "--json")

    assert carried.exit_code == 0, carried.output
    teams = {row[1]: row[2] for row in la.cells()["cases"]}
    assert {teams[f"C{n:05d}"] for n in range(10) if n != 5} == {"West"}
    assert adds_up(la.run_row())


def test_a_resync_is_not_bound_by_the_run_time_limit_and_a_stopped_one_is_never_carried_on_as_incremental(
    tmp_path: Path,
) -> None:
    la, source = sql_la(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    la.settings.write_text("store:\n  url: sqlite:///unused.db\nmax_run_minutes: 0.000001\n")

    resync = la.cli("resync", "la", "--reason", "first load", "--json")

    assert resync.exit_code == 0, resync.output  # read whole: a resync publishes only a whole read
    with sqlite3.connect(source) as db:
        db.execute("DELETE FROM forms WHERE form_id = 'F000004'")
    stopped = la.cli("sync", "--json")  # an incremental run stops at its limit, staged
    assert json.loads(stopped.stdout)[0]["outcome"] == "partial"
    again = la.cli("resync", "la", "--reason", "after the archive", "--json")
    [run] = json.loads(again.stdout)
    assert "carried on" not in (run["notes"] or "")  # a resync reads whole, never an incremental read
    assert run["counts"]["deleted"] == 1
    assert adds_up(la.run_row())
