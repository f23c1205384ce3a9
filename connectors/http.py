"""The one HTTP client of the connectors: a pooled session, TLS always verified, timeouts, retries.

Every request has a total deadline (`timeouts.total`) over all its attempts and waits, and the body is
read a piece at a time against it: the read timeout bounds only the gap between two pieces, so a
server dripping a byte a second would otherwise hold a run for ever. The body is also read against a
byte limit (`max_response_mb`): a page that never ends, or one far larger than any sane page, fails
the request as soon as it passes the limit, so the process never holds more than one bounded body.

Retries follow the house rule: 429 and 503 wait what `Retry-After` says, other 5xx and dropped
connections back off exponentially with jitter up to a cap, all within one retry budget per connector
instance (one run); other 4xx fail at once, saying what the API said (connectors.error_body). Messages
name the method, host and path, never the query string, which may carry keys.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from connectors import json_body
from connectors.config_blocks import DEFAULT_MAX_RESPONSE_MB, MEGABYTE, RetryPolicy, Timeouts
from connectors.error_body import status_line
from connectors.errors import (
    FatalError,
    HttpRetriable,
    ResponseTooLarge,
    RetriableError,
    RetryBudgetExhausted,
    Unauthorized,
)
from mapping.paths import Path

if TYPE_CHECKING:
    # requests, urllib3 and tenacity are imported where a request is sent: loading an authority file
    # (its auth models import this module) then costs none of them.
    import requests
    from tenacity import RetryCallState

Sleeper = Callable[[float], None]
Clock = Callable[[], float]
"""Seconds since the epoch, like `time.time`; injected so tests control Retry-After dates and expiry."""

RETRY_AFTER_STATUSES = frozenset({429, 503})
BODY_PIECE = 64 * 1024


@dataclass(frozen=True)
class JsonResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    links: Mapping[str, Mapping[str, str]]
    body: Any


class RequestAuth:
    """What the client asks of an authenticator; see connectors.auth."""

    def apply(self, request: requests.PreparedRequest) -> None:
        """Add credentials to an outgoing request."""

    def refresh(self) -> bool:
        """Drop cached credentials after a 401; True if a fresh attempt is worth making."""
        return False

    def secret_params(self) -> set[str]:
        """Query parameters that carry a secret, to be scrubbed from anything stored."""
        return set()


def where(method: str, url: str) -> str:
    """`GET host/path`, safe for messages and logs: no query string, no user info."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{method} {host}{parts.path or '/'}"


@dataclass
class _Budget:
    seconds: float
    spent: float = field(default=0.0)


class HttpClient:
    """One requests.Session per connector, so connections are pooled across pages and streams."""

    def __init__(
        self,
        *,
        timeouts: Timeouts,
        retry: RetryPolicy,
        ca_bundle: str | None = None,
        headers: Mapping[str, str] | None = None,
        sleeper: Sleeper = time.sleep,
        clock: Clock = time.time,
        max_response_mb: int = DEFAULT_MAX_RESPONSE_MB,
    ) -> None:
        self.max_body_bytes = max_response_mb * MEGABYTE
        self.ca_bundle = ca_bundle
        self.headers = dict(headers or {})
        self.timeouts = timeouts
        self.retry = retry
        self.sleeper = sleeper
        self.clock = clock
        self._budget = _Budget(retry.budget_seconds)
        self._waiting_at_terminal: float | None = None

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Each request inside gives up, retries and all, after `seconds` (or `timeouts.total` if less).

        For interactive use: `check` must say a source is unreachable within seconds, where a run
        rightly spends minutes of its retry budget riding out an outage.
        """
        self._waiting_at_terminal = seconds
        try:
            yield
        finally:
            self._waiting_at_terminal = None

    def _total(self) -> float:
        """The deadline of one request, all attempts and waits included."""
        if self._waiting_at_terminal is None:
            return self.timeouts.total
        return min(self.timeouts.total, self._waiting_at_terminal)

    @cached_property
    def session(self) -> requests.Session:
        """Made at the first request, so that validating a config builds a connector without requests."""
        import requests

        session = requests.Session()
        # TLS verification is always on; an LA with a private CA names its bundle instead.
        session.verify = self.ca_bundle or True
        session.headers.update(self.headers)
        return session

    def close(self) -> None:
        if "session" in vars(self):  # never made: no request was sent
            self.session.close()

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        auth: RequestAuth | None = None,
        record_list: Path | None = None,
    ) -> JsonResponse:
        """GET a JSON body; a list at `record_list` is checked but decoded only as it is iterated."""
        return self.send("GET", url, params=params, auth=auth, record_list=record_list)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        auth: RequestAuth | None = None,
        basic: tuple[str, str] | None = None,
        record_list: Path | None = None,
    ) -> JsonResponse:
        """Send with retries; return the parsed JSON body or raise a classified ConnectorError."""
        from tenacity import Retrying, retry_if_exception_type, retry_if_not_exception_type

        deadline = self.clock() + self._total()
        retrying = Retrying(
            # A budget already spent (say, by the token request inside this one) ends the run as it is.
            retry=retry_if_exception_type(RetriableError) & retry_if_not_exception_type(RetryBudgetExhausted),
            wait=self._wait,
            stop=lambda state: self._stop(state, deadline),
            sleep=self._sleep,
            retry_error_callback=lambda state: self._give_up(state, method, url),
        )
        exchange = (method, url, params, data, auth, basic, deadline, record_list)
        response: JsonResponse = retrying(self._attempt, *exchange)
        return response

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, str] | None,
        auth: RequestAuth | None,
        basic: tuple[str, str] | None,
        deadline: float,
        record_list: Path | None,
    ) -> JsonResponse:
        response = self._exchange(method, url, params, data, auth, basic, deadline)
        if response.status_code == 401 and auth is not None and auth.refresh():
            # A token may have been revoked early; one fresh token, then 401 means it.
            response = self._exchange(method, url, params, data, auth, basic, deadline)
        return self._interpret(method, response, record_list)

    def _exchange(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, str] | None,
        auth: RequestAuth | None,
        basic: tuple[str, str] | None,
        deadline: float,
    ) -> requests.Response:
        import requests

        request = requests.Request(method, url, params=dict(params or {}), data=data, auth=basic)
        prepared = self.session.prepare_request(request)
        if auth is not None:
            auth.apply(prepared)
        here = where(method, url)
        left = deadline - self.clock()
        if left <= 0:
            raise self._past_deadline(here)
        connect, read = min(self.timeouts.connect, left), min(self.timeouts.read, left)
        # requests bounds each socket read, not the whole response: a server dripping its headers a
        # byte at a time would hold the run for ever. The exchange runs in a thread of its own, and
        # the request is given up at the deadline; the abandoned thread ends with its connection.
        outcome: list[requests.Response | BaseException] = []

        def exchange() -> None:
            try:
                outcome.append(self._exchange_now(prepared, here, (connect, read), deadline))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread as it is
                outcome.append(exc)

        worker = threading.Thread(target=exchange, name="sofs-sync-http", daemon=True)
        worker.start()
        worker.join(timeout=max(left, 0.0))
        if not outcome:
            raise self._past_deadline(here)
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _exchange_now(
        self, prepared: requests.PreparedRequest, here: str, timeout: tuple[float, float], deadline: float
    ) -> requests.Response:
        import requests

        connect, read = timeout
        try:
            response = self.session.send(prepared, timeout=timeout, allow_redirects=True, stream=True)
            self._read_body(response, here, deadline)
            return response
        # requests' own messages quote the full URL, query string included: never pass them on.
        except requests.exceptions.SSLError:
            raise FatalError(f"{here}: TLS certificate verification failed (set ca_bundle?)") from None
        except requests.exceptions.ConnectTimeout:
            raise HttpRetriable(f"{here}: no connection within {round(connect, 1):g}s") from None
        except requests.exceptions.ReadTimeout:
            raise HttpRetriable(f"{here}: no response within {round(read, 1):g}s") from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise HttpRetriable(f"{here}: the response body was cut short or garbled") from None
        except requests.exceptions.ConnectionError:
            raise HttpRetriable(f"{here}: connection failed or was dropped") from None
        except requests.exceptions.TooManyRedirects:
            raise FatalError(f"{here}: too many redirects") from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema):
            raise FatalError(f"{here}: invalid URL") from None
        except requests.exceptions.RequestException as exc:
            raise HttpRetriable(f"{here}: request failed ({type(exc).__name__})") from None

    def _read_body(self, response: requests.Response, here: str, deadline: float) -> None:
        """Read the body piece by piece, giving up at the deadline however steadily it trickles in, and
        at the byte limit however fast it comes (decompressed bytes count, so a small gzip bomb does too)."""
        import urllib3

        raw = response.raw
        pieces: list[bytes] = []
        size = 0
        try:
            while True:
                if self.clock() > deadline:
                    raise self._past_deadline(here)
                piece = raw.read1(BODY_PIECE, decode_content=True)
                if not piece:
                    break
                size += len(piece)
                if size > self.max_body_bytes:
                    pieces.clear()
                    raise ResponseTooLarge(
                        f"{here}: the response passed {self.max_body_bytes // MEGABYTE} MB, the connector's "
                        "max_response_mb; ask for smaller pages, or raise the limit if the source cannot"
                    )
                pieces.append(piece)
        except urllib3.exceptions.ReadTimeoutError:
            raise HttpRetriable(f"{here}: the body stalled for {self.timeouts.read}s") from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise HttpRetriable(f"{here}: the response body was cut short or garbled") from None
        finally:
            response.close()
        response._content = b"".join(pieces)  # what requests itself fills in when not streaming

    def _past_deadline(self, here: str) -> HttpRetriable:
        return HttpRetriable(f"{here}: no complete response within the {self._total():.0f}s deadline")

    def _interpret(self, method: str, response: requests.Response, record_list: Path | None) -> JsonResponse:
        here = where(method, response.url)
        status = response.status_code
        label = status_line(here, status, response.reason, response.content)
        if status in RETRY_AFTER_STATUSES:
            raise HttpRetriable(label, self._retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise HttpRetriable(label)
        if status == 401:
            raise Unauthorized(f"{label} (credentials refused)")
        if status >= 400:
            raise FatalError(label)
        return JsonResponse(
            url=response.url,
            status=status,
            headers=response.headers,
            links=response.links,
            body=self._json_body(here, response, record_list),
        )

    @staticmethod
    def _json_body(here: str, response: requests.Response, record_list: Path | None) -> Any:
        content_type = response.headers.get("Content-Type", "")
        if not response.content:
            raise FatalError(f"{here}: empty response body, expected JSON")
        try:
            return json_body.parse(response.content, record_list)
        except (ValueError, UnicodeDecodeError):
            if "json" in content_type.lower():
                # Declared JSON but unparseable: most often a body cut off by a proxy. Try again.
                raise HttpRetriable(f"{here}: malformed or truncated JSON body") from None
            shown = content_type.split(";")[0] or "no content type"
            raise FatalError(f"{here}: expected a JSON body, got {shown}") from None

    def _retry_after(self, header: str | None) -> float | None:
        """Retry-After as seconds or an HTTP-date; None when absent or unreadable."""
        if not header:
            return None
        header = header.strip()
        if header.isdigit():
            return float(header)
        try:
            moment = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return None
        return max(0.0, moment.timestamp() - self.clock())

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, HttpRetriable) and exc.retry_after is not None:
            return exc.retry_after
        from tenacity import wait_exponential_jitter

        backoff = wait_exponential_jitter(
            multiplier=self.retry.backoff_initial_seconds,
            max=self.retry.backoff_max_seconds,
            jitter=self.retry.backoff_initial_seconds,
        )
        return float(backoff(state))

    def _stop(self, state: RetryCallState, deadline: float) -> bool:
        over_budget = self._budget.spent + state.upcoming_sleep > self._budget.seconds
        past_deadline = self.clock() + state.upcoming_sleep >= deadline
        return over_budget or past_deadline or state.attempt_number >= self.retry.max_attempts

    def _sleep(self, seconds: float) -> None:
        self._budget.spent += seconds
        self.sleeper(seconds)

    def _give_up(self, state: RetryCallState, method: str, url: str) -> NoReturn:
        exc = state.outcome.exception() if state.outcome else None
        if self._waiting_at_terminal is not None:
            last = str(exc).removeprefix(where(method, url) + ": ")
            raise RetryBudgetExhausted(
                f"{where(method, url)}: {last}; no answer within the {self._total():.0f}s a check waits "
                f"({state.attempt_number} attempts)"
            ) from None
        raise RetryBudgetExhausted(
            f"{where(method, url)}: gave up after {state.attempt_number} attempts "
            f"({self._budget.spent:.0f}s of the {self._budget.seconds:.0f}s retry budget used); "
            f"last error: {exc}"
        ) from None
