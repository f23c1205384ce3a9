"""Which jobs the daemon schedules and how, checked as data and on a scheduler that is never started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from config.errors import ConfigError
from config.loader import Config, load_config
from store.write.lease import StoreLease
from sync.daemon.jobs import RECOMPUTE_ID, changes, plan
from sync.daemon.scheduler import Daemon, DaemonOptions
from tests.daemon.conftest import write_config
from tests.sources import sql_authority_yaml

URL = "sqlite:////nonexistent/source.db"  # never opened: nothing here runs a job


def authority(code: str, schedule: str | None = None, enabled: bool = True) -> str:
    text = sql_authority_yaml(code, URL)
    if schedule:
        text += f"\nschedule: {schedule}\n"
    return text + ("" if enabled else "enabled: false\n")


def config_with(tmp_path: Path, authorities: dict[str, str], settings_extra: str = "") -> Config:
    return load_config(write_config(tmp_path / "config", authorities, settings_extra))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return config_with(
        tmp_path,
        {
            "fast-la": authority("fast-la", "{interval: {minutes: 15}, misfire_grace_seconds: 120}"),
            "night-la": authority("night-la", "{cron: '30 2 * * *', timezone: Europe/London}"),
            "default-la": authority("default-la"),
            "off-la": authority("off-la", enabled=False),
        },
        "daemon: {status_recompute_cron: '5 1 * * *', timezone: Europe/London}\n",
    )


def test_each_enabled_authority_gets_one_sync_job_with_a_stable_id(config: Config) -> None:
    assert sorted(plan(config)) == ["recompute-statuses", "sync:default-la", "sync:fast-la", "sync:night-la"]


def test_interval_schedule_runs_at_start_then_every_interval_in_utc(config: Config) -> None:
    job = plan(config)["sync:fast-la"]
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(minutes=15)
    assert job.trigger.timezone == ZoneInfo("UTC")
    assert job.run_at_start
    assert job.misfire_grace_time == 120


def test_cron_schedule_waits_for_its_time_in_its_own_time_zone(config: Config) -> None:
    job = plan(config)["sync:night-la"]
    assert isinstance(job.trigger, CronTrigger)
    assert job.trigger.timezone == ZoneInfo("Europe/London")
    assert not job.run_at_start
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, summer) == datetime(
        2026, 7, 2, 2, 30, tzinfo=ZoneInfo("Europe/London")
    )
    assert job.misfire_grace_time is None  # the Schedule default: however late


def test_an_authority_without_a_schedule_follows_the_settings_default(config: Config) -> None:
    job = plan(config)["sync:default-la"]
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(hours=1)


def test_recompute_job_follows_the_daemon_settings_cron_and_time_zone(config: Config) -> None:
    job = plan(config)[RECOMPUTE_ID]
    assert isinstance(job.trigger, CronTrigger)
    winter = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, winter) == datetime(
        2026, 1, 11, 1, 5, tzinfo=ZoneInfo("Europe/London")
    )
    assert job.authority is None


def test_a_bad_recompute_cron_is_a_config_error_naming_file_and_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        config_with(tmp_path, {"a-la": authority("a-la")}, "daemon: {status_recompute_cron: 'every day'}\n")
    [problem] = error.value.problems
    assert "sofs-sync.yaml: daemon.status_recompute_cron: not a valid crontab" in problem


def test_an_unknown_daemon_time_zone_is_a_config_error_naming_file_and_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"daemon\.timezone: unknown time zone"):
        config_with(tmp_path, {"a-la": authority("a-la")}, "daemon: {timezone: Europe/Londres}\n")


def test_a_reload_reschedules_only_jobs_whose_schedule_changed(config: Config, tmp_path: Path) -> None:
    folder = tmp_path / "config" / "authorities"
    (folder / "fast-la.yaml").write_text(authority("fast-la", "{interval: {minutes: 5}}"))
    (folder / "night-la.yaml").write_text(
        authority("night-la", "{cron: '30 2 * * *', timezone: Europe/London}")
    )
    (folder / "default-la.yaml").unlink()
    (folder / "off-la.yaml").write_text(authority("off-la"))
    after = plan(load_config(config.settings.path))
    diff = changes(plan(config), after)
    assert (diff.added, diff.removed, diff.rescheduled) == (
        ["sync:off-la"],
        ["sync:default-la"],
        ["sync:fast-la"],
    )


def test_jobs_are_registered_coalescing_one_at_a_time_with_their_misfire_grace(
    config: Config, sqlite_store: Engine
) -> None:
    daemon = Daemon(config.settings.path, config, sqlite_store)
    jobs = {job.id: job for job in daemon.scheduler.get_jobs()}
    assert sorted(jobs) == sorted(plan(config))
    assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
    assert jobs["sync:fast-la"].misfire_grace_time == 120
    assert jobs["sync:fast-la"].args == ("fast-la",)
    assert jobs["sync:fast-la"].next_run_time <= datetime.now(UTC)  # a first run right after start
    assert not hasattr(jobs["sync:night-la"], "next_run_time")  # computed from the cron when started
    assert not daemon.scheduler.running


def test_a_reload_with_a_broken_file_keeps_every_running_job(
    config: Config, sqlite_store: Engine, tmp_path: Path
) -> None:
    daemon = Daemon(config.settings.path, config, sqlite_store)
    before = {job.id for job in daemon.scheduler.get_jobs()}
    (tmp_path / "config" / "authorities" / "fast-la.yaml").write_text(
        "code: fast-la\nschedule: {cron: nope}\n"
    )
    assert daemon.reload() is False
    assert {job.id for job in daemon.scheduler.get_jobs()} == before
    assert daemon.config is config


def test_a_valid_reload_adds_and_removes_jobs(config: Config, sqlite_store: Engine, tmp_path: Path) -> None:
    daemon = Daemon(config.settings.path, config, sqlite_store)
    (tmp_path / "config" / "authorities" / "fast-la.yaml").write_text(authority("fast-la", enabled=False))
    (tmp_path / "config" / "authorities" / "off-la.yaml").write_text(authority("off-la"))
    assert daemon.reload() is True
    ids = {job.id for job in daemon.scheduler.get_jobs()}
    assert ids == {"recompute-statuses", "sync:default-la", "sync:night-la", "sync:off-la"}


def test_a_recompute_meeting_a_sync_is_retried_a_few_minutes_later(
    config: Config, sqlite_store: Engine
) -> None:
    daemon = Daemon(config.settings.path, config, sqlite_store, DaemonOptions(recompute_retry_s=240))
    with StoreLease(sqlite_store, "authority:fast-la"):
        daemon.recompute_statuses()
    retry = daemon.scheduler.get_job("recompute:fast-la")
    assert isinstance(retry.trigger, DateTrigger)
    assert timedelta(seconds=230) < retry.trigger.run_date - datetime.now(UTC) <= timedelta(seconds=240)
    assert retry.args == (["fast-la"], 2)
    assert daemon.scheduler.get_job("recompute:night-la") is None


def test_a_recompute_still_blocked_at_its_last_attempt_waits_for_the_next_day(
    config: Config, sqlite_store: Engine
) -> None:
    daemon = Daemon(config.settings.path, config, sqlite_store, DaemonOptions(recompute_attempts=3))
    with StoreLease(sqlite_store, "authority:fast-la"):
        daemon.recompute_statuses(["fast-la"], attempt=3)
    assert daemon.scheduler.get_job("recompute:fast-la") is None
