"""What a newcomer is told when there is nothing to do yet."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.sources import sql_authority_yaml


def test_sync_with_no_authority_enabled_says_so_instead_of_printing_nothing(tmp_path: Path) -> None:
    settings = tmp_path / "sofs" / "sofs-sync.yaml"
    assert run_cli("--config", str(settings), "init").exit_code == 0
    assert run_cli("--config", str(settings), "new-authority", "westshire", "--from", "files").exit_code == 0

    synced = run_cli("--config", str(settings), "sync")

    assert synced.exit_code == 2
    assert "no authority is enabled, so there is nothing to sync" in synced.output
    assert "(authority files: westshire)" in synced.output


def test_a_mistyped_sqlite_path_is_told_as_a_path_to_correct_not_an_unreachable_source(
    tmp_path: Path,
) -> None:
    settings = tmp_path / "sofs" / "sofs-sync.yaml"
    assert run_cli("--config", str(settings), "init").exit_code == 0
    authorities = settings.parent / "authorities"
    (authorities / "la.yaml").write_text(
        sql_authority_yaml("la", f"sqlite:///{tmp_path / 'reportng.db'}")  # the file is reporting.db
    )

    checked = run_cli("--config", str(settings), "check", "la")
    synced = run_cli("--config", str(settings), "sync", "la", "--json")

    assert checked.exit_code == 1
    assert "source not reachable" not in checked.output
    assert "the SQLite database that url: names does not exist" in checked.output
    assert "correct url: in the authority file" in checked.output
    assert "the SQLite database that url: names does not exist" in json.loads(synced.stdout)[0]["error"]
