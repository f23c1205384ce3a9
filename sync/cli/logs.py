"""The one logging setup: structlog, JSON lines off a terminal, and an allow-list of what may be logged.

Children's social care data must never reach a log. Rather than trying to spot secrets and
identifiers, only keys on the allow-list pass; anything else is replaced by a marker, so a careless
`log.info("x", case_ref=...)` shows up as `[withheld]` instead of leaking.
"""

from __future__ import annotations

import logging
import sys
import traceback
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
        "orphaned",
        "superseded",
        "deleted",
        "inserted",
        "updated",
        "duplicates",
        "ahead",
        "guards",
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
OWN_PACKAGES = frozenset({"config", "connectors", "mapping", "store", "sync"})


def allow_listed(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace the value of every key that is not on the allow-list."""
    for key in list(event):
        if key not in ALLOWED_KEYS:
            event[key] = WITHHELD
    return event


def _stack_only(exc: BaseException) -> str:
    """Where an exception happened (frames and classes), never its message: a driver's message can
    carry SQL parameters, and so record values."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 10:
        name = f"{type(current).__module__}.{type(current).__qualname__}"
        parts.append("".join(traceback.format_tb(current.__traceback__)) + f"{name}: [message withheld]")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n\nwhich led to:\n".join(reversed(parts))


def withhold_exception_messages(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Render `exc_info` as a traceback without exception messages."""
    exc_info = event.pop("exc_info", None)
    if isinstance(exc_info, BaseException):
        exc: BaseException | None = exc_info
    elif isinstance(exc_info, tuple):
        exc = exc_info[1]
    else:
        exc = sys.exc_info()[1] if exc_info else None
    if exc is not None:
        event["exception"] = _stack_only(exc)
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
            withhold_exception_messages,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )


class _ToStructlog(logging.Handler):
    """Standard-library log records as allow-listed JSON lines.

    Messages of our own modules pass; a third-party message is free text (urllib3 writes whole URLs,
    query strings included), so only its logger name, level and error class do.
    """

    def emit(self, record: logging.LogRecord) -> None:
        own = record.name.split(".", 1)[0] in OWN_PACKAGES
        try:
            event = record.getMessage() if own else "library log"
        except Exception:  # noqa: BLE001 - a malformed message must not break logging
            event = "unformattable log message"
        fields: dict[str, Any] = {"logger": record.name}
        if record.exc_info and record.exc_info[0] is not None:
            fields["error_class"] = record.exc_info[0].__name__
        structlog.get_logger("sofs_sync.stdlib").log(record.levelno, event, **fields)


def route_stdlib_logging(level: str) -> None:
    """Send standard-library logging through structlog's allow-list, as JSON lines like the rest."""
    logging.captureWarnings(True)  # a library's DeprecationWarning too, not a bare stderr line
    root = logging.getLogger()
    root.handlers = [_ToStructlog()]
    root.setLevel(logging.WARNING)
    for package in OWN_PACKAGES:
        logging.getLogger(package).setLevel(level.upper())
    # Missed and overlapping fire times are reported by the daemon's own listener, with metrics.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
