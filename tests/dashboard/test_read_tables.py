"""The read side's plain tables name columns the store's models have, of the same kinds, and the
commands that only read start without the ORM."""

from __future__ import annotations

import subprocess
import sys

import pytest

from store.read import history
from store.schema import tables


@pytest.mark.parametrize("light", [history.CASES, history.STATUSES, history.EVIDENCE, history.CHANGES])
def test_each_light_table_is_a_part_of_its_model(light: object) -> None:
    model = tables.Base.metadata.tables[light.name]  # type: ignore[attr-defined]
    for column in light.columns:  # type: ignore[attr-defined]
        assert isinstance(model.c[column.name].type, type(column.type)), column.name


def test_the_board_and_status_modules_load_without_the_orm() -> None:
    code = (
        "import sys, sync.cli.commands.dashboard, sync.cli.commands.read; "
        "print(sorted(m for m in sys.modules if m in ('sqlalchemy.orm', 'store.schema.tables')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
