"""Revision 0008 takes the record tables' foreign keys to `authorities` away, on both backends, and
keeps every row and view as it was; going back down puts them back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from store.schema.engine import make_engine
from store.schema.upgrade import upgrade

RECORD_TABLES = ("cases", "evidence", "audits", "case_episodes")


def keys_to_authorities(engine: Engine) -> dict[str, list[str]]:
    found = inspect(engine)
    return {
        table: [k["name"] for k in found.get_foreign_keys(table) if k["referred_table"] == "authorities"]
        for table in RECORD_TABLES
    }


def everything(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1, 2"))]  # nosec B608
            for name in ("authorities", "cases", "evidence", "whiteboard")
        }


def test_a_stored_0007_loses_its_keys_to_authorities_and_keeps_every_row(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine, "0007_audits_episodes")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO authorities (code, name, updated_at) VALUES ('la', 'LA', '2026-01-01')")
        )
        conn.execute(
            text(
                "INSERT INTO cases (authority, case_ref, case_type, opened_on, content_hash, synced_at) "
                "VALUES ('la', 'C1', 'cp', '2026-01-01', 'h', '2026-01-02')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO evidence (authority, source_id, case_ref, element, state, evidenced_on, "
                "content_hash, synced_at) VALUES ('la', 'E1', 'C1', 'mapping', 'completed', '2026-01-05', "
                "'h', '2026-01-06')"
            )
        )
    before = everything(engine)
    assert all(keys_to_authorities(engine).values())

    upgrade(engine)

    assert keys_to_authorities(engine) == {table: [] for table in RECORD_TABLES}
    assert [k["referred_table"] for k in inspect(engine).get_foreign_keys("quarantine")] == ["sync_runs"]
    assert everything(engine) == before
    assert before["whiteboard"]  # the view, set aside on SQLite for the change, answers as before

    from alembic import command

    from store.schema.upgrade import _alembic_config

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007_audits_episodes")
    assert keys_to_authorities(engine) == {t: [f"fk_{t}_authority_authorities"] for t in RECORD_TABLES}
    assert everything(engine) == before
    engine.dispose()


# Reflecting the table for its rebuild, SQLAlchemy says it cannot read an index on an expression.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_on_sqlite_what_an_operator_added_to_a_record_table_outlives_the_table_s_rebuild(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine, "0007_audits_episodes")
    added = {
        "ix_local_partial": "CREATE INDEX ix_local_partial ON evidence (case_ref) WHERE deleted_on IS NULL",
        "ix_local_expression": "CREATE INDEX ix_local_expression ON evidence (lower(case_ref))",
        "tr_local_cases": "CREATE TRIGGER tr_local_cases AFTER INSERT ON cases BEGIN SELECT 1; END",
        "v_local": "CREATE VIEW v_local AS SELECT authority, source_id FROM evidence",
    }
    with engine.begin() as conn:
        for sql in added.values():
            conn.exec_driver_sql(sql)

    upgrade(engine)

    with engine.connect() as conn:
        local = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE name LIKE '%_local%'")
        kept = dict(local.all())
    assert kept == added
