"""Config errors that tell an ops person which file, which key and what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from config.keys import unknown_key_message


class ConfigError(Exception):
    """One or more problems in configuration files; each line names the file and key path."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def key_path(location: Iterable[str | int]) -> str:
    """`mapping.evidence.fields.element.patterns.1.element`: list items by index, as YAML paths go."""
    return ".".join(str(part) for part in location) or "(top level)"


def from_validation(
    file: Path,
    error: ValidationError,
    prefix: tuple[str | int, ...] = (),
    model: type[BaseModel] | None = None,
) -> ConfigError:
    """Turn pydantic's errors into one located line each, without echoing secret values back.

    With the model validated, an unknown key is answered with the keys allowed there.
    """
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        location = [p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if item["type"] == "extra_forbidden" and model is not None and location:
            message = unknown_key_message(model, item["loc"])
        problems.append(f"{file}: {key_path((*prefix, *location))}: {message}")
    return ConfigError(problems)
