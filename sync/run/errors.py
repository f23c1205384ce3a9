"""How a run ends when it does not succeed: the classes the runner sorts failures by, and the
one-line summary of a failure that the run history keeps."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from connectors.errors import ConnectorError
from store.write.lease import LeaseLost


class EndsPartial(Exception):
    """Ends the run partial: its staged batches wait, and the next incremental run carries them on."""


class Stopped(EndsPartial):
    """A stop was asked for (SIGTERM); the batch in hand was staged and the run ends here."""


class TimeLimitReached(EndsPartial):
    """The run's wall-clock bound passed; what was staged waits and the next run carries it on."""


class ReadShortfall(EndsPartial):
    """The source holds records the read could not deliver: the rest is published, nothing deleted."""


class RunRefused(Exception):
    """Fails the run for a reason the operator can act on, said in a message safe to record."""


class NoSuchCase(RunRefused):
    """A one-case resync found the case neither in the source nor in the store: likely a typo."""


class NotRefused(RunRefused):
    """`accept` named a run with no refused read waiting: another run, an old one, or a typo."""


EXPECTED_FAILURES: tuple[type[Exception], ...] = (ConnectorError, LeaseLost, RunRefused)
"""What fails a run as expected: a source's failure (a connector's own family, case filters
included), a lease taken over, a refusal. Their messages carry no record contents, SQL parameters
or secrets, and no traceback is logged; anything else fails the run as unexpected."""


def _store_busy(exc: OperationalError) -> bool:
    """SQLite's own words for a lock held past the busy timeout (the message carries no values)."""
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)


def safe_error(exc: BaseException, case_ref: str | None = None) -> str:
    """An error summary fit for the run history: no record contents, SQL parameters or secrets.

    A per-case run's own case reference is masked: a connector's message may carry it in a path.
    """
    if isinstance(exc, (EndsPartial, *EXPECTED_FAILURES)):
        text = f"{type(exc).__name__}: {exc}"
        if case_ref:
            text = text.replace(case_ref, "<case>")
        return text
    if isinstance(exc, OperationalError) and _store_busy(exc):
        return "store busy: another writer held it past the busy timeout; staged batches are kept"
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or isinstance(exc, OperationalError)):
        return f"store connection lost ({type(exc.orig).__name__}); staged batches are kept"
    if isinstance(exc, DBAPIError):
        return f"store error: {type(exc.orig).__name__}"
    return f"{type(exc).__name__} (see the daemon's log for the traceback)"


def not_started(exc: BaseException) -> str:
    """Why a run never started, the store having refused its first row or its opening: one line, the
    same whether the failed run could be recorded or not."""
    return safe_error(exc).split(";")[0] + "; the run did not start"
