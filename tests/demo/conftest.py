"""A demo folder built once per module with a small caseload, and ways to look into it."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from demo.layout import DemoPaths
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"

SMALL = "12"


def demo_cli(*args: str) -> Result:
    """`sofs-sync demo ...` in-process; the demo drops a store URL override, restored afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOFS_SYNC_STORE_URL", raising=False)
        return run_cli("demo", *args)


def build_demo(folder: Path, *extra: str, port: str = "0") -> Result:
    """A small demo, by default on any free port so tests never meet a demo someone is running."""
    result = demo_cli("--dir", str(folder), "--cases", SMALL, "--port", port, *extra)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "demo"
    build_demo(folder)
    return folder


def query(store: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store) as db:
        return db.execute(sql).fetchall()


def missing(what: str, how: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed, and CI is set: .ci/run should have installed it ({how})")
    pytest.skip(f"{what} is not installed ({how}); CI runs this test")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None:
        missing("chromium", "apt-get install chromium")
    if driver_path is None:
        missing("chromedriver", "apt-get install chromium-driver")
    if not AXE.is_file():
        missing("axe-core", "npm install --prefix .cache/axe axe-core@4")
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('profile')}")
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One published demo site for every browser test of the session."""
    folder = tmp_path_factory.mktemp("site-demo") / "demo"
    build_demo(folder)
    return DemoPaths(folder).site
