"""After one authority's run the daemon renders that authority's pages and the index again, and takes
every other authority's pages from the site it replaces, the very files, unchanged; whole at its first
publish, and again whenever an authority's latest runs are not the ones its kept pages show."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.loader import Config, load_config
from dashboard.site import Site, authority_files, load_site, render_pages
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


@pytest.fixture
def demo(tmp_path: Path) -> DemoPaths:
    paths = DemoPaths(tmp_path / "demo")
    build_demo(paths.root)
    return paths


def daemon_of(paths: DemoPaths) -> tuple[Daemon, Config]:
    config = load_config(paths.settings)
    engine = make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))
    return Daemon(config.settings.path, config, engine), config


def test_a_run_of_one_authority_leaves_the_other_authorities_pages_the_same_files(demo: DemoPaths) -> None:
    daemon, _ = daemon_of(demo)
    daemon.republish()  # the first publish of a daemon is whole
    others = {code: pages_of(demo.site, code) for code in (SQL_AUTHORITY, REST_AUTHORITY)}
    own = pages_of(demo.site, FILES_AUTHORITY)
    index = pages_of(demo.site)["index.html"]
    assert all(others.values())
    assert own

    daemon.run_sync(FILES_AUTHORITY)

    for code, pages in others.items():
        assert pages_of(demo.site, code) == pages, f"{code}'s pages were not taken as they were"
    again = pages_of(demo.site, FILES_AUTHORITY)
    assert again.keys() == own.keys()
    assert all(again[path][0] != own[path][0] for path in own), "the run's authority is rendered anew"
    assert pages_of(demo.site)["index.html"][0] != index[0]
    assert len(pages_of(demo.site)) == len(own) + sum(map(len, others.values())) + 1


def test_an_authority_synced_from_the_command_line_since_is_rendered_anew(demo: DemoPaths) -> None:
    daemon, config = daemon_of(demo)
    daemon.republish()
    before = pages_of(demo.site, SQL_AUTHORITY)
    untouched = pages_of(demo.site, REST_AUTHORITY)
    synced = run_cli("--config", str(config.settings.path), "sync", SQL_AUTHORITY)
    assert synced.exit_code == 0, synced.output

    daemon.run_sync(FILES_AUTHORITY)

    after = pages_of(demo.site, SQL_AUTHORITY)
    assert after.keys() == before.keys()
    assert all(after[path][0] != before[path][0] for path in before)
    assert pages_of(demo.site, REST_AUTHORITY) == untouched


def test_a_daemon_publishes_whole_until_it_has_published_whole_itself(demo: DemoPaths) -> None:
    daemon, _ = daemon_of(demo)
    published_by_the_demo = pages_of(demo.site, SQL_AUTHORITY)

    daemon.run_sync(FILES_AUTHORITY)

    after = pages_of(demo.site, SQL_AUTHORITY)
    assert all(after[path][0] != published_by_the_demo[path][0] for path in published_by_the_demo)


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
