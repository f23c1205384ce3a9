"""What every command shares when it ends: exit codes, the run-failed error and JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

import click

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, EXIT_RUN_PARTIAL = 0, 1, 2, 3


class RunFailed(click.ClickException):
    exit_code = EXIT_RUN_FAILED


class RunPartial(click.ClickException):
    """A run ended `partial`: it kept what it read but did not finish, so cron and systemd should alert."""

    exit_code = EXIT_RUN_PARTIAL


class UsageError(click.ClickException):
    exit_code = EXIT_USAGE


def emit_json(data: Any, compact: Callable[[], Iterable[str]] | None = None) -> None:
    """Indented for a person at a terminal; compact into a pipe or file, where the indenting
    encoder (pure Python) costs seconds on a large whiteboard and the reader is a program.

    `compact`, when given, yields that compact text in pieces, faster than encoding the data whole;
    `data` may then be a function that makes the data, called only for a terminal."""
    if sys.stdout.isatty():
        click.echo(json.dumps(_made(data), indent=2, default=str))
    elif compact is not None:
        for piece in compact():
            sys.stdout.write(piece)
        sys.stdout.write("\n")
        sys.stdout.flush()
    else:
        click.echo(json.dumps(_made(data), default=str))


def _made(data: Any) -> Any:
    return data() if callable(data) else data
