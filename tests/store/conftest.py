"""The store's own contract is held on both backends: every test here that takes `store` runs on
SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from store.write.runs import start_run
from store.write.writer import ensure_authority

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AUTHORITY = "test-la"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Engine:
    """A fresh store at the newest revision, holding one authority."""
    engine: Engine = request.getfixturevalue(f"{request.param.replace('postgresql', 'postgres')}_store")
    with engine.begin() as conn:
        ensure_authority(conn, AUTHORITY, "Test LA", NOW)
    return engine


def a_run(store: Engine, **fields: object) -> int:
    """A run record, as the runner starts one: quarantine rows and audit entries name theirs."""
    values: dict[str, object] = {
        "authority": AUTHORITY,
        "trigger": "cli",
        "requested_by": "ops",
        "reason": None,
        "mode": "incremental",
        "scope_case_ref": None,
        "started_at": NOW,
    }
    return start_run(store, **{**values, **fields})  # type: ignore[arg-type]
