"""What a newcomer is told when an authority file's path is mistyped: which path, and what to do."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli
from tests.sync.test_onboarding import KEY_ENV, set_line


def test_a_mistyped_drop_folder_is_named_with_what_to_do_not_called_unreachable(tmp_path: Path) -> None:
    settings = tmp_path / "sofs" / "sofs-sync.yaml"
    assert run_cli("--config", str(settings), "init").exit_code == 0
    assert run_cli("--config", str(settings), "new-authority", "westshire", "--from", "files").exit_code == 0
    authority = settings.parent / "authorities" / "westshire.yaml"
    authority.write_text(set_line(authority.read_text(), "folder", "dorps"))  # meant: drops
    (authority.parent / "drops").mkdir()

    checked = run_cli("--config", str(settings), "check", "westshire", env=KEY_ENV)

    assert checked.exit_code != 0
    message = " ".join(checked.output.split())
    assert "source not reachable" not in message
    assert (
        f"folder {authority.parent / 'dorps'} does not exist, though {authority.parent} does: correct the "
        "`folder:` path in the authority file (a relative path counts from the authority file's folder), "
        "or mount the share if the folder is on one"
    ) in message
