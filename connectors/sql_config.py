"""The `connector:` block of a `type: sql` authority: a database URL and one SELECT per stream."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PositiveInt, field_validator, model_validator

from connectors.config_blocks import (
    AheadTolerance,
    Lookback,
    StrictModel,
    ahead_tolerance,
    check_required_streams,
    check_secret_ref,
    no_credentials,
)


def uses_param(query: str, name: str) -> bool:
    """Whether the SQL text binds `:name` (a PostgreSQL cast such as `x::date` does not count)."""
    return re.search(rf"(?<![:\w\\]):{name}\b", query) is not None


def database_url_without_credentials(url: str) -> str:
    """A database URL that carries no password, in its user info or in its query string."""
    # SQLAlchemy is imported when a URL is checked, not when the models are built: `schema` and
    # `new-authority` use the models and never check a URL.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("not a SQLAlchemy database URL (dialect+driver://user@host/database)") from None
    if parsed.password is not None:
        raise ValueError("the URL holds a password: move it to password_env or password_file")
    no_credentials(dict(parsed.query), "URL query parameter", "password_env or password_file")
    return url


def sqlite_relative_to(url: str, base: Path) -> str:
    """A SQLite URL whose relative path is taken from `base` (the file that names it); others as given."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # the model's own validator reports it
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    if parsed.database.startswith("file:") or Path(parsed.database).expanduser().is_absolute():
        return url
    return parsed.set(database=str((base / parsed.database).resolve())).render_as_string(hide_password=False)


class SqlStream(StrictModel):
    """A SELECT whose rows are the stream's records.

    With a `cursor_field` the query must bind `:watermark` as `cursor >= :watermark` and order by the
    cursor (then by a tiebreak, and by `group_by` when set), so a stopped run can resume.
    """

    query: str = Field(min_length=1)
    cursor_field: str | None = Field(default=None, description="result column holding the change time")
    initial_watermark: str | int = Field(default="1900-01-01", description="bound on the very first run")
    lookback: Lookback = Field(default_factory=Lookback)
    ahead_tolerance: AheadTolerance = ahead_tolerance()
    group_by: str | None = Field(default=None, description="rows sharing this column stay in one batch")
    case_query: str | None = Field(default=None, description="the same rows for one case, bound :case_ref")

    @model_validator(mode="after")
    def _parameters_match(self) -> SqlStream:
        if self.cursor_field and not uses_param(self.query, "watermark"):
            raise ValueError("query must bind :watermark when cursor_field is set")
        if not self.cursor_field and uses_param(self.query, "watermark"):
            raise ValueError("query binds :watermark but no cursor_field names the column to track")
        if not self.cursor_field and self.lookback.delta:
            raise ValueError("lookback needs a cursor_field")
        if self.case_query is not None and not uses_param(self.case_query, "case_ref"):
            raise ValueError("case_query must bind :case_ref")
        return self


class SqlConfig(StrictModel):
    """Any SQLAlchemy URL; the password, when one is needed, is referenced and set at connect time."""

    type: Literal["sql"] = "sql"
    url: str = Field(min_length=1)
    password_env: str | None = None
    password_file: str | None = None
    batch_size: PositiveInt = 1000
    column_names: Literal["as_is", "upper", "lower"] = Field(
        default="as_is", description="PostgreSQL folds unquoted names to lower case; pick one spelling"
    )
    connect_args: dict[str, str | int | float | bool] = Field(default_factory=dict)
    streams: dict[str, SqlStream]

    @model_validator(mode="before")
    @classmethod
    def _one_reference(cls, values: Any) -> Any:
        return check_secret_ref(values, "password", required=False)

    _url_without_credentials = field_validator("url")(database_url_without_credentials)

    @model_validator(mode="after")
    def _no_password_for_sqlite(self) -> SqlConfig:
        given = [k for k in ("password_env", "password_file") if getattr(self, k)]
        if given and self.url.startswith("sqlite"):
            raise ValueError(
                f"a SQLite database is a file and takes no password: remove {' and '.join(given)} "
                "(the file's own permissions guard it)"
            )
        return self

    @field_validator("connect_args")
    @classmethod
    def _plain_connect_args(cls, args: dict[str, Any]) -> dict[str, Any]:
        return no_credentials(args, "connect_args key", "password_env or password_file")

    @field_validator("streams")
    @classmethod
    def _required_streams(cls, streams: dict[str, SqlStream]) -> dict[str, SqlStream]:
        return check_required_streams(streams)
