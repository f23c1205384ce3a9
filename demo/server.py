"""The demo's REST API on loopback: an OAuth2 token endpoint, bearer checks and next-link paging.

Small on purpose, but it behaves like the APIs the `rest` connector meets: a token is needed for
every record, it expires, pages carry a `links.next`, and `updated_since` narrows a read.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from mapping.timeformats import as_utc

SERVICE = "sofs-sync demo API"
MAX_PAGE_SIZE = 200
TOKEN_LIFETIME_S = 3600


class DemoApi:
    """The records and the one client the server answers; issued tokens live in memory only."""

    def __init__(
        self,
        collections: dict[str, list[dict[str, Any]]],
        client_id: str,
        client_secret: str,
        *,
        about: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.collections = collections
        self.client_id = client_id
        self.client_secret = client_secret
        self.about = {"service": SERVICE, "collections": sorted(collections), **(about or {})}
        """What `GET /` says without a token: enough for the demo to recognise its own server."""
        self.clock = clock
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, client_id: str | None, client_secret: str | None) -> str | None:
        """A new token for the right client, else None."""
        if not (client_id and client_secret):
            return None
        right_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        right_secret = hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        if not (right_id and right_secret):
            return None
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            self._tokens = {t: until for t, until in self._tokens.items() if until > now}
            self._tokens[token] = now + TOKEN_LIFETIME_S
        return token

    def allows(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        with self._lock:
            until = self._tokens.get(token.strip())
        return until is not None and until > self.clock()

    def page(self, path: str, query: dict[str, str]) -> dict[str, Any] | None:
        """One page of a collection, with the link to the next; None for an unknown path."""
        records = self.collections.get(path)
        if records is None:
            return None
        since = _moment(query.get("updated_since"))
        if since is not None:
            records = [r for r in records if _changed_since(r, since)]
        if "person_id" in query:
            records = [r for r in records if r.get("person_id") == query["person_id"]]
        size = min(max(int(query.get("page_size", "25") or 25), 1), MAX_PAGE_SIZE)
        number = max(int(query.get("page", "1") or 1), 1)
        chunk = records[(number - 1) * size : number * size]
        more = number * size < len(records)
        next_link = f"{path}?{urlencode({**query, 'page': number + 1})}" if more else None
        return {
            "data": chunk,
            "links": {"next": next_link},
            "meta": {"page": number, "page_size": size, "total": len(records)},
        }


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return as_utc(moment)


def _changed_since(record: dict[str, Any], since: datetime) -> bool:
    """Inclusive, as the connector's watermarks expect; without a change time a record is left out."""
    moment = _moment(record.get("updated_at"))
    return moment is not None and moment >= since


class _Handler(BaseHTTPRequestHandler):
    api: DemoApi
    server_version = "sofs-sync-demo"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            self._json(200, self.api.about)
            return
        if not self.api.allows(self.headers.get("Authorization")):
            self._json(401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        try:
            body = self.api.page(url.path, query)
        except ValueError:
            self._json(400, {"error": "page and page_size are whole numbers"})
            return
        if body is None:
            self._json(404, {"error": "no such collection"})
            return
        self._json(200, body)

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/oauth2/token":
            self._json(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            self._json(400, {"error": "unsupported_grant_type"})
            return
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = self.headers.get("Authorization", "")
        if basic.lower().startswith("basic "):
            try:
                pair = base64.b64decode(basic[6:], validate=True).decode("utf-8")
            except ValueError:
                pair = ""
            client_id, _, client_secret = pair.partition(":")
        token = self.api.issue(client_id, client_secret)
        if token is None:
            self._json(401, {"error": "invalid_client"})
            return
        # "Bearer" below is the OAuth token type, not a password (bandit B105).
        granted = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S}  # nosec B105
        self._json(200, granted)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines can carry case references (`person_id`), which belong in no log."""


def bind(api: DemoApi, host: str, port: int) -> ThreadingHTTPServer:
    """A server bound to host:port (0: any free port); raises OSError when the port is taken."""
    handler = type("DemoApiHandler", (_Handler,), {"api": api})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve in a background thread for the duration of the block; yields the base URL."""
    thread = threading.Thread(target=server.serve_forever, name="demo-api", daemon=True)
    thread.start()
    try:
        yield base_url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def base_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def serve_until_stopped(server: ThreadingHTTPServer) -> None:
    """Serve in the foreground until SIGTERM or SIGINT (Ctrl-C), then close the socket and return."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with serving(server):
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
