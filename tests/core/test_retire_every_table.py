"""`retire` leaves no row of the authority in any table but its history: held table by table, so a
new table that names an authority is covered or this fails. Nothing else holds it: the record
tables have no foreign key to `authorities`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Table, create_engine, func, select

from store.schema.staged import STAGED_TABLES
from store.schema.tables import METADATA, SYNC_RUNS
from store.write.retire import RETIRED_TABLES
from tests.conftest import run_cli

HISTORY = {"sync_runs", "audit_log"}
"""Kept by design: they say what was done to the authority, by whom and why."""


def naming_an_authority() -> list[Table]:
    """Every table whose rows belong to one authority: by its code, or by a run of it."""
    return [t for t in METADATA.sorted_tables if {"authority", "run_id", "code"} & set(t.c.keys())]


def test_every_table_naming_an_authority_is_retired_or_kept_as_history() -> None:
    covered = set(RETIRED_TABLES) | {t.name for t in STAGED_TABLES} | HISTORY
    assert [t.name for t in naming_an_authority() if t.name not in covered] == []


def rows_of_northshire(store_url: str) -> dict[str, int]:
    """Per table, the rows that belong to northshire: its own, or its runs' (history left out)."""
    engine = create_engine(store_url)
    found: dict[str, int] = {}
    runs = select(SYNC_RUNS.c.id).where(SYNC_RUNS.c.authority == "northshire")
    with engine.connect() as conn:
        for table in naming_an_authority():
            if table.name in HISTORY:
                continue
            if "code" in table.c:
                mine = table.c.code == "northshire"
            elif "authority" in table.c:
                mine = table.c.authority == "northshire"
            else:
                mine = table.c.run_id.in_(runs)
            found[table.name] = conn.execute(select(func.count()).select_from(table).where(mine)).scalar_one()
    engine.dispose()
    return found


def test_retire_leaves_no_row_of_the_authority_in_any_table(example: Path, store_url: str) -> None:
    env = {"SOFS_SYNC_STORE_URL": store_url}
    assert run_cli("--config", str(example), "init", env=env).exit_code == 0
    assert run_cli("--config", str(example), "sync", env=env).exit_code in (0, 3)
    before = rows_of_northshire(store_url)
    for table in ("authorities", "cases", "evidence", "status_changes", "stream_positions"):
        assert before[table] > 0, table  # the example fills them, so the check below is not empty
    authority = example.parent / "authorities" / "northshire.yaml"
    authority.write_text(
        authority.read_text().replace("code: northshire\n", "code: northshire\nenabled: false\n")
    )

    result = run_cli("--config", str(example), "retire", "northshire", "--reason", "moved", env=env)

    assert result.exit_code == 0, result.output
    assert {table: n for table, n in rows_of_northshire(store_url).items() if n} == {}
