"""Loading only some authorities' files gives each of them what a full load gives: the very file
it runs from, or the same problems, whatever the files are called, whichever are broken and
whichever share a code. When one is not found so, every file is loaded, for an error that names
every authority known."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.errors import ConfigError
from config.loader import Config, load_config
from sync.cli.app import App
from tests.core.conftest import REPO

GOOD = (REPO / "config" / "authorities" / "northshire.yaml").read_text()


def good(code: str) -> str:
    return GOOD.replace("code: northshire", f"code: {code}")


def broken(code: str) -> str:
    return good(code).replace("settle_seconds", "settle_secs")


LAYOUTS = {
    "named after its code": {"westshire.yaml": good("westshire")},
    "named otherwise": {"a-file.yaml": good("westshire")},
    "a broken earlier file with its code": {"a.yaml": broken("westshire"), "b.yaml": good("westshire")},
    "two good files with its code": {"a.yaml": good("westshire"), "westshire.yaml": good("westshire")},
    "a file named after it with another code": {
        "westshire.yaml": good("eastshire"),
        "z.yaml": good("westshire"),
    },
    "its own file broken": {"westshire.yaml": broken("westshire")},
    "its own file not YAML": {"westshire.yml": "code: [westshire\n"},
    "a code that is not text": {
        "a.yaml": GOOD.replace("code: northshire", "code: 7"),
        "w.yaml": good("westshire"),
    },
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_a_partial_load_takes_the_file_a_full_load_takes(tmp_path: Path, layout: str) -> None:
    shutil.copytree(
        REPO / "config", tmp_path / "config", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    settings = tmp_path / "config" / "sofs-sync.yaml"
    folder = settings.parent / "authorities"
    for name, text in LAYOUTS[layout].items():
        (folder / name).write_text(text)
    full = load_config(settings)
    for code in ("westshire", "eastshire"):
        assert outcome(App(str(settings)).config_of([code]), code) == outcome(full, code)


def outcome(config: Config, code: str) -> Path | list[str]:
    """The file an authority would run from, or the problems that refuse it."""
    try:
        return config.authority(code).path
    except ConfigError as exc:
        return exc.problems


def test_a_partial_load_never_stands_in_for_the_whole_configuration(tmp_path: Path) -> None:
    shutil.copytree(
        REPO / "config", tmp_path / "config", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    settings = tmp_path / "config" / "sofs-sync.yaml"
    (settings.parent / "authorities" / "westshire.yaml").write_text(good("westshire"))
    app = App(str(settings))
    assert set(app.config_of(["westshire"]).authorities) == {"westshire"}
    assert set(app.config.authorities) == set(load_config(settings).authorities) > {"westshire"}
