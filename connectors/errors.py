"""Failures sorted by what the runner should do about them, never by parsing a message."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every failure a connector reports. Messages never carry secrets or record contents."""


class RetriableError(ConnectorError):
    """Worth trying again later: rate limits, 5xx, timeouts, dropped connections."""


class RetryBudgetExhausted(RetriableError):
    """Retries ran out within this run; what was committed stays and the next run resumes."""


class FatalError(ConnectorError):
    """Retrying will not help: bad credentials, a 4xx, a misconfigured query."""


class SourceMissing(FatalError):
    """The configuration names a source that is not there (a mistyped file path): not an outage."""


class HttpRetriable(RetriableError):
    """A retriable HTTP failure, carrying the server's requested wait when it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthorized(FatalError):
    """HTTP 401: the credentials were refused."""


class ResponseTooLarge(FatalError):
    """A body past the byte limit: asking again would only read the same endless or oversized page."""
