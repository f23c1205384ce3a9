"""A loopback REST API that insists on credentials: an OAuth2 token endpoint, bearer tokens, API keys.

Records are served like tests.sources' loopback API (page-number pagination, `updated_since`), but
only to a request carrying the issued token or the API key in the query string.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sources import serving


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    access_token: str
    api_key: str


class _Api(BaseHTTPRequestHandler):
    data: dict[str, list[dict[str, Any]]]
    credentials: Credentials

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        given = (form.get("grant_type"), form.get("client_id"), form.get("client_secret"))
        expected = ("client_credentials", self.credentials.client_id, self.credentials.client_secret)
        if urlsplit(self.path).path != "/token" or given != expected:
            self._json(401, {"error": "invalid_client"})
            return
        self._json(
            200, {"access_token": self.credentials.access_token, "token_type": "Bearer", "expires_in": 3600}
        )

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        bearer = self.headers.get("Authorization") == f"Bearer {self.credentials.access_token}"
        if not (bearer or query.get("api_key") == self.credentials.api_key):
            self._json(401, {"error": "unauthorised"})
            return
        rows = self.data.get(url.path)
        if rows is None:
            self._json(404, {"error": "no such collection"})
            return
        if "updated_since" in query:
            since = datetime.fromisoformat(query["updated_since"]).replace(tzinfo=None)
            rows = [r for r in rows if datetime.fromisoformat(r["updated"]) >= since]
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 50))
        self._json(200, {"items": rows[(page - 1) * per_page : page * per_page]})

    def _json(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def secured_api(
    cases: list[dict[str, Any]], forms: list[dict[str, Any]], credentials: Credentials
) -> Iterator[str]:
    """Serve the records on 127.0.0.1 to callers with the credentials; yield the base URL."""
    data = {
        "/cases": sorted(cases, key=lambda r: (r["updated"], r["id"])),
        "/forms": sorted(forms, key=lambda r: (r["updated"], r["form_id"])),
    }
    with serving(_Api, data=data, credentials=credentials) as url:
        yield url
