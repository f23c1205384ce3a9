"""The store is made by Alembic only, on SQLite and PostgreSQL, and `init` is safe to repeat."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from store.read.queries import orphan_counts
from store.schema.engine import make_engine, store_url
from store.schema.upgrade import current_revision, head_revision, upgrade

TABLES = {
    "authorities",
    "cases",
    "evidence",
    "case_element_status",
    "sync_runs",
    "stream_positions",
    "quarantine",
    "audit_log",
    "leases",
    "status_changes",
    "touched_cases",
    "alembic_version",
}
VIEWS = {"whiteboard", "team_summary"}


def test_upgrade_creates_every_table_and_view_and_is_repeatable(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine)
    upgrade(engine)
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) >= TABLES
    assert set(inspector.get_view_names()) == VIEWS
    assert current_revision(engine) == head_revision()


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_env_store_url_overrides_the_configured_one(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOFS_SYNC_STORE_URL", "sqlite:////elsewhere/x.db")
    assert store_url("sqlite:///local.db", tmp_path) == "sqlite:////elsewhere/x.db"


def test_relative_sqlite_path_is_relative_to_the_settings_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SOFS_SYNC_STORE_URL", raising=False)
    assert store_url("sqlite:///store.db", tmp_path) == f"sqlite:///{tmp_path}/store.db"


def test_views_answer_on_an_empty_store(sqlite_store) -> None:
    with sqlite_store.connect() as conn:
        assert conn.execute(text("SELECT * FROM whiteboard")).all() == []
        assert conn.execute(text("SELECT * FROM team_summary")).all() == []


def test_the_head_revision_constant_follows_the_migrations_folder() -> None:
    from store.schema.upgrade import HEAD_REVISION

    assert head_revision() == HEAD_REVISION


def test_statuses_stored_before_the_change_log_become_its_first_open_rows(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO case_element_status (authority, case_ref, element, status, evidence_count, "
                "computed_on) VALUES ('la', 'C1', 'mapping', 'evidenced', 1, '2026-01-31')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT case_ref, element, status, from_date, to_date, run_id FROM status_changes")
        ).all()
    assert rows == [("C1", "mapping", "evidenced", "2026-01-31", None, None)]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_upgrading_a_stored_0004_keeps_its_evidence_and_counts_orphans_from_the_wider_index(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    sqlite = f"sqlite:///{tmp_path / 's.db'}"
    url = sqlite if backend == "sqlite" else request.getfixturevalue("postgres_database")
    engine = make_engine(url)
    upgrade(engine, "0004_superseded")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO authorities (code, name, updated_at) VALUES ('la', 'LA', '2026-01-01')")
        )
        conn.execute(
            text(
                "INSERT INTO cases (authority, case_ref, case_type, opened_on, content_hash, synced_at, "
                "deleted_on) VALUES ('la', 'C1', 'cp', '2026-01-01', 'h', '2026-01-02', NULL), "
                "('la', 'C2', 'cp', '2026-01-01', 'h', '2026-01-02', '2026-02-01')"
            )
        )
        evidence: list[tuple[str, str, str | None]] = [
            ("E1", "C1", None),
            ("E2", "C1", None),
            ("E3", "C2", None),
            ("E4", "C9", None),
        ]
        evidence += [("E5", "C9", "2026-02-01")]  # deleted: counts nowhere
        for source_id, case_ref, deleted_on in evidence:
            conn.execute(
                text(
                    "INSERT INTO evidence (authority, source_id, case_ref, element, state, evidenced_on, "
                    "content_hash, synced_at, deleted_on) VALUES ('la', :s, :c, 'mapping', 'completed', "
                    "'2026-01-05', 'h', '2026-01-06', :d)"
                ),
                {"s": source_id, "c": case_ref, "d": deleted_on},
            )
    upgrade(engine)
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("evidence")}
    assert indexes.get("ix_evidence_case_live") == ["authority", "case_ref", "deleted_on"]
    assert "ix_evidence_case" not in indexes
    case_indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("cases")}
    assert case_indexes.get("ix_cases_open") == ["authority", "case_ref", "closed_on", "deleted_on"]
    # E3 names a deleted case and E4 one never stored: two of four live records are orphaned.
    assert orphan_counts(engine) == {"la": (2, 4)}
    engine.dispose()


def test_the_tables_as_defined_are_the_tables_the_migrations_make(tmp_path: Path) -> None:
    # Each table is defined once in store.schema and made by Alembic: the two must never drift apart.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import store.schema.staged  # noqa: F401  # the staging tables join the metadata
    from store.schema.tables import METADATA

    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), METADATA) == []
