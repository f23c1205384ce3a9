"""The one logging setup: structlog, JSON lines off a terminal, and an allow-list of what may be logged.

Children's social care data must never reach a log. Rather than trying to spot secrets and
identifiers, only keys on the allow-list pass; anything else is replaced by a marker, so a careless
`log.info("x", case_ref=...)` shows up as `[withheld]` instead of leaking.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

ALLOWED_KEYS = frozenset(
    {
        # structlog's own
        "event",
        "level",
        "timestamp",
        "logger",
        "exc_info",
        "exception",
        # what a run is and how it went
        "run_id",
        "authority",
        "stream",
        "trigger",
        "mode",
        "outcome",
        "requested_by",
        "batch",
        "batches",
        "records",
        "read",
        "written",
        "unchanged",
        "quarantined",
        "not_evidence",
        "deleted",
        "duration_s",
        "rate_per_s",
        "cases_recomputed",
        # failures, described by class and place, never by content
        "error",
        "error_class",
        "status_code",
        "path",
        "attempt",
        "wait_s",
        "retry_budget_s",
        # the daemon
        "job_id",
        "next_run",
        "jobs",
        "port",
        "host",
        "config",
        "signal",
        "reason_given",
        "holder",
        "lease",
        "revision",
        "store",
        "elements",
        "authorities",
        "count",
        "added",
        "removed",
        "rescheduled",
        "problems",
        "workers",
        "stop_timeout_s",
    }
)
WITHHELD = "[withheld]"


def allow_listed(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace the value of every key that is not on the allow-list."""
    for key in list(event):
        if key not in ALLOWED_KEYS:
            event[key] = WITHHELD
    return event


def configure_logging(level: str = "info", stream: TextIO | None = None, json: bool | None = None) -> None:
    """Set up structlog once per process: JSON when not on a terminal, readable output on one."""
    out = stream or sys.stderr
    as_json = not out.isatty() if json is None else json
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            allow_listed,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
