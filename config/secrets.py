"""Secrets are referenced (`*_env`, `*_file`), resolved when used, and never written inline."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

SECRET_KEY = re.compile(
    r"((^|_)(password|passwd|secret|token|apikey|credentials?)|_key)$",
    re.IGNORECASE,
)
"""Keys that would hold a secret if given a value; `password_env` or `key_file` is how to refer to one."""


class SecretError(Exception):
    """A secret reference that cannot be resolved; the message names the reference, not the value."""


def resolve_secret(env: str | None = None, file: str | None = None) -> str:
    """Read a secret from an environment variable or a file (trailing newline stripped)."""
    if (env is None) == (file is None):
        raise SecretError("a secret reference needs exactly one of env or file")
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise SecretError(f"environment variable {env} is not set or empty")
        return value
    assert file is not None
    path = Path(file).expanduser()
    try:
        value = path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise SecretError(f"secret file {path} cannot be read: {exc.strerror}") from None
    if not value:
        raise SecretError(f"secret file {path} is empty")
    return value


def inline_secrets(tree: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Key paths in a parsed YAML tree where a secret-like key holds a value instead of a reference."""
    if isinstance(tree, Mapping):
        for key, value in tree.items():
            here = (*path, key)
            if isinstance(key, str) and SECRET_KEY.search(key) and isinstance(value, str | int | float):
                yield here
            else:
                yield from inline_secrets(value, here)
    elif isinstance(tree, list):
        for index, item in enumerate(tree):
            yield from inline_secrets(item, (*path, index))
