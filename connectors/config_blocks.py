"""Building blocks shared by the connector config models: strictness, secret references, lookback,
request timeouts and retries."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

from connectors.base import SecretResolver
from connectors.errors import FatalError

REQUIRED_STREAMS = ("cases", "evidence")
_SECRET_LOOKING = re.compile(r"auth|key|token|secret|passw|cookie|signature", re.IGNORECASE)


class StrictModel(BaseModel):
    """Unknown keys are errors: a misspelt option, or an inline secret, must never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_secret_ref(values: Any, name: str, *, required: bool = True) -> Any:
    """For a `mode="before"` validator: one of `<name>_env` or `<name>_file`, never both."""
    if isinstance(values, dict):
        given = [key for key in (f"{name}_env", f"{name}_file") if values.get(key)]
        if len(given) > 1:
            raise ValueError(f"give only one of {name}_env or {name}_file")
        if required and not given:
            raise ValueError(f"{name}_env or {name}_file is required (secrets are referenced, never inline)")
    return values


def require_secret(secrets: SecretResolver, env: str | None, file: str | None, what: str) -> str:
    """A secret through the run's resolver (config/secrets.py), at the moment it is used; failure is fatal."""
    try:
        return secrets(env=env, file=file)
    except Exception as exc:  # noqa: BLE001 - whatever the resolver raises, the run cannot go on
        # The resolver's message names the reference (variable or file), never the value.
        raise FatalError(f"cannot resolve the {what}: {exc}") from None


def no_credentials(values: dict[str, Any], what: str, instead: str) -> dict[str, Any]:
    """Free-form maps (headers, query parameters, driver options) must not smuggle in a credential."""
    for name in values:
        if _SECRET_LOOKING.search(name):
            raise ValueError(f"{what} {name!r} looks like a credential; use {instead} instead")
    return values


def check_required_streams(streams: dict[str, Any]) -> dict[str, Any]:
    missing = [name for name in REQUIRED_STREAMS if name not in streams]
    if missing:
        raise ValueError(f"streams {missing} are required (every connector offers cases and evidence)")
    return streams


class Duration(StrictModel):
    """A span of time written as days, hours, minutes and seconds, which add up."""

    days: float = Field(default=0, ge=0)
    hours: float = Field(default=0, ge=0)
    minutes: float = Field(default=0, ge=0)
    seconds: float = Field(default=0, ge=0)

    @property
    def delta(self) -> timedelta:
        return timedelta(days=self.days, hours=self.hours, minutes=self.minutes, seconds=self.seconds)


class Lookback(Duration):
    """How far before the stored watermark a run starts, to catch records committed late."""


class AheadTolerance(Duration):
    """How far past now a record's change time may lie and still move the watermark (clock skew).

    A change time further ahead (a clock set wrong, a meeting booked for tomorrow) would make the
    watermark skip every change until then: the watermark is held at now instead, and the record
    counted as ahead. A source keeping local time without an offset is read as UTC, so the tolerance
    must cover its offset (an hour in British Summer Time).
    """

    hours: float = Field(default=1, ge=0)


def ahead_tolerance() -> Any:
    """The `ahead_tolerance` option of a stream's incremental settings, shared by the connector types.

    Left out of the stream's fingerprint (model_dump), which a saved position must match: the
    tolerance changes nothing asked of the source, so changing it must not send a stream back to
    the start.
    """
    return Field(default_factory=AheadTolerance, exclude=True)


MEGABYTE = 1_000_000
DEFAULT_MAX_RESPONSE_MB = 64
"""64 MB is 64,000 records of 1 kB, far past the page sizes APIs are asked for. A page is held as it
came, and its records decoded a batch at a time (connectors.json_body), so a page at the limit of the
densest small records takes a sync to some 260 MB (docs/reliability.md): the limit bounds the memory
one response takes."""


class Timeouts(StrictModel):
    connect: PositiveFloat = 10
    read: PositiveFloat = Field(default=60, description="the longest silence while waiting or reading")
    total: PositiveFloat = Field(default=300, description="one request, all attempts and waits included")


class RetryPolicy(StrictModel):
    budget_seconds: float = Field(default=300, ge=0, description="total waiting allowed per run")
    max_attempts: int = Field(default=8, ge=1, description="attempts per request, the first included")
    backoff_initial_seconds: PositiveFloat = 1
    backoff_max_seconds: PositiveFloat = 60
