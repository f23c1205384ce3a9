"""After one authority's run the daemon renders that authority's pages and the index again, and takes
every other authority's pages from the site it replaces, the very files, unchanged; whole at its first
publish, and again whenever an authority's latest runs are not the ones its kept pages show."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import Config, load_config
from dashboard.site import authority_files
from demo.layout import FILES_AUTHORITY, REST_AUTHORITY, SQL_AUTHORITY, DemoPaths
from store.schema.engine import make_engine, store_url
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
