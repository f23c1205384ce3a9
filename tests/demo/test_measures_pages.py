"""The published case, team and authority pages and the audit pack carry audits and outcomes, read in
a real Chromium at 1024 px: nothing scrolls sideways or is clipped, and axe-core finds no WCAG 2.2 AA
violation in the new sections. Meaning is in words, never in colour alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from dashboard.site import case_path, team_path
from dashboard.site_pages import authority_path
from dashboard.whiteboard import ENGLAND, TeamGroup
from sync.run.runner import Mode, RunRequest, SyncRunner, Trigger
from tests.conftest import run_cli
from tests.dashboard.measures_rows import a_scale, an_audit, an_episode
from tests.demo.test_site_pages import OVERFLOW_SCRIPT, axe_violations
from tests.sync.memory import MemoryConnector, a_case_record, memory_store

LA = "mem-la"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A site and an audit pack from two North cases, C1 with audits, a course and a scale, C2 with none."""
    folder = tmp_path_factory.mktemp("measures") / "config"
    with pytest.MonkeyPatch.context() as patch:
        cfg, store = memory_store(folder, patch)
        source = MemoryConnector(data={"cases": [a_case_record("C1"), a_case_record("C2")], "evidence": []})
        today = datetime.now(ENGLAND).date()
        SyncRunner(cfg, store, today=lambda: today, connector_factory=lambda _a: source).run(
            LA, RunRequest(Trigger.CLI, "tester", Mode.INCREMENTAL)
        )
        an_audit(
            store,
            "C1",
            today,
            "requires_improvement",
            authority=LA,
            family_participation="did_not_take_part",
            area_grades={"danger_statements": "requires_improvement", "safety_planning": "good"},
        )
        an_audit(store, "C1", date(2025, 11, 3), "good", authority=LA)
        an_audit(store, "C2", today, "good", authority=LA)
        an_episode(
            store, "C1", "referral", date(2024, 2, 1), date(2024, 4, 15), authority=LA, end_reason="RC8"
        )
        an_episode(store, "C1", "referral", date(2025, 3, 14), authority=LA)
        an_episode(store, "C1", "cp_plan", date(2025, 4, 1), authority=LA, previous_cp_plans=2)
        a_scale(store, "C1", date(2025, 4, 20), 3, authority=LA)
        a_scale(store, "C1", today, 6, authority=LA)
        store.dispose()
        settings = str(folder / "sofs-sync.yaml")
        site = folder.parent / "site"
        assert run_cli("--config", settings, "publish", "--out", str(site)).exit_code == 0
        pack = folder.parent / "pack.html"
        assert run_cli("--config", settings, "case", LA, "C1", "--html", str(pack)).exit_code == 0
        yield site


def _page(site: Path, kind: str) -> Path:
    north = TeamGroup(LA, "Memory Council", "North", [], {})
    return {
        "case": site / case_path(LA, "C1"),
        "empty case": site / case_path(LA, "C2"),
        "team": site / team_path(north),
        "authority": site / authority_path(LA),
        "pack": site.parent / "pack.html",
    }[kind]


@pytest.mark.parametrize("kind", ["case", "empty case", "team", "authority", "pack"])
def test_the_pages_with_audits_and_outcomes_fit_1024_px_and_pass_axe(
    browser: Any, published: Path, kind: str
) -> None:
    browser.set_window_size(1024, 1000)
    browser.get(_page(published, kind).as_uri())
    layout = browser.execute_script(OVERFLOW_SCRIPT)
    assert layout["scroll"] <= layout["inner"], f"{kind} at 1024 px scrolls sideways"
    assert layout["clipped"] == [], f"{kind} at 1024 px clips text"
    assert axe_violations(browser) == []


def test_the_case_page_reads_audits_latest_first_and_the_course_in_sentences(published: Path) -> None:
    html = _page(published, "case").read_text()
    section = html[html.index('id="case-measures-heading"') : html.index('id="timeline-heading"')]
    assert section.index("Requires improvement") < section.index("3 Nov 2025")
    assert "below the good line" in section
    assert "family did not take part" in section
    assert "<li>safety planning: Good</li>" in section
    assert "Re-referred on 14 March 2025" in section
    assert "Repeat CP plan from 1 April 2025" in section
    assert "up 3" in section
    empty = _page(published, "empty case").read_text()
    assert "No referral, plan or care episode recorded." in empty


def test_the_team_and_authority_pages_give_counts_never_a_bare_share(published: Path) -> None:
    team = _page(published, "team").read_text()
    months = team[team.index('id="measures-heading"') :]
    assert "1 of 2 (too few for a share)" in months
    assert "No case closed or stepped down in these months" in months
    assert "%" not in months.split("</table>")[0].split("<tbody>")[1]
    authority = _page(published, "authority").read_text()
    assert "1 of 2 (too few for a share)" in authority
