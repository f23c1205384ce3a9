"""What every command needs: the validated configuration and the store, opened once, lazily.

Nothing heavy is imported until a command asks for it, so `sofs-sync --help` starts at once.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from config.loader import Config
    from config.settings import Settings


class App:
    def __init__(self, config_option: str | None) -> None:
        self.config_option = config_option

    @cached_property
    def config_path(self) -> Path:
        from config.settings import settings_path

        return settings_path(self.config_option)

    @cached_property
    def config(self) -> Config:
        from config.loader import load_config

        return load_config(self.config_path)

    def config_of(self, codes: Collection[str]) -> Config:
        """The configuration with only these authorities' files validated, for a run of them alone:
        a sync from cron neither waits for nor fails on every other authority's file (`status` and
        `check` name those). When one of them is not found so, every file is loaded, so the error
        names every authority known and every file left out, as for any command. With no codes, all."""
        if not codes or "config" in vars(self):
            return self.config
        from config.loader import load_config

        config = load_config(self.config_path, only=codes)
        if not set(codes) <= set(config.authorities):
            return self.config
        vars(self)["settings"] = config.settings  # validated already: the store needs no other file
        return config

    @cached_property
    def settings(self) -> Settings:
        """The settings file, validated: what opening the store needs, whichever authorities are loaded."""
        return self.config.settings

    @cached_property
    def engine(self) -> Engine:
        from sqlalchemy.engine import make_url

        from config.errors import ConfigError
        from config.secrets import SecretError, resolve_secret
        from store.schema.engine import make_engine, store_url

        settings = self.settings
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
        from store.schema.upgrade import is_current

        if not is_current(self.engine):
            raise StoreNotReady("the store is missing or out of date: run `sofs-sync init` first")
        return self.engine


class StoreNotReady(Exception):
    pass
