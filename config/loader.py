"""Loading the whole configuration at once, so that every problem is reported before anything runs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.authority import Authority, AuthorityFile
from config.errors import ConfigError, from_validation
from config.schedule import Schedule
from config.secrets import inline_secrets, resolve_secret
from config.settings import Settings, load_settings
from config.yamlfile import read_yaml
from connectors.registry import UnknownConnectorType, connector_type
from connectors.sql_config import sqlite_relative_to
from mapping.checks import mapping_problems


@dataclass(frozen=True)
class Config:
    settings: Settings
    authorities: dict[str, Authority]
    broken: dict[Path, list[str]] = field(default_factory=dict)
    """Authority files that did not validate, with their problems: only those authorities stop."""

    def authority(self, code: str) -> Authority:
        try:
            return self.authorities[code]
        except KeyError:
            for path, problems in self.broken.items():
                if path.stem == code:
                    raise ConfigError(problems) from None
            known = ", ".join(sorted(self.authorities)) or "none configured"
            raise ConfigError([f"unknown authority {code!r} (known: {known})"]) from None

    @property
    def problems(self) -> list[str]:
        return [problem for problems in self.broken.values() for problem in problems]

    def require_all_valid(self) -> Config:
        """For a reload that must not half-apply: every authority file good, or a ConfigError."""
        if self.broken:
            raise ConfigError(self.problems)
        return self

    def run_time_limit(self, code: str) -> timedelta:
        """How long one run of the authority may go on: its own limit, else the settings' default."""
        minutes = self.authority(code).file.max_run_minutes or self.settings.file.max_run_minutes
        return timedelta(minutes=minutes)

    def enabled_codes(self) -> list[str]:
        """The authorities the daemon schedules and a plain `sofs-sync sync` runs, by code."""
        return sorted(code for code, authority in self.authorities.items() if authority.file.enabled)

    def schedule_for(self, code: str) -> Schedule:
        """The authority's own schedule, or the settings' default one."""
        return self.authority(code).file.schedule or self.settings.file.schedule


def load_config(path: Path, only: Collection[str] | None = None) -> Config:
    """Validate the settings and every authority file, each on its own.

    A bad settings file (or no authorities folder) is a ConfigError: nothing can run. A bad
    authority file stops that authority only; it is kept in `broken` with every problem found.

    With `only`, just those authorities' files are validated (a file is theirs by its `code`, or by
    its name when its code cannot be read), for a command that serves them alone: a run of one
    authority neither waits for nor answers for the others' files, which `status` and `check` name.
    The files are taken in the same order, and the first good file of a code is the one a full load
    keeps too, so the reading stops once each named authority has one.
    """
    settings = load_settings(path)
    folder = settings.authorities_dir
    if not folder.is_dir():
        raise ConfigError([f"{settings.path}: authorities_dir: folder {folder} not found"])
    broken: dict[Path, list[str]] = {}
    authorities: dict[str, Authority] = {}
    for file in sorted(folder.glob("*.y*ml")):
        if only is not None and not _is_one_of(file, only):
            continue
        try:
            authority = load_authority(file, settings)
        except ConfigError as exc:
            broken[file] = exc.problems
            continue
        if authority.code in authorities:
            other = authorities[authority.code].path.name
            broken[file] = [f"{file}: code: {authority.code!r} is already used by {other}"]
            continue
        authorities[authority.code] = authority
        if only is not None and set(only) <= set(authorities):
            break
    return Config(settings=settings, authorities=authorities, broken=broken)


def _is_one_of(file: Path, codes: Collection[str]) -> bool:
    """Whether an authority file is one of these authorities': the file a full load would take for
    each of them is among those this says yes to, so a partial load picks the same one."""
    if file.stem in codes:
        return True
    try:
        code = read_yaml(file).get("code")
    except ConfigError:
        return False  # unreadable: a full load names it, and only by its file name
    return isinstance(code, str) and code in codes


def load_authority(path: Path, settings: Settings) -> Authority:
    raw = read_yaml(path)
    # The mapping's keys are source words and schema fields, never options: a source code such as
    # `case_file` or `folder` is neither a secret nor a path, and its tree is most of the file.
    options = {key: value for key, value in raw.items() if key != "mapping"}
    inline = list(inline_secrets(options))
    if inline:
        raise ConfigError(
            [
                f"{path}: {'.'.join(map(str, p))}: secrets are referenced (*_env or *_file), never inline"
                for p in inline
            ]
        )
    _resolve_relative_paths(options, path.parent)
    raw.update(options)
    try:
        file = AuthorityFile.model_validate(raw)
    except ValidationError as exc:
        raise from_validation(path, exc, model=AuthorityFile) from None

    try:
        cls = connector_type(file.connector.type)
    except UnknownConnectorType as exc:
        raise ConfigError([f"{path}: connector.type: {exc}"]) from None
    try:
        connector_config = cls.config_model.model_validate(file.connector.model_dump(exclude={"type"}))
    except ValidationError as exc:
        raise from_validation(path, exc, prefix=("connector",), model=cls.config_model) from None

    problems = [
        f"{path}: timeliness.{key}: unknown element; expected one of {list(settings.element_keys)}"
        for key in file.timeliness
        if key not in settings.element_keys
    ]
    problems += [
        f"{path}: mapping.{problem}"
        for problem in mapping_problems(file.mapping, settings.element_keys, file.audit_scale)
    ]
    policy = file.identifiers
    if policy.needs_key and policy.key_env is None and policy.key_file is None:
        problems.append(
            f"{path}: identifiers: pseudonymising (worker: {policy.worker}, case_ref: {policy.case_ref}) "
            "needs the authority's key as key_env or key_file; or set worker: keep or drop"
        )
    offered = set(cls(connector_config, resolve_secret).streams())
    problems += [
        f"{path}: mapping.{stream}: the {file.connector.type} connector offers no stream {stream!r} "
        f"(configured: {sorted(offered)})"
        for stream in file.mapping.streams()
        if stream not in offered
    ]
    if problems:
        raise ConfigError(problems)
    return Authority(path=path, file=file, connector_config=connector_config)


PATH_KEYS = ("folder", "ca_bundle")


def _resolve_relative_paths(tree: Any, base: Path) -> None:
    """Paths in an authority file (`folder`, `ca_bundle`, `*_file`, a SQLite `url`) are relative to that
    file, as the store URL is relative to the settings file: never to wherever a command was started."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            is_path = isinstance(key, str) and (key in PATH_KEYS or key.endswith("_file"))
            if is_path and isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
                tree[key] = str((base / value).resolve())
            elif key == "url" and isinstance(value, str):
                tree[key] = sqlite_relative_to(value, base)
            else:
                _resolve_relative_paths(value, base)
    elif isinstance(tree, list):
        for item in tree:
            _resolve_relative_paths(item, base)
