"""The commands that only read, the read room itself and a run start without the ORM: they take
their columns from the store's Core tables."""

from __future__ import annotations

import subprocess
import sys

import pytest

from store.read import history, status_read
from store.schema import tables

ORM = ("sqlalchemy.orm",)


@pytest.mark.parametrize(
    "modules",
    [
        "sync.cli.commands.dashboard, sync.cli.commands.read",
        "store.read.history, store.read.status_read",
        "store.read.queries, sync.cli.commands.run",  # `runs`, `quarantine`, `accept` and `discard`
    ],
)
def test_the_read_side_loads_without_the_orm(modules: str) -> None:
    code = f"import sys, {modules}; print(sorted(m for m in {ORM!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_the_read_side_reads_the_tables_the_store_defines() -> None:
    assert history.CaseElementStatusRow.due_on is tables.STATUSES.c.due_on
    assert tuple(tables.SYNC_RUNS.c.keys()) == status_read.RUN_COLUMNS
    timestamps = {c.name for c in tables.SYNC_RUNS.columns if isinstance(c.type, tables.UtcDateTime)}
    assert timestamps == status_read.RUN_TIMESTAMPS
