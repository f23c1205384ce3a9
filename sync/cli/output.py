"""What every command shares when it ends: exit codes, the run-failed error and JSON output."""

from __future__ import annotations

import json
import sys
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


def emit_json(data: Any) -> None:
    """Indented for a person at a terminal; compact into a pipe or file, where the indenting
    encoder (pure Python) costs seconds on a large whiteboard and the reader is a program."""
    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(data, indent=indent, default=str))
