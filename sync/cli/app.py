"""What every command needs: the validated configuration and the store, opened once, lazily."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from config.errors import ConfigError
from config.loader import Config, load_config
from config.secrets import SecretError, resolve_secret
from config.settings import settings_path
from store.engine import make_engine, store_url
from store.schema import is_current


class App:
    def __init__(self, config_path: str | None) -> None:
        self.config_path: Path = settings_path(config_path)

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    @cached_property
    def engine(self) -> Engine:
        settings = self.config.settings
        url = make_url(store_url(settings.file.store.url, settings.base_dir))
        store = settings.file.store
        if store.password_env or store.password_file:
            try:
                url = url.set(password=resolve_secret(env=store.password_env, file=store.password_file))
            except SecretError as exc:
                raise ConfigError([f"{settings.path}: store: {exc}"]) from None
        return make_engine(url.render_as_string(hide_password=False))

    def ready_engine(self) -> Engine:
        """The store, refusing to run against one that `init` has not brought up to date."""
        if not is_current(self.engine):
            raise StoreNotReady("the store is missing or out of date: run `sofs-sync init` first")
        return self.engine


class StoreNotReady(Exception):
    pass
