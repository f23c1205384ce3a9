"""After one authority's run the daemon renders that authority's pages and the index again, and takes
every other authority's pages from the site it replaces, the very files, unchanged; whole at its first
publish, and again whenever an authority's latest runs are not the ones its kept pages show. Of the
pages it renders, those whose content is what the site it replaces shows are linked, not written: a run
that changed nothing writes the index and the shared freshness file, and the site's content is the
same, page for page, as a whole publish at the same moment."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config.loader import Config, load_config
from dashboard.freshness import SHARED_SCRIPT
from dashboard.publishing import publish
from dashboard.site import Site, authority_files, case_path, load_site, render_pages
from dashboard.site_folder import PAGE_DIGESTS
from demo.layout import FILES_AUTHORITY, REST_AUTHORITY, SQL_AUTHORITY, DemoPaths
from store.schema.engine import make_engine, store_url
from sync.daemon import scheduler
from sync.daemon.scheduler import Daemon
from tests.conftest import run_cli
from tests.demo.conftest import build_demo

Pages = dict[str, tuple[int, bytes]]


def pages_of(site: Path, code: str | None = None) -> Pages:
    """Each page (all, or one authority's) by its path in the site: its inode and its bytes."""
    roots = [site] if code is None else [site / relative for relative in authority_files(code)]
    files = [p for root in roots for p in ([root] if root.is_file() else root.rglob("*.html"))]
    return {str(p.relative_to(site)): (p.stat().st_ino, p.read_bytes()) for p in files}


def written(before: Pages, after: Pages) -> set[str]:
    """The pages of `after` that are new files, not links to the ones `before` had."""
    return {path for path, (inode, _) in after.items() if before.get(path, (None,))[0] != inode}


def digests(site: Path) -> dict[str, str]:
    lines = (site / PAGE_DIGESTS).read_text().splitlines()
    return {path: found for found, path in (line.split(" ", 1) for line in lines)}


class Clock:
    """The daemon's clock, moved on by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def demo(tmp_path: Path) -> DemoPaths:
    paths = DemoPaths(tmp_path / "demo")
    build_demo(paths.root)
    return paths


def daemon_of(paths: DemoPaths, clock: Clock | None = None) -> tuple[Daemon, Config]:
    config = load_config(paths.settings)
    engine = make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))
    if clock is None:
        return Daemon(config.settings.path, config, engine), config
    return Daemon(config.settings.path, config, engine, clock=clock), config


def change_a_status(paths: DemoPaths, code: str) -> str:
    """Mark one element of one of the authority's published cases overdue in the store, as a run
    would; returns that case page's path."""
    with sqlite3.connect(paths.store) as db:
        rows = db.execute(
            "SELECT case_ref, element FROM case_element_status WHERE authority = ? AND status = 'evidenced'",
            (code,),
        ).fetchall()
        ref, element = next((r, e) for r, e in rows if (paths.site / case_path(code, r)).is_file())
        db.execute(
            "UPDATE case_element_status SET status = 'overdue' "
            "WHERE authority = ? AND case_ref = ? AND element = ?",
            (code, ref, element),
        )
    return case_path(code, ref)


def test_a_run_that_changed_nothing_writes_only_the_index_and_the_shared_freshness(demo: DemoPaths) -> None:
    clock = Clock(datetime.now(UTC))
    daemon, _ = daemon_of(demo, clock)
    daemon.republish()  # the first publish of a daemon is whole
    before = pages_of(demo.site)
    freshness = (demo.site / SHARED_SCRIPT).read_text()
    others = {code: pages_of(demo.site, code) for code in (SQL_AUTHORITY, REST_AUTHORITY)}
    own = pages_of(demo.site, FILES_AUTHORITY)
    assert all(others.values())
    assert own

    clock.now += timedelta(minutes=1)
    daemon.run_sync(FILES_AUTHORITY)

    for code, pages in others.items():
        assert pages_of(demo.site, code) == pages, f"{code}'s pages were not taken as they were"
    assert pages_of(demo.site, FILES_AUTHORITY) == own, "the run changed nothing its pages show"
    assert written(before, pages_of(demo.site)) == {"index.html"}
    assert (demo.site / SHARED_SCRIPT).read_text() != freshness, "the new sync time is in the shared file"


def test_a_run_writes_just_the_pages_whose_content_changed(demo: DemoPaths) -> None:
    clock = Clock(datetime.now(UTC))
    daemon, _ = daemon_of(demo, clock)
    daemon.republish()
    before = pages_of(demo.site)
    changed = change_a_status(demo, FILES_AUTHORITY)

    clock.now += timedelta(minutes=1)
    daemon.republish(FILES_AUTHORITY)

    after = pages_of(demo.site)
    rewritten = written(before, after)
    assert changed in rewritten
    assert after[changed][1] != before[changed][1]
    team_pages = {p for p in rewritten if p.startswith(("teams/", "wall/"))}
    assert rewritten == {"index.html", changed, f"authorities/{FILES_AUTHORITY}.html"} | team_pages
    assert len(team_pages) <= 2, "the case's own team page and its wall, nothing else"


def test_the_site_after_a_run_shows_what_a_whole_publish_shows_page_for_page(
    demo: DemoPaths, tmp_path: Path
) -> None:
    clock = Clock(datetime.now(UTC))
    daemon, config = daemon_of(demo, clock)
    daemon.republish()
    first = pages_of(demo.site)
    change_a_status(demo, FILES_AUTHORITY)
    clock.now += timedelta(minutes=1)
    daemon.run_sync(FILES_AUTHORITY)

    whole = tmp_path / "whole"
    publish(whole, load_site(daemon.store, config, now=clock.now))

    assert digests(demo.site) == digests(whole), "the same content in every page"
    after, fresh = pages_of(demo.site), pages_of(whole)
    assert after.keys() == fresh.keys()
    for path in written(first, after):
        assert after[path][1] == fresh[path][1], f"{path}, written now, is what a whole publish writes"
    for path in after.keys() - written(first, after):
        assert after[path][1] == first[path][1], f"{path} is the page written at the first publish"
    assert (demo.site / SHARED_SCRIPT).read_bytes() == (whole / SHARED_SCRIPT).read_bytes()


def test_an_authority_synced_from_the_command_line_since_is_rendered_anew(demo: DemoPaths) -> None:
    daemon, config = daemon_of(demo)
    daemon.republish()
    untouched = pages_of(demo.site, REST_AUTHORITY)
    synced = run_cli("--config", str(config.settings.path), "sync", SQL_AUTHORITY)
    assert synced.exit_code == 0, synced.output
    changed = change_a_status(demo, SQL_AUTHORITY)
    before = pages_of(demo.site, SQL_AUTHORITY)

    daemon.run_sync(FILES_AUTHORITY)

    after = pages_of(demo.site, SQL_AUTHORITY)
    assert after.keys() == before.keys()
    assert changed in written(before, after), "its pages were drawn, not taken as they were"
    assert pages_of(demo.site, REST_AUTHORITY) == untouched


def test_a_daemon_publishes_whole_until_it_has_published_whole_itself(demo: DemoPaths) -> None:
    daemon, _ = daemon_of(demo)
    published_by_the_demo = pages_of(demo.site, SQL_AUTHORITY)
    changed = change_a_status(demo, SQL_AUTHORITY)

    daemon.run_sync(FILES_AUTHORITY)

    after = pages_of(demo.site, SQL_AUTHORITY)
    assert changed in written(published_by_the_demo, after)
    assert after[changed][1] != published_by_the_demo[changed][1]


def test_a_site_read_for_one_authority_draws_its_pages_and_the_index_as_the_whole_site_does(
    demo: DemoPaths,
) -> None:
    config = load_config(demo.settings)
    engine = make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))
    now = datetime(2026, 12, 4, 9, 15, tzinfo=UTC)
    whole = load_site(engine, config, now=now)
    one = load_site(engine, config, now=now, authority=FILES_AUTHORITY)

    assert {case["authority"] for case in one.board.cases} == {FILES_AUTHORITY}
    assert one.authorities() == whole.authorities()
    drawn = dict(render_pages(one, {FILES_AUTHORITY}))
    assert drawn == dict(render_pages(whole, {FILES_AUTHORITY}))
    assert "index.html" in drawn
    assert any(path.startswith("cases/") for path in drawn)


def test_the_publish_after_a_run_reads_only_that_authoritys_cases(
    demo: DemoPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    daemon, _ = daemon_of(demo)
    daemon.republish()
    read: list[set[str]] = []

    def reading(*args: Any, **kwargs: Any) -> Site:
        site = load_site(*args, **kwargs)
        read.append({case["authority"] for case in site.board.cases})
        return site

    monkeypatch.setattr(scheduler, "load_site", reading)
    daemon.run_sync(FILES_AUTHORITY)

    assert read == [{FILES_AUTHORITY}]
