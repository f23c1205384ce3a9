"""The mapping package is the pure core: it imports nothing of ours and does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mapping

FORBIDDEN = {
    "connectors",
    "store",
    "sync",
    "config",
    "os",
    "io",
    "pathlib",
    "time",
    "socket",
    "requests",
    "sqlalchemy",
}
MODULES = sorted(Path(mapping.__file__).parent.glob("*.py"))


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_mapping_modules_import_nothing_of_ours_and_nothing_that_does_io(module: Path) -> None:
    assert imported_roots(module.read_text()) & FORBIDDEN == set()
