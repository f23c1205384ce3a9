"""The settings file: where the store is, where authority files live, the element catalogue."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.errors import ConfigError, from_validation
from config.schedule import Interval, Schedule, known_zone, valid_cron
from config.secrets import inline_secrets
from config.yamlfile import read_yaml
from connectors.sql_config import database_url_without_credentials
from mapping.elements import CatalogueChanges, Element, build_catalogue

CONFIG_ENV = "SOFS_SYNC_CONFIG"
DEFAULT_CONFIG = Path("config/sofs-sync.yaml")


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        default="sqlite:///sofs-sync.db",
        description="Any SQLAlchemy URL without a password; a relative SQLite path is relative to the "
        "settings file.",
    )
    password_env: str | None = None
    password_file: str | None = None

    _url_without_credentials = field_validator("url")(database_url_without_credentials)


class DaemonSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status_recompute_cron: str = Field(
        default="15 0 * * *",
        description="When the daily job recomputes time-dependent statuses (overdue, review due).",
    )
    timezone: str = "Europe/London"

    _valid_cron = field_validator("status_recompute_cron")(valid_cron)
    _valid_zone = field_validator("timezone")(known_zone)
    unhealthy_after_hours: float = Field(
        default=26.0,
        gt=0,
        description="An authority whose last success is older than this makes /healthz answer 503.",
    )


class DashboardSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publish_dir: str | None = None
    """Where the daemon republishes the whiteboard site after each sync (relative to the settings
    file); unset, it publishes nothing and `sofs-sync publish --out DIR` does it by hand."""


class SettingsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store: StoreSettings = Field(default_factory=StoreSettings)
    authorities_dir: str = "authorities"
    elements: CatalogueChanges = Field(default_factory=CatalogueChanges)
    schedule: Schedule = Field(
        default_factory=lambda: Schedule(interval=Interval(hours=1)),
        description="The default schedule for authorities whose file has none.",
    )
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    log_level: str = Field(default="info", pattern="^(debug|info|warning|error)$")
    max_run_minutes: float = Field(
        default=60,
        gt=0,
        description="A run still going after this ends `partial` after its current batch; the next run "
        "resumes.",
    )


@dataclass(frozen=True)
class Settings:
    """Validated settings, with paths resolved against the settings file's folder."""

    path: Path
    file: SettingsFile
    catalogue: tuple[Element, ...]

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def authorities_dir(self) -> Path:
        return (self.base_dir / self.file.authorities_dir).resolve()

    @property
    def publish_dir(self) -> Path | None:
        folder = self.file.dashboard.publish_dir
        return (self.base_dir / folder).absolute() if folder else None

    @property
    def element_keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.catalogue)


def settings_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--config`, else `$SOFS_SYNC_CONFIG`, else config/sofs-sync.yaml in the working folder."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG).expanduser().resolve()


def load_settings(path: Path) -> Settings:
    if not path.is_file():
        raise ConfigError(
            [
                f"{path}: settings file not found (give --config or set {CONFIG_ENV}); "
                f"`sofs-sync --config {path} init` writes a commented one"
            ]
        )
    raw = read_yaml(path)
    inline = [".".join(map(str, p)) for p in inline_secrets(raw)]
    if inline:
        raise ConfigError(
            [f"{path}: {key}: secrets are referenced (*_env or *_file), never inline" for key in inline]
        )
    try:
        file = SettingsFile.model_validate(raw)
    except ValidationError as exc:
        raise from_validation(path, exc, model=SettingsFile) from None
    try:
        catalogue = build_catalogue(file.elements)
    except ValueError as exc:
        raise ConfigError([f"{path}: elements: {exc}"]) from None
    return Settings(path=path, file=file, catalogue=catalogue)
