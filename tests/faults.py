"""A fault-injecting REST source on loopback: the synthetic cases and forms behind a misbehaving API.

Pages are cursor-paginated (`meta.next`, an offset) and filtered by `updated_since`. A seeded plan
decides each request's fate: answered, or one of the faults in FAULTS. Counts of what was injected
are kept for the test (and docs/reliability.md) to report.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

FAULTS = (
    "latency",  # answered, late
    "reset_mid_body",  # half the body, then a TCP reset
    "truncated_json",  # a complete HTTP response whose JSON is cut off
    "burst_500",  # three 500s in a row
    "storm_429",  # four 429s with Retry-After
    "hang",  # no answer until the client's read timeout
    "slow_drip",  # the body a byte at a time, for ever (until the request deadline)
    "repeated_cursor",  # the next cursor is the one just asked for: a looping API
    "duplicate_in_page",  # one record twice in a page
    "duplicate_across_pages",  # the previous page's last record again at the top
)
DRIP_GAP_SECONDS = 0.002
LATENCY_SECONDS = 0.01
RECORD_KEY = {"/cases": "id", "/forms": "form_id"}


class FaultPlan:
    """Which requests misbehave, and how; `enabled = False` gives a fault-free source."""

    def __init__(self, seed: int, rate: float) -> None:
        self.random = random.Random(seed)
        self.rate = rate
        self.enabled = True
        self.injected: Counter[str] = Counter()
        self.pending: list[str] = []
        self.released = threading.Event()
        self._lock = threading.Lock()

    def next_fault(self) -> str | None:
        with self._lock:
            if not self.enabled:
                return None
            if self.pending:
                return self.pending.pop()
            if self.random.random() >= self.rate:
                return None
            unseen = [f for f in FAULTS if f not in self.injected]
            fault = self.random.choice(unseen or FAULTS)  # every kind early, then any
            self.injected[fault] += 1
            if fault == "burst_500":
                self.pending = ["burst_500_more"] * 2
            elif fault == "storm_429":
                self.pending = ["storm_429_more"] * 3
            return fault


class _FaultyApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    data: dict[str, list[dict[str, Any]]]
    plan: FaultPlan
    page_size: int

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        fault = self.plan.next_fault()
        if fault in ("burst_500", "burst_500_more"):
            self._send(500, b'{"error": "internal"}')
            return
        if fault in ("storm_429", "storm_429_more"):
            self._send(429, b"", {"Retry-After": "5"})
            return
        if fault == "hang":
            self.plan.released.wait(timeout=30)
            self.close_connection = True
            return
        body = self._page(fault)
        if fault == "latency":
            time.sleep(LATENCY_SECONDS)  # the server is slow; the test waits on nothing
        if fault == "reset_mid_body":
            self._headers(200, len(body))
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if fault == "truncated_json":
            self._send(200, body[: len(body) * 2 // 3])
            return
        if fault == "slow_drip":
            self._headers(200, len(body))
            for byte in body:
                if self.plan.released.wait(timeout=DRIP_GAP_SECONDS):
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            self.close_connection = True
            return
        self._send(200, body)

    def _page(self, fault: str | None) -> bytes:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        rows = self.data.get(url.path, [])
        if "updated_since" in query:
            since = datetime.fromisoformat(query["updated_since"]).replace(tzinfo=None)
            rows = [r for r in rows if datetime.fromisoformat(r["updated"]) >= since]
        offset = int(query.get("cursor", 0))
        page = rows[offset : offset + self.page_size]
        following = offset + self.page_size
        next_cursor: str | None = str(following) if following < len(rows) else None
        if fault == "repeated_cursor" and next_cursor is not None:
            next_cursor = str(offset)
        if fault == "duplicate_in_page" and page:
            page = [*page, page[0]]
        if fault == "duplicate_across_pages" and offset > 0:
            page = [rows[offset - 1], *page]
        return json.dumps({"items": page, "meta": {"next": next_cursor}}).encode()

    def _headers(self, status: int, length: int, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
        self._headers(status, len(body), extra)
        self.wfile.write(body)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets, hangs and drips end in socket errors by design


@contextmanager
def faulty_api(
    cases: list[dict[str, Any]], forms: list[dict[str, Any]], plan: FaultPlan, page_size: int = 10
) -> Iterator[str]:
    ordered = {
        "/cases": sorted(cases, key=lambda r: (r["updated"], r["id"])),
        "/forms": sorted(forms, key=lambda r: (r["updated"], r["form_id"])),
    }
    handler = type("FaultyApi", (_FaultyApi,), {"data": ordered, "plan": plan, "page_size": page_size})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        plan.released.set()
        server.shutdown()
        server.server_close()


def faulty_authority_yaml(code: str, base_url: str, mapping_yaml: str) -> str:
    """A REST authority over the faulty API: short read timeout, tight deadline and retry budget."""
    stream = """
      records_path: items
      pagination: {type: cursor, cursor_path: meta.next, cursor_param: cursor}
      incremental: {cursor_field: updated, param: updated_since}"""
    return f"""
code: {code}
name: Faulty Test Council
connector:
  type: rest
  base_url: "{base_url}"
  timeouts: {{connect: 2, read: 0.5, total: 30}}
  retry: {{budget_seconds: 60, max_attempts: 4, backoff_initial_seconds: 1, backoff_max_seconds: 4}}
  streams:
    cases:
      path: /cases{stream}
    evidence:
      path: /forms{stream}
{mapping_yaml}"""
