"""Every page says when its authority last synced and whether that is late, from the site's shared
freshness file, which each publish rewrites while a page is written again only when what it shows
changes. Read long after the syncs stopped, a page says it is out of date; where its script or the
shared file cannot be read, it still says what its own content is as of, and never shows a tick."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from dashboard.freshness import SHARED_SCRIPT
from tests.demo.test_site_pages import page_kinds
from tests.demo.test_site_reading import shown

PREFIX = "window.sofsFreshness = "


def copy_of(site: Path, folder: Path) -> Path:
    copied = folder / "site"
    shutil.copytree(site.resolve(), copied)
    return copied


def shared(site: Path) -> dict[str, Any]:
    text = (site / SHARED_SCRIPT).read_text()
    found = json.loads(text[text.index(PREFIX) + len(PREFIX) :].rstrip().rstrip(";"))
    assert isinstance(found, dict)
    return found


def test_a_page_fills_its_freshness_from_the_shared_file(browser: Any, site: Path) -> None:
    kinds = page_kinds(site)
    authority = kinds["team"].parent.name
    entry = shared(site)["authorities"][authority]
    for kind in ("authority", "team", "wall", "case"):
        browser.set_window_size(1920, 1080)
        browser.get(kinds[kind].as_uri())
        said = " ".join(shown(browser, ".fresh"))
        assert entry["sentence"] in said, kind
        assert "has not filled it in" not in said, kind
        symbol = browser.execute_script("return document.querySelector('.fresh .sym').textContent")
        assert symbol == entry["symbol"]


def test_a_page_read_after_its_sync_was_due_says_it_is_out_of_date(
    browser: Any, site: Path, tmp_path: Path
) -> None:
    copied = copy_of(site, tmp_path)
    freshness = shared(copied)
    for entry in freshness["authorities"].values():
        entry |= {"state": "current", "symbol": "\u2713", "dueBy": "2026-01-01T00:00:00+00:00"}
    (copied / SHARED_SCRIPT).write_text(f"{PREFIX}{json.dumps(freshness)};\n")
    for kind in ("team", "case", "wall"):
        browser.get((copied / page_kinds(site)[kind].relative_to(site)).as_uri())
        said = " ".join(shown(browser, ".fresh"))
        assert "Out of date: a sync was due to succeed by" in said, kind
        assert browser.execute_script("return document.querySelector('.fresh.stale') !== null")


def test_without_the_shared_file_a_page_says_what_its_content_is_as_of(
    browser: Any, site: Path, tmp_path: Path
) -> None:
    copied = copy_of(site, tmp_path)
    (copied / SHARED_SCRIPT).unlink()
    team = copied / page_kinds(site)["team"].relative_to(site)
    browser.set_window_size(1400, 1000)
    browser.get(team.as_uri())
    said = " ".join(shown(browser, ".freshness"))
    assert re.search(r"This page shows the data as of \d+ \w+ \d{4}, \d\d:\d\d (GMT|BST)", said)
    assert "has not filled it in here" in said
    assert "\u2713" not in said
    # Read with no script at all, the page's own words say the same.
    html = team.read_text()
    section = re.search(r'<section class="freshness".*?</section>', html, re.S)
    assert section is not None
    assert "This page shows the data as of" in section.group(0)
    assert "\u2713" not in section.group(0)
