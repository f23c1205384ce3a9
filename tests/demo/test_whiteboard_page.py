"""The HTML whiteboard as a browser shows it: headless Chromium renders it, runs its script, screenshots it.

Skipped with a reason where Chromium is not installed, except under CI (env CI set), where it fails:
.ci/run installs Debian's `chromium`, so a missing browser there is a broken machine, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI is set: .ci/run should have installed it")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); CI runs this test")
    return found


def browse(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_the_page_renders_the_grid_the_summary_and_the_legend_in_a_browser(
    chromium: str, demo_dir: Path, tmp_path: Path
) -> None:
    page = (demo_dir / "whiteboard.html").as_uri()
    dom = browse(chromium, tmp_path / "profile", "--dump-dom", page).stdout

    assert re.search(r'<table id="grid"', dom)
    assert re.search(r'<table id="teams"', dom)
    legend = re.search(r'<ul class="legend" id="legend".*?</ul>', dom, re.S)
    assert legend is not None
    for label in ("Evidenced", "Review due", "In progress", "Not started", "Overdue"):
        assert label in legend.group(0)
    # The page's own script ran: filters are shown and count what they show.
    assert re.search(r'<html lang="en" class="js">', dom)
    cases = len(re.findall(r'<td class="ref">', dom))
    assert f"Showing {cases} of {cases} open cases" in dom
    assert len(re.findall(r'class="team-filter"', dom)) >= 3


def test_a_screenshot_of_the_page_is_saved(chromium: str, demo_dir: Path, tmp_path: Path) -> None:
    shot = tmp_path / "whiteboard.png"
    browse(chromium, tmp_path / "profile", f"--screenshot={shot}", (demo_dir / "whiteboard.html").as_uri())
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 20_000, "a blank page compresses to almost nothing"
