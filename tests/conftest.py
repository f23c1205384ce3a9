"""Fixtures shared by every test folder: config folders and stores, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from store.engine import make_engine
from store.schema import upgrade


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A settings file with a SQLite store and an empty authorities folder."""
    folder = tmp_path / "config"
    (folder / "authorities").mkdir(parents=True)
    (folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///store.db\nauthorities_dir: authorities\n")
    return folder


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def run_cli(*args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke `sofs-sync` in-process, as a user would from a shell."""
    from sync import commands  # noqa: F401 - registers the commands
    from sync.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
