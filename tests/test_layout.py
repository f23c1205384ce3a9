"""The folders are the architecture: each package imports only the packages below it (DESIGN.md section 2)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"mapping", "connectors", "store", "config", "dashboard", "sync", "demo"}

MAY_IMPORT: dict[str, set[str]] = {
    "mapping": set(),
    "connectors": {"mapping"},
    "store": {"mapping"},
    # An authority file's connector block is validated by the connector type's own model.
    "config": {"mapping", "connectors"},
    "dashboard": {"mapping", "store", "config"},
    "sync": {"mapping", "connectors", "store", "config", "dashboard"},
    "demo": {"mapping", "connectors", "store", "config", "dashboard", "sync"},
    "sync.run": {"sync.run"},
    "sync.daemon": {"sync.run", "sync.daemon"},
    "sync.cli": {"sync.run", "sync.daemon", "sync.cli"},
}
"""Who may import whom; a package always imports itself. For `sync`'s own sub-packages, which
of them each may use: the run knows neither the daemon nor the command line."""

STORE_ROOMS: dict[str, set[str]] = {
    "store.schema": set(),
    "store.write": {"store.schema"},
    "store.read": {"store.schema"},
    "dashboard": {"store.schema", "store.read"},
}
"""Which rooms of the store each may use, its own aside: the read and write sides meet only in the
schema, and the dashboards never reach the write side."""


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(p for p in MAY_IMPORT if "." not in p))
def test_each_package_imports_only_the_packages_below_it(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in modules_of(package)
        for module in imported_modules(path)
        if (root := module.split(".")[0]) in OURS and root != package and root not in MAY_IMPORT[package]
    }
    assert wrong == set()


@pytest.mark.parametrize("package", sorted(p for p in MAY_IMPORT if "." in p))
def test_the_run_knows_neither_the_daemon_nor_the_command_line(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in modules_of(package)
        for module in imported_modules(path)
        if module.startswith("sync.") and ".".join(module.split(".")[:2]) not in MAY_IMPORT[package]
    }
    assert wrong == set()


@pytest.mark.parametrize("package", sorted(STORE_ROOMS))
def test_the_store_rooms_meet_only_in_the_schema(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in modules_of(package)
        for module in imported_modules(path)
        if (room := _store_room(module)) is not None and room != package and room not in STORE_ROOMS[package]
    }
    assert wrong == set()


def _store_room(module: str) -> str | None:
    """`store.write` for `store.write.lease`; None for a module outside the store. The store's own
    package, imported whole, counts as no room: it holds nothing but its docstring."""
    parts = module.split(".")
    if parts[0] != "store" or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def test_every_store_module_sits_in_a_room() -> None:
    loose = {p.name for p in (ROOT / "store").glob("*.py")} - {"__init__.py"}
    rooms = {f"store.{p.parent.name}" for p in (ROOT / "store").glob("*/__init__.py")}
    assert (loose, rooms) == (set(), {r for r in STORE_ROOMS if r.startswith("store.")})


def test_every_package_is_held_to_a_direction() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    sub_packages = {f"sync.{p.parent.name}" for p in (ROOT / "sync").glob("*/__init__.py")}
    assert packages | sub_packages == set(MAY_IMPORT)


def test_no_package_holds_more_than_a_third_of_the_code() -> None:
    lines = {
        package: sum(len(path.read_text().splitlines()) for path in modules_of(package))
        for package in MAY_IMPORT
        if "." not in package
    }
    total = sum(lines.values())
    assert {p: n for p, n in lines.items() if n > total / 3} == {}


TWIN_MARKER = re.compile(r"Fast twin of ([^;\n]+); held equal by\s+(\S+?)\.(?:\s|\"\"\")")


def test_every_fast_twin_names_its_reference_and_a_test_that_exists() -> None:
    """A reader of a reference never meets its twin by surprise: each names them both."""
    twins = [
        (path.relative_to(ROOT), reference, test)
        for package in sorted(p for p in MAY_IMPORT if "." not in p)
        for path in modules_of(package)
        for reference, test in TWIN_MARKER.findall(path.read_text())
    ]
    assert len(twins) >= 10
    assert [(path, test) for path, _, test in twins if not (ROOT / test).is_file()] == []
