"""When an authority syncs: an interval or a cron expression, always with an explicit time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name like Europe/London") from None
    return value


def valid_cron(value: str | None) -> str | None:
    if value is not None:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a valid crontab expression ({exc})") from None
    return value


class Interval(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hours: int = Field(default=0, ge=0)
    minutes: int = Field(default=0, ge=0)
    seconds: int = Field(default=0, ge=0)

    @property
    def total_seconds(self) -> int:
        return self.hours * 3600 + self.minutes * 60 + self.seconds

    @model_validator(mode="after")
    def _positive(self) -> Interval:
        if self.total_seconds <= 0:
            raise ValueError("an interval needs hours, minutes or seconds above zero")
        return self


class Schedule(BaseModel):
    """Exactly one of `interval` or `cron` (five crontab fields), in `timezone` (UTC by default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interval: Interval | None = None
    cron: str | None = None
    timezone: str = "UTC"
    misfire_grace_seconds: int | None = Field(
        default=None,
        ge=1,
        description="How late a run may start and still happen (it waited for a free worker, or the "
        "daemon was briefly down); one later than this waits for the next fire time. None, the default: "
        "however late, so that on a busy night every authority that is due starts. Missed fire times "
        "become one run either way, never a backlog.",
    )

    _known_zone = field_validator("timezone")(known_zone)
    _valid_cron = field_validator("cron")(valid_cron)

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        if (self.interval is None) == (self.cron is None):
            raise ValueError("give exactly one of interval or cron")
        return self
