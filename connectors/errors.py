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
