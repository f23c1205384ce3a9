"""Publishing the site: swapped in whole, never over a folder it did not make; data dates judged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from config.loader import Config, load_config
from dashboard import site as site_module
from dashboard import site_folder
from dashboard.freshness import judge, when_text
from dashboard.publishing import NotASite, publish
from dashboard.site import data_date, load_site
from store.schema.engine import make_engine, store_url
from sync.daemon.scheduler import Daemon
from tests.daemon.conftest import write_config
from tests.sources import sql_authority_yaml

URL = "sqlite:////nonexistent/source.db"  # a source that is never there: every run fails
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def authority(code: str, schedule: str | None = None, enabled: bool = True) -> str:
    text = sql_authority_yaml(code, URL) + (f"\nschedule: {schedule}\n" if schedule else "")
    return text + ("" if enabled else "enabled: false\n")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(
        write_config(
            tmp_path / "config",
            {
                "hourly-la": authority("hourly-la", "{interval: {hours: 1}, misfire_grace_seconds: 600}"),
                "nightly-la": authority("nightly-la", "{cron: '30 2 * * *', timezone: Europe/London}"),
                "off-la": authority("off-la", enabled=False),
            },
            "dashboard: {publish_dir: site}\n",
        )
    )


def store_of(config: Config) -> Engine:
    return make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))


def success(at: datetime) -> dict[str, str]:
    return {"last_success_at": at.isoformat()}


def test_data_is_out_of_date_once_the_next_scheduled_sync_and_its_allowance_have_passed(
    config: Config,
) -> None:
    last = {
        "hourly-la": success(NOW - timedelta(hours=1, minutes=39)),
        "nightly-la": success(datetime(2026, 3, 3, 2, 40, tzinfo=UTC)),
        "off-la": success(NOW - timedelta(days=30)),
    }
    judged = {f.authority: f for f in judge(config, last, NOW)}
    # Due at 11:21, plus ten minutes' grace and thirty for the run: current until 12:01.
    assert judged["hourly-la"].due_by == datetime(2026, 3, 4, 12, 1, tzinfo=UTC)
    assert judged["hourly-la"].state == "current"
    assert {f.state for f in judge(config, last, NOW + timedelta(minutes=2))} >= {"stale"}
    # No misfire grace set: due at 02:30, plus an hour's wait for a worker and thirty for the run.
    assert judged["nightly-la"].due_by == datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
    assert judged["nightly-la"].state == "stale"
    assert (
        "Out of date: a sync was due to succeed by 4 Mar 2026, 04:00 GMT" in judged["nightly-la"].sentence()
    )
    assert judged["off-la"].state == "unscheduled"
    assert "not scheduled" in judged["off-la"].sentence()


def test_times_a_person_reads_are_uk_local_time_named_gmt_or_bst() -> None:
    assert when_text(datetime(2026, 1, 15, 9, 15, tzinfo=UTC)) == "15 Jan 2026, 09:15 GMT"
    assert when_text(datetime(2026, 7, 4, 9, 15, tzinfo=UTC)) == "4 Jul 2026, 10:15 BST"


def test_a_partial_run_is_said_as_partial_with_what_it_could_not_read(config: Config) -> None:
    partial = {
        "outcome": "partial",
        "finished_at": "2026-07-04T09:15:00+00:00",
        "error": "IncompleteRead: forms/export_20260704.csv cannot be read",
    }
    judged = {f.authority: f for f in judge(config, {"hourly-la": partial}, NOW)}
    said = judged["hourly-la"].sentence()
    assert judged["hourly-la"].state == "partial"
    assert "never synced" not in said
    assert "4 Jul 2026, 10:15 BST was partial" in said
    assert "missing: forms/export_20260704.csv cannot be read" in said
    # The index's data date names what is partial and what has none, never "no successful sync yet".
    both = data_date([judged["hourly-la"], judged["nightly-la"]])
    assert both == "4 Jul 2026, 10:15 BST (partial read: SQL Test Council); no sync yet: SQL Test Council"
    synced = judge(config, {"hourly-la": success(NOW), "nightly-la": partial}, NOW)
    assert data_date(synced).startswith("4 Mar 2026, 12:00 GMT")
    assert data_date([f for f in synced if f.authority == "off-la"]) == "no successful sync yet"


def test_a_latest_run_that_published_nothing_says_what_is_shown_is_older(config: Config) -> None:
    refused = {
        "outcome": "refused",
        "stage": "refused",
        "finished_at": "2026-07-04T09:15:00+00:00",
        "error": "refused: 20 of 20 (100%) practice evidence records name a case ...",
        "last_success_at": "2026-07-03T09:15:00+00:00",
    }
    judged = {f.authority: f for f in judge(config, {"hourly-la": refused}, NOW)}
    said = judged["hourly-la"].sentence()
    assert "last successful sync 3 Jul 2026, 10:15 BST" in said
    assert "4 Jul 2026, 10:15 BST published nothing (refused by its guards" in said
    assert "was partial" not in said
    stopped = {**refused, "outcome": "partial", "stage": "open", "error": "Stopped: ..."}
    said = judge(config, {"hourly-la": stopped}, NOW)[0].sentence()
    assert "published nothing (stopped before its read ended" in said


def test_an_authority_never_synced_is_said_to_be_so(config: Config) -> None:
    judged = judge(config, {}, NOW)
    assert {f.state for f in judged} == {"never"}
    assert all(f.stale for f in judged)


def test_publishing_swaps_a_link_to_a_new_folder_and_removes_the_old_one(
    config: Config, tmp_path: Path
) -> None:
    engine = store_of(config)
    out = tmp_path / "www" / "whiteboard"
    publish(out, load_site(engine, config, now=NOW))
    first = out.resolve()
    publish(out, load_site(engine, config, now=NOW + timedelta(hours=1)))
    assert out.is_symlink()
    assert out.resolve() != first
    assert not first.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "." + out.resolve().name.lstrip("."),
        ".whiteboard.lock",
        "whiteboard",
    ]
    assert "4 Mar 2026, 13:00 GMT" in (out / "index.html").read_text()


def test_a_failed_publish_leaves_the_previous_site_whole(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = store_of(config)
    out = tmp_path / "site"
    publish(out, load_site(engine, config, now=NOW))
    before = (out / "index.html").read_text()

    def broken(site: site_module.Site) -> object:
        yield "index.html", "half"
        raise RuntimeError("render failed")

    monkeypatch.setattr(site_folder, "render_pages", broken)
    with pytest.raises(RuntimeError):
        publish(out, load_site(engine, config, now=NOW + timedelta(hours=1)))
    assert (out / "index.html").read_text() == before
    assert len(list(tmp_path.glob(".site.[0-9a-f]*"))) == 1, "the half-written folder is removed"


def test_publishing_never_replaces_a_folder_it_did_not_make(config: Config, tmp_path: Path) -> None:
    engine = store_of(config)
    out = tmp_path / "docs"
    out.mkdir()
    (out / "readme.txt").write_text("someone's file")
    with pytest.raises(NotASite):
        publish(out, load_site(engine, config, now=NOW))
    assert (out / "readme.txt").read_text() == "someone's file"


def test_the_daemon_republishes_after_a_sync_even_a_failed_one_and_says_the_data_is_not_current(
    config: Config, tmp_path: Path
) -> None:
    engine = store_of(config)
    daemon = Daemon(config.settings.path, config, engine, clock=lambda: NOW)
    daemon.run_sync("hourly-la")
    index = (tmp_path / "config" / "site" / "index.html").read_text()
    assert "never synced successfully" in index
    assert (tmp_path / "config" / "site").is_symlink()
