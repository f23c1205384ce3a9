"""The repository's example configuration, copied for each test that changes or syncs it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the repository's example configuration and its drop folder."""
    shutil.copytree(
        REPO / "config", tmp_path / "config", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return tmp_path / "config" / "sofs-sync.yaml"
