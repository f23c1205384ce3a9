"""The site read as its people read it, in one shared browser: a team manager narrowing the grid in
supervision, a head of service at the wall, a practice lead printing an audit pack. Text is measured
by the box it occupies in the viewport, not by the markup.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.demo.test_site_pages import page_kinds, pdf_pages, print_pdf

SHOWN_TEXT = """
const shown = el => { const r = el.getBoundingClientRect();
  return el.checkVisibility() && r.width > 0 && r.height > 0 && r.bottom > 0
    && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth; };
return [...document.querySelectorAll(arguments[0])].filter(shown).map(el => el.innerText.trim());
"""


def shown(driver: Any, selector: str) -> list[str]:
    """The text of each element matching `selector` that occupies a box inside the viewport."""
    found = driver.execute_script(SHOWN_TEXT, selector)
    assert isinstance(found, list)
    return found


def test_each_cell_shows_todays_answer_as_text_and_opens_its_sentence_from_the_keyboard(
    browser: Any, site: Path
) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(page_kinds(site)["team"].as_uri())
    browser.execute_script("document.querySelector('table.grid').scrollIntoView()")
    answers = shown(browser, "table.grid td .today")
    assert answers
    day = r"\d{1,2} [A-Z][a-z]{2}( \d{4})?"
    patterns = [
        r"\d+ wd overdue",
        rf"review due since {day}",
        rf"(draft · )?due {day}",
        "draft",
        "not started",
    ]
    patterns += [rf"{day}( · \d+ (wk|mo|yr) ago)?"]
    assert all(any(re.fullmatch(p, a) for p in patterns) for a in answers), answers
    assert any(re.fullmatch(r"\d+ wd overdue", a) for a in answers)
    assert any(re.fullmatch(rf"{day} · \d+ mo ago", a) for a in shown(browser, "table.grid td.aged .today"))
    assert "no deadline" not in " ".join(shown(browser, "table.grid td")), "said once, in the heading"
    assert shown(browser, "table.grid th .nodl")
    assert shown(browser, "table.grid .said") == [], "closed until asked for"
    from selenium.webdriver.common.keys import Keys

    summary = browser.find_element("css selector", "table.grid td.overdue summary")
    summary.send_keys(Keys.ENTER)
    said = shown(browser, "table.grid details[open] .said")
    assert len(said) == 1
    assert re.match(r"Overdue: overdue: due .+, \d+ working days? ago", said[0])


def select(driver: Any, selector: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("css selector", selector)).select_by_value(value)


def visible_rows(driver: Any) -> list[dict[str, str]]:
    rows = driver.execute_script(
        "return [...document.querySelectorAll('table.grid tbody tr')].filter(r => r.offsetHeight)"
        ".map(r => ({...r.dataset, statuses: [...r.querySelectorAll('td[data-status]')]"
        ".filter(c => c.offsetWidth).map(c => c.dataset.status).join(' ')}))"
    )
    assert isinstance(rows, list)
    return rows


def test_the_team_page_filters_sorts_and_narrows_to_a_pasted_caseload_in_the_browser(
    browser: Any, site: Path
) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(page_kinds(site)["team"].as_uri())
    every = visible_rows(browser)
    select(browser, "[data-filter=status]", "overdue")
    overdue = visible_rows(browser)
    assert 0 < len(overdue) < len(every)
    assert all("overdue" in r["statuses"].split() for r in overdue)
    assert shown(browser, "[data-count]") == [f"Showing {len(overdue)} of {len(every)} open cases."]
    select(browser, "[data-sort]", "overdue")
    days = [int(r["overdue"]) for r in visible_rows(browser)]
    assert days == sorted(days, reverse=True)
    assert days[0] > 0
    select(browser, "[data-filter=element]", "safety_plan")
    browser.execute_script("document.querySelector('table.grid').scrollIntoView()")
    assert len(shown(browser, "table.grid thead th[data-el]")) == 1
    assert all(r["statuses"] == "overdue" for r in visible_rows(browser))
    select(browser, "[data-filter=status]", "")
    select(browser, "[data-filter=element]", "")
    browser.find_element("css selector", ".caseload summary").click()
    refs = [every[0]["ref"], every[-1]["ref"]]
    browser.find_element("css selector", ".caseload textarea").send_keys(f"{refs[0]}, {refs[1]}\nNOT-OURS-1")
    browser.find_element("css selector", "[data-caseload=show]").click()
    assert sorted(r["ref"] for r in visible_rows(browser)) == sorted(refs)
    assert "NOT-OURS-1" in shown(browser, "[data-caseload-unknown]")[0].upper()
    browser.find_element("css selector", "[data-caseload=clear]").click()
    assert len(visible_rows(browser)) == len(every)


def test_the_changed_panel_narrows_to_the_last_seven_days(browser: Any, site: Path) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(page_kinds(site)["team"].as_uri())
    moves = browser.find_elements("css selector", ".changed .move")
    assert moves, "the demo's log has changes in the last four weeks"
    browser.find_element("css selector", ".changed input[value='7']").click()
    ages = browser.execute_script(
        "return [...document.querySelectorAll('.changed .move')].filter(m => m.offsetHeight)"
        ".map(m => Number(m.dataset.days))"
    )
    assert all(age < 7 for age in ages)
    assert len(ages) < len(moves)


def test_the_wall_shows_the_grid_first_large_with_the_time_and_moves_on_to_the_next_team(
    browser: Any, site: Path
) -> None:
    browser.set_window_size(1920, 1080)
    browser.get(page_kinds(site)["wall"].as_uri())
    box = browser.execute_script(
        "const g = document.querySelector('table.wallgrid').getBoundingClientRect();"
        "const l = document.querySelector('.legend-line').getBoundingClientRect();"
        "const cell = document.querySelector('table.wallgrid td');"
        "const over = document.querySelector('table.wallgrid td.overdue');"
        "return {top: g.top, legend: l.height, font: parseFloat(getComputedStyle(cell).fontSize),"
        " border: over ? parseFloat(getComputedStyle(over).borderTopWidth) : null, inner: window.innerHeight,"
        " bottom: document.querySelector('.wallfoot').getBoundingClientRect().bottom};"
    )
    assert box["top"] < 150, "the grid starts under the team's name"
    assert box["bottom"] <= box["inner"], "grid, legend and freshness fit the screen"
    assert box["legend"] < 40, "the legend is one line"
    assert box["font"] >= 18, "readable from three metres"
    assert box["border"] is None or box["border"] >= 3
    assert re.fullmatch(r"\d{2}:\d{2} (GMT|BST)", shown(browser, "[data-clock]")[0])
    following = browser.find_element("css selector", ".rotate a").get_attribute("href")
    # The team with most cases is its authority's only team: the wall comes round to it again.
    assert following
    assert "/wall/" in following
    assert following.endswith(".html")
    pause = browser.find_element("css selector", "[data-pause]")
    pause.click()
    assert pause.get_attribute("aria-pressed") == "true"


def test_the_authority_page_reads_the_service_against_its_past_and_ranks_no_team(site: Path) -> None:
    html = page_kinds(site)["authority"].read_text()
    for band in ("within 5 working days", "6 to 20 working days", "over 20 working days"):
        assert band in html
    assert "Share of open cases evidenced" in html
    teams = re.search(r'<ul class="teams">(.*?)</ul>', html, re.S)
    assert teams is not None
    assert not re.search(r"\d", re.sub(r'href="[^"]*"', "", teams.group(1)))


def test_a_partial_authority_is_said_as_partial_not_as_never_synced(browser: Any, site: Path) -> None:
    index = (site / "index.html").read_text()
    assert "no successful sync yet" not in index
    assert "was partial: it kept what it read (missing: " in index
    browser.set_window_size(1400, 1000)
    browser.get(next((site / "teams" / "westvale").glob("*.html")).as_uri())
    said = " ".join(shown(browser, ".freshness"))
    assert "was partial: it kept what it read (missing: " in said
    assert "never synced" not in said


def test_the_audit_pack_is_one_chronology_with_a_running_header_and_its_own_boxes(
    browser: Any, site: Path, tmp_path: Path
) -> None:
    pack = page_kinds(site)["pack"]
    html = pack.read_text()
    assert html.count('<table class="chronology">') == 1
    assert "first seen by the sync: " in html
    assert "Danger statement, safety goal and scale, together" in html
    for box in ("Who took part", "The child's view", "The family's view", "The worker's own scale"):
        assert box in html
    pdf = tmp_path / "pack.pdf"
    print_pdf(browser, pack, pdf)
    pages = pdf_pages(pdf)
    ref = re.search(r"case (\S+)</h1>", html)
    assert ref is not None
    assert len(pages) > 1
    for number, text in enumerate(pages, 1):
        assert f"case {ref.group(1)}" in text
        assert "Data as of" in text
        assert f"Page {number} of {len(pages)}" in text


NOT_REACHED = "\u2013"
"""The dash a trend shows for a week the log does not reach."""


def test_the_authority_page_shows_the_overdue_bands_week_by_week_ending_at_todays(
    browser: Any, site: Path
) -> None:
    """The bands as text in a table, weeks across, read where the browser draws them; this week's
    figures are today's, which the service table counts from the cells. No team is named in it."""
    page = page_kinds(site)["authority"]
    for width in (1920, 1024):
        browser.set_window_size(width, 1080)
        browser.get(page.as_uri())
        browser.execute_script("document.querySelector('table.bands').scrollIntoView()")
        caption = shown(browser, "table.bands caption")
        assert caption == [
            "Overdue elements of open cases at each week's end, by working days past the due date"
        ]
        weeks = shown(browser, "table.bands thead th.num")
        assert len(weeks) == 8
        assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", w) for w in weeks)
        labels = shown(browser, "table.bands tbody th")
        assert labels[:3] == ["within 5 working days", "6 to 20 working days", "over 20 working days"]
        assert labels[-1] == "all overdue"
        figures = browser.execute_script(
            "return [...document.querySelectorAll('table.bands tbody tr')].map(r => "
            "[...r.querySelectorAll('td')].map(c => c.innerText.trim()))"
        )
        assert all(len(row) == 8 for row in figures)
        assert all(re.fullmatch(rf"\d+|{NOT_REACHED}", f) for row in figures for f in row)
        latest = [int(row[-1]) for row in figures]
        assert latest[-1] == sum(latest[:-1]), "the bands and any age not known add up to all overdue"
        overdue = [int(f) for row in figures[:3] for f in row if f != NOT_REACHED]
        assert any(overdue), "the demo has overdue elements"
        browser.execute_script("document.querySelector('table.service').scrollIntoView()")
        today = browser.execute_script(
            "return [...document.querySelectorAll('table.service tbody tr')].map(r => "
            "[...r.querySelectorAll('td')].slice(2, 5).map(c => Number(c.innerText)))"
        )
        assert latest[:3] == [sum(row[n] for row in today) for n in range(3)]
    teams = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', page.read_text())
    assert teams
    bands = re.search(r'<table class="trend bands">.*?</table>', page.read_text(), re.S)
    assert bands is not None
    assert not any(team in bands.group(0) for team in teams)
