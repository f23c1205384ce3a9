"""The published site as a browser shows it: each page kind at 1400 px, 1024 px and on A3 paper.

One Chromium session for the module, driven by Selenium through Debian's chromium-driver. Every page
kind is screenshotted at both widths and checked for sideways overflow and clipped text, then axe-core
(installed by .ci/run from npm into .cache/axe) checks it against WCAG 2.2 AA in the real browser.
Printed, a team fits one A3 landscape sheet with its title, team, data date and page number.

Skipped with a reason where the browser, its driver or axe-core is missing, except under CI (env CI
set), where that fails: .ci/run installs them, so a missing one there is a broken machine.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from demo.layout import DemoPaths
from tests.conftest import run_cli
from tests.demo.conftest import AXE, missing

WIDTHS = (1920, 1400, 1024)
A3_LANDSCAPE_INCHES = (420 / 25.4, 297 / 25.4)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

OVERFLOW_SCRIPT = """
const clipped = [];
for (const el of document.querySelectorAll('body *')) {
  const cut = el.scrollWidth > el.clientWidth + 1;
  const ellipsis = getComputedStyle(el).textOverflow === 'ellipsis';
  if (cut && (ellipsis || ['TD', 'TH'].includes(el.tagName))) clipped.push(el.textContent.trim());
}
return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, clipped: clipped};
"""


def page_kinds(site: Path) -> dict[str, Path]:
    """The index, an authority page, the team page with the most cases, its wall mode, a case page of
    that team, and that case's audit pack (written beside the site by `case --html`)."""
    teams = sorted(site.glob("teams/*/*.html"), key=lambda p: -p.read_text().count('scope="row" class="ref"'))
    case = re.search(r'<th scope="row" class="ref"><a href="\.\./\.\./([^"]+)"', teams[0].read_text())
    assert case is not None
    wall = site / "wall" / teams[0].parent.name / teams[0].name
    pack = site.parent / "pack" / f"{teams[0].parent.name}-{Path(case.group(1)).stem}.html"
    if not pack.exists():
        ref = re.search(r"<h1>Case (\S+) ", (site / case.group(1)).read_text())
        assert ref is not None
        settings = str(DemoPaths(site.parent).settings)
        result = run_cli(
            "--config", settings, "case", teams[0].parent.name, ref.group(1), "--html", str(pack)
        )
        assert result.exit_code == 0, result.output
    authority = site / "authorities" / f"{teams[0].parent.name}.html"
    kinds = {"index": site / "index.html", "authority": authority, "team": teams[0], "wall": wall}
    return kinds | {"case": site / case.group(1), "pack": pack}


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'wcag22aa', 'best-practice']}}).then(r => done(r.violations.map(v => ({id: v.id, help: v.help, "
        "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))));"
    )
    assert isinstance(result, list)
    return result


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["index", "authority", "team", "wall", "case", "pack"])
def test_each_page_kind_fits_its_width_and_passes_axe(
    browser: Any, site: Path, kind: str, width: int, tmp_path: Path
) -> None:
    browser.set_window_size(width, 1080 if kind == "wall" else 1000)
    browser.get(page_kinds(site)[kind].as_uri())
    layout = browser.execute_script(OVERFLOW_SCRIPT)
    assert width - 20 <= layout["inner"] <= width, "headless, the viewport is the window's width"
    assert layout["scroll"] <= layout["inner"], f"{kind} at {width} px scrolls sideways"
    assert layout["clipped"] == [], f"{kind} at {width} px clips text"
    if kind == "team":
        marks = browser.execute_script(
            "return [...document.querySelectorAll('.grid .mark')]"
            ".filter(m => m.offsetWidth).map(m => m.innerText)"
        )
        assert any(re.fullmatch(r"late \d+ wd", m) for m in marks), "a late mark shows on the grid"
        assert any(re.fullmatch(r"\d+( [↑↓→])?", m) for m in marks), "a scale value shows on the grid"
    shot = tmp_path / f"{kind}-{width}.png"
    shot.write_bytes(base64.b64decode(browser.get_screenshot_as_base64()))
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    assert axe_violations(browser) == []


def print_pdf(driver: Any, page: Path, out: Path) -> bytes:
    driver.get(page.as_uri())
    printed = driver.execute_cdp_cmd(
        "Page.printToPDF",
        {
            "preferCSSPageSize": True,
            "printBackground": True,
            "paperWidth": A3_LANDSCAPE_INCHES[0],
            "paperHeight": A3_LANDSCAPE_INCHES[1],
        },
    )
    data = base64.b64decode(printed["data"])
    out.write_bytes(data)
    return data


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each printed page, via poppler's pdftotext (installed by .ci/run)."""
    if shutil.which("pdftotext") is None:
        missing("pdftotext", "apt-get install poppler-utils")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def pdf_size_points(data: bytes) -> tuple[float, float]:
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert box is not None
    return float(box.group(1)), float(box.group(2))


@pytest.mark.parametrize("kind", ["index", "team", "case"])
def test_printed_every_page_is_a3_landscape_with_title_team_data_date_and_page_number(
    browser: Any, site: Path, kind: str, tmp_path: Path
) -> None:
    page = page_kinds(site)[kind]
    pdf = tmp_path / f"{kind}.pdf"
    data = print_pdf(browser, page, pdf)
    width, height = pdf_size_points(data)
    assert (round(width), round(height)) == (1191, 842), "A3 landscape is 420 x 297 mm"
    pages = pdf_pages(pdf)
    if kind == "team":
        assert len(pages) == 2, "a demo team's whiteboard fits one A3 sheet, its trend the next"
        html = page.read_text()
        team = re.search(r"<h1>(.*?) <span", html)
        assert team is not None
        assert all(team.group(1) in p for p in pages)
        refs = re.findall(r'<th scope="row" class="ref"><a [^>]*>([^<]+)</a>', html)
        assert refs
        assert all(ref in pages[0] for ref in refs), "every case of the grid is on the first sheet"
        assert "Share of open cases evidenced" in pages[1]
        assert "Trend" not in pages[0]
    for number, text in enumerate(pages, 1):
        assert "Signs of Safety whiteboard" in text
        assert "Data as of" in text
        assert f"Page {number} of {len(pages)}" in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / kind)], check=True
        )
        assert next(tmp_path.glob(f"{kind}*.png")).read_bytes().startswith(PNG_SIGNATURE)


def test_a_team_page_says_each_status_in_words_and_symbol_not_colour_alone(site: Path) -> None:
    team = page_kinds(site)["team"].read_text()
    cells = re.findall(
        r'<td class="st (\w+)[^"]*" data-el="\w+" data-status="\w+"><details><summary><span class="sym" '
        r'aria-hidden="true">(.)</span><span class="sr">([^<]+): </span><span class="today">([^<]+)</span>'
        r'(.*?)</summary><p class="said">([^<]+)</p></details></td>',
        team,
    )
    assert cells
    labels = {"evidenced": "Evidenced", "review_due": "Review due", "in_progress": "In progress"}
    labels |= {"not_started": "Not started", "overdue": "Overdue"}
    assert all(labels[key] == words for key, _, words, _, _, _ in cells)
    assert len({symbol for _, symbol, _, _, _, _ in cells}) == len({key for key, _, _, _, _, _ in cells})
    # What the eye reads as symbol, today's answer and marks, the opened cell says as one sentence.
    for _key, _, label, _, _, sentence in cells:
        assert sentence.startswith(f"{label}: ")
    late = [(marks, said) for _, _, _, _, marks, said in cells if re.search(r">late \d+ wd<", marks)]
    assert late
    assert all("working day" in said and "late (due" in said for _, said in late)
    scaled = [said for _, _, _, _, marks, said in cells if re.search(r'class="mark">\d+', marks)]
    assert scaled
    assert all("scale " in said for said in scaled)
    assert "not yet due" not in team


def test_no_page_compares_teams_side_by_side(site: Path) -> None:
    for team in site.glob("teams/*/*.html"):
        assert len(re.findall(r'<table class="summary">', team.read_text())) == 1
    assert "<table" not in (site / "index.html").read_text()


def test_dashboard_html_writes_the_chosen_board_as_one_self_contained_page(
    browser: Any, site: Path, tmp_path: Path
) -> None:
    settings = str(DemoPaths(site.parent).settings)
    board = json.loads(run_cli("--config", settings, "dashboard", "northmoor", "--json").output)
    team = max({c["team"] for c in board["cases"]}, key=lambda t: sum(c["team"] == t for c in board["cases"]))
    refs = {c["case_ref"] for c in board["cases"] if c["team"] == team}
    page = tmp_path / "board" / "whiteboard.html"
    result = run_cli("--config", settings, "dashboard", "northmoor", "--team", team, "--html", str(page))
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert list(page.parent.iterdir()) == [page], "one file, nothing beside it"
    assert "<link" not in html
    assert "<script src" not in html
    assert ".st.overdue" in html, "the site's stylesheet is inline"
    shown = set(re.findall(r'<th scope="row" class="ref">([^<]+)</th>', html))
    assert shown == refs, "exactly the chosen team's open cases, none linking to a case page beside it"
    assert html.count('<table class="summary">') == 1
    browser.set_window_size(1024, 1000)
    browser.get(page.as_uri())
    layout = browser.execute_script(OVERFLOW_SCRIPT)
    assert layout["scroll"] <= layout["inner"]
    assert layout["clipped"] == []
    assert axe_violations(browser) == []
