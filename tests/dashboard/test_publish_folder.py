"""The publish folder: publishing removes only what it made, one publisher at a time, and clears
what killed or overlapping publishes left behind."""

from __future__ import annotations

import fcntl
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog

from config.loader import Config, load_config
from dashboard import site as site_module
from dashboard import site_folder
from dashboard.publishing import NotASite, publish
from dashboard.site import SITE_MARKER, load_site
from store.schema.engine import make_engine, store_url
from sync.daemon.scheduler import Daemon
from tests.conftest import run_cli
from tests.daemon.conftest import SOFS_SYNC, write_config
from tests.sources import sql_authority_yaml

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    authority = sql_authority_yaml("hourly-la", "sqlite:////nonexistent/source.db")
    return write_config(tmp_path / "config", {"hourly-la": authority}, "dashboard: {publish_dir: site}\n")


@pytest.fixture
def config(settings: Path) -> Config:
    return load_config(settings)


def someone_elses_folder(tmp_path: Path) -> Path:
    www = tmp_path / "www"
    www.mkdir()
    (www / "keep").write_text("not the site's")
    return www


def generations(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*") if not p.name.endswith(".lock"))


def test_a_link_to_a_folder_publishing_did_not_make_is_refused_and_the_folder_survives(
    settings: Path, tmp_path: Path
) -> None:
    www = someone_elses_folder(tmp_path)
    (tmp_path / "site").symlink_to(www)
    refused = run_cli("--config", str(settings), "publish", "--out", str(tmp_path / "site"))
    assert refused.exit_code == 2
    assert "is a link to" in refused.output
    assert "publishing did not make" in refused.output
    assert (www / "keep").read_text() == "not the site's"
    assert (tmp_path / "site").resolve() == www.resolve()
    assert generations(tmp_path / "site") == []


def test_the_daemon_leaves_a_linked_folder_alone_and_says_why_in_its_log(
    config: Config, tmp_path: Path
) -> None:
    www = someone_elses_folder(tmp_path)
    (tmp_path / "config" / "site").symlink_to(www)
    engine = make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))
    with structlog.testing.capture_logs() as logs:
        Daemon(config.settings.path, config, engine, clock=lambda: NOW).republish()
    assert [e["error_class"] for e in logs if e["event"] == "whiteboard site not published"] == ["NotASite"]
    assert (www / "keep").read_text() == "not the site's"


def test_a_path_that_climbs_out_of_a_missing_folder_is_refused_before_anything_is_made(
    settings: Path, tmp_path: Path
) -> None:
    for out in ("a/sub/..", "b/sub/../site"):
        refused = run_cli("--config", str(settings), "publish", "--out", str(tmp_path / out))
        assert refused.exit_code == 2, refused.output
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / "b").exists()


def test_leftovers_of_killed_publishes_are_cleared_by_the_next_and_nothing_else_is(
    config: Config, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    engine = make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))
    publish(out, load_site(engine, config, now=NOW))
    killed_mid_write = tmp_path / ".site.0123456789ab"
    (killed_mid_write / "teams").mkdir(parents=True)
    (killed_mid_write / SITE_MARKER).write_text("published\n")
    killed_before_marker = tmp_path / ".site.abcdefabcdef"
    killed_before_marker.mkdir()
    (tmp_path / ".site.link-0badc0de").symlink_to(killed_mid_write.name)
    not_ours = tmp_path / ".site.fedcbafedcba"
    not_ours.mkdir()
    (not_ours / "notes.txt").write_text("someone's")

    publish(out, load_site(engine, config, now=NOW))
    assert generations(out) == sorted([out.resolve().name, not_ours.name])
    assert (not_ours / "notes.txt").read_text() == "someone's"
    assert (out / "index.html").is_file()


@pytest.fixture
def held_render(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Pages rendered until the first is written, then held until the test lets go."""
    writing, let_go = threading.Event(), threading.Event()
    render = site_module.render_pages

    def held(site: site_module.Site) -> Iterator[tuple[str, str]]:
        for number, page in enumerate(render(site)):
            if number == 1:
                writing.set()
                let_go.wait()
            yield page

    monkeypatch.setattr(site_folder, "render_pages", held)
    yield writing, let_go
    let_go.set()


def test_a_publish_holds_the_folder_lock_while_it_writes(
    config: Config, tmp_path: Path, held_render: tuple[threading.Event, threading.Event]
) -> None:
    writing, let_go = held_render
    out = tmp_path / "site"
    engine = make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))
    site = load_site(engine, config, now=NOW)
    publisher = threading.Thread(target=publish, args=(out, site))
    publisher.start()
    assert writing.wait(timeout=30)
    with open(tmp_path / ".site.lock", "a") as lock, pytest.raises(BlockingIOError):
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    let_go.set()
    publisher.join()
    with open(tmp_path / ".site.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released once the site is swapped in


def test_publishes_at_once_leave_one_whole_site_and_no_copies(settings: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    for _round in range(2):
        publishers = [
            subprocess.Popen(
                [SOFS_SYNC, "--config", str(settings), "publish", "--out", str(out)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        for publisher in publishers:
            _, errors = publisher.communicate(timeout=120)
            assert publisher.returncode == 0, errors
        assert generations(out) == [out.resolve().name]
        assert "hourly-la" in (out / "index.html").read_text()


def test_an_existing_empty_folder_is_taken_over_and_a_file_is_refused(config: Config, tmp_path: Path) -> None:
    engine = make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))
    site = load_site(engine, config, now=NOW)
    empty = tmp_path / "empty"
    empty.mkdir()
    publish(empty, site)
    assert empty.is_symlink()
    assert generations(empty) == [empty.resolve().name]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(NotASite):
        publish(a_file, site)
    assert a_file.read_text() == "x"
