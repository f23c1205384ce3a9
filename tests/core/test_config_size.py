"""A settings or authority file far larger than any config is refused at once, by name, unparsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import ConfigError
from config.yamlfile import read_yaml
from tests.conftest import run_cli
from tests.daemon.conftest import write_config
from tests.sources import sql_authority_yaml


def forty_megabytes_of_yaml(path: Path) -> None:
    with path.open("w") as handle:
        handle.write("code: huge-la\nnotes:\n")
        line = "  - " + "x" * 76 + "\n"
        handle.write(line * (40_000_000 // len(line)))


def test_a_40_mb_authority_file_is_refused_by_name_and_the_others_still_load(tmp_path: Path) -> None:
    settings = write_config(
        tmp_path / "config", {"sql-la": sql_authority_yaml("sql-la", "sqlite:///none.db")}
    )
    forty_megabytes_of_yaml(settings.parent / "authorities" / "huge-la.yaml")
    status = run_cli("--config", str(settings), "status")
    assert "huge-la.yaml: larger than 1 MB; a config file is a few kilobytes" in status.output
    assert "sql-la" in status.output


def test_an_oversized_settings_file_is_a_config_error(tmp_path: Path) -> None:
    settings = tmp_path / "sofs-sync.yaml"
    forty_megabytes_of_yaml(settings)
    with pytest.raises(ConfigError, match="larger than 1 MB"):
        read_yaml(settings)
