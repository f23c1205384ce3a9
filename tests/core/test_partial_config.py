"""Loading only some authorities' files takes, for each of them, the very file a full load takes,
whatever the files are called, whichever are broken and whichever share a code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.loader import load_config
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
        partial = load_config(settings, only=[code])
        taken = partial.authorities.get(code)
        assert (taken and taken.path) == (full.authorities.get(code) and full.authorities[code].path)
        assert partial.broken == {p: problems for p, problems in full.broken.items() if p in partial.broken}
        own_broken = {p for p in full.broken if p.stem == code}
        assert own_broken <= set(partial.broken)
