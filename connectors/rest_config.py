"""The `connector:` block of a `type: rest` authority: what an ops person declares about an API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field, field_validator, model_validator

from connectors.auth import AuthConfig, NoAuth
from connectors.config_blocks import (
    DEFAULT_MAX_RESPONSE_MB,
    AheadTolerance,
    Lookback,
    RetryPolicy,
    StrictModel,
    Timeouts,
    ahead_tolerance,
    check_required_streams,
    no_credentials,
)
from connectors.pagination import PaginationConfig, SinglePage
from mapping.timeformats import CURSOR_FORMATS, TimeFormat, time_format


class RestIncremental(StrictModel):
    """Ask only for records changed since the stored watermark, less a lookback."""

    cursor_field: str = Field(min_length=1, description="dotted path of the change time in a record")
    param: str = Field(min_length=1, description="query parameter carrying the watermark")
    param_format: str = "iso"
    cursor_format: str = "iso"
    lookback: Lookback = Field(default_factory=Lookback)
    ahead_tolerance: AheadTolerance = ahead_tolerance()
    start: datetime | None = Field(default=None, description="where the first run starts; default all")

    @field_validator("param_format", "cursor_format")
    @classmethod
    def _known_format(cls, spec: str) -> str:
        time_format(spec, CURSOR_FORMATS)
        return spec

    @property
    def param_time(self) -> TimeFormat:
        return time_format(self.param_format, CURSOR_FORMATS)

    @property
    def cursor_time(self) -> TimeFormat:
        return time_format(self.cursor_format, CURSOR_FORMATS)


class CaseFilter(StrictModel):
    """How to ask for one case: a path template (`/cases/{case_ref}/forms`) or a query parameter."""

    path: str | None = None
    param: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CaseFilter:
        if (self.path is None) == (self.param is None):
            raise ValueError("give exactly one of path or param")
        if self.path is not None and "{case_ref}" not in self.path:
            raise ValueError("path must contain {case_ref}")
        return self


class RestStream(StrictModel):
    path: str = Field(min_length=1, description="appended to base_url, e.g. /cases")
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    records_path: str | None = Field(default=None, description="dotted path of the record list")
    pagination: PaginationConfig = Field(default_factory=SinglePage)
    incremental: RestIncremental | None = None
    case_filter: CaseFilter | None = None

    @field_validator("params")
    @classmethod
    def _plain_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        return no_credentials(params, "query parameter", "auth:")

    @field_validator("path")
    @classmethod
    def _plain_path_query(cls, path: str) -> str:
        """A key written into the path's query string is as inline as one in `params`."""
        no_credentials(dict(parse_qsl(urlsplit(path).query)), "query parameter in path", "auth:")
        return path


class RestConfig(StrictModel):
    """A declarative REST source. There is deliberately no option to switch TLS verification off."""

    type: Literal["rest"] = "rest"
    base_url: str = Field(pattern=r"^https?://[^/?#]+", description="scheme and host, optionally a path")
    ca_bundle: str | None = Field(default=None, description="PEM file of the LA's private CA")
    headers: dict[str, str] = Field(default_factory=dict)
    timeouts: Timeouts = Field(default_factory=Timeouts)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    max_response_mb: int = Field(
        default=DEFAULT_MAX_RESPONSE_MB,
        ge=1,
        le=1024,
        description="the largest response body read, in MB; a larger or endless one fails the run",
    )
    auth: AuthConfig = Field(default_factory=NoAuth)
    streams: dict[str, RestStream]

    @field_validator("base_url")
    @classmethod
    def _no_user_info(cls, base_url: str) -> str:
        """`http://user:pass@host` would put a password in config and in `check`'s output."""
        parts = urlsplit(base_url)
        if parts.username is not None or parts.password is not None:
            raise ValueError("the URL holds user info (user:password@): use auth: with *_env or *_file")
        no_credentials(dict(parse_qsl(parts.query)), "URL query parameter", "auth:")
        return base_url

    @field_validator("headers")
    @classmethod
    def _plain_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        return no_credentials(headers, "header", "auth:")

    @field_validator("streams")
    @classmethod
    def _required_streams(cls, streams: dict[str, RestStream]) -> dict[str, RestStream]:
        return check_required_streams(streams)
