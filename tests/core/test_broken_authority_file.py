"""One authority file with an error stops that authority only: the others still sync and show,
and every command names the broken file and exits 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import run_cli
from tests.core.conftest import REPO


def two_authorities(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(
        REPO / "config", tmp_path / "config", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    settings = tmp_path / "config" / "sofs-sync.yaml"
    good = settings.parent / "authorities" / "northshire.yaml"
    broken = settings.parent / "authorities" / "southshire.yaml"
    broken.write_text(
        good.read_text()
        .replace("code: northshire", "code: southshire")
        .replace("settle_seconds", "settle_secs")
    )
    return settings, broken


def test_a_broken_file_stops_only_its_own_authority(tmp_path: Path) -> None:
    settings, broken = two_authorities(tmp_path)
    assert run_cli("--config", str(settings), "init").exit_code == 2  # the store is made; the file named

    synced = run_cli("--config", str(settings), "sync", "--json")
    assert synced.exit_code == 2
    assert f"config error: {broken}: connector.settle_secs: unknown key" in synced.output
    [run] = json.loads(synced.output[: synced.output.rindex("]") + 1])
    assert (run["authority"], run["outcome"]) == ("northshire", "succeeded")

    status = run_cli("--config", str(settings), "status", "--json")
    assert status.exit_code == 2
    assert [a["authority"] for a in json.loads(status.output[: status.output.rindex("]") + 1])] == [
        "northshire"
    ]
    assert f"left out until fixed: {broken}" in status.output

    dashboard = run_cli("--config", str(settings), "dashboard", "--json")
    assert dashboard.exit_code == 2
    assert str(broken) in dashboard.output


def test_syncing_the_broken_authority_by_name_gives_its_problems(tmp_path: Path) -> None:
    settings, broken = two_authorities(tmp_path)
    run_cli("--config", str(settings), "init")
    result = run_cli("--config", str(settings), "sync", "southshire")
    assert result.exit_code == 2
    assert f"{broken}: connector.settle_secs" in result.output


def test_a_sync_of_named_authorities_neither_waits_for_nor_fails_on_another_file(tmp_path: Path) -> None:
    """Run from cron, `sync CODE` validates its own file only: another authority's broken file is
    for `status` and `check` to name, not a reason for this authority's job to exit 2."""
    settings, broken = two_authorities(tmp_path)
    run_cli("--config", str(settings), "init")
    result = run_cli("--config", str(settings), "sync", "northshire", "--json")
    assert result.exit_code == 0, result.output
    assert str(broken) not in result.output
    [run] = json.loads(result.output)
    assert (run["authority"], run["outcome"]) == ("northshire", "succeeded")
    assert str(broken) in run_cli("--config", str(settings), "status").output


def test_a_sync_of_an_unknown_authority_names_every_known_one(tmp_path: Path) -> None:
    settings, _ = two_authorities(tmp_path)
    run_cli("--config", str(settings), "init")
    result = run_cli("--config", str(settings), "sync", "northshre")
    assert result.exit_code == 2
    assert "unknown authority 'northshre' (known: northshire)" in result.output
