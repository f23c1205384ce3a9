"""What a newcomer is told when there is nothing to do yet."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_sync_with_no_authority_enabled_says_so_instead_of_printing_nothing(tmp_path: Path) -> None:
    settings = tmp_path / "sofs" / "sofs-sync.yaml"
    assert run_cli("--config", str(settings), "init").exit_code == 0
    assert run_cli("--config", str(settings), "new-authority", "westshire", "--from", "files").exit_code == 0

    synced = run_cli("--config", str(settings), "sync")

    assert synced.exit_code == 2
    assert "no authority is enabled, so there is nothing to sync" in synced.output
    assert "(authority files: westshire)" in synced.output
