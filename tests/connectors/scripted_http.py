"""A real HTTP server on loopback, scripted per test: routes, statuses, headers and misbehaviour.

Each route holds a queue of replies; a request takes the next one and the last one repeats. A reply can
also stall (until the test ends), reset the connection, promise more body than it sends, or drip
its body (or its headers) a byte at a time (a slow-drip server: each byte well inside any read
timeout).
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DRIP_GAP_SECONDS = 0.005


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    stall: bool = False
    reset: bool = False
    truncate: bool = False
    drip: bool = False
    drip_headers: bool = False

    def payload(self) -> bytes:
        if self.body is not None:
            return self.body
        return b"" if self.json is None else json.dumps(self.json).encode()


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    client_port: int

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Script = list[Reply] | Callable[[SeenRequest], Reply]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        seen = SeenRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            client_port=self.client_address[1],
        )
        reply = self.server.script.next_reply(seen)
        if reply.stall:
            self.server.script.release.wait(timeout=10)
            self.close_connection = True
            return
        if reply.reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        payload = reply.payload()
        if reply.drip_headers:
            # The status line and headers a byte at a time, each well inside any read timeout.
            head = f"HTTP/1.1 {reply.status} OK\r\nContent-Type: {reply.content_type}\r\nX-Slow: "
            for byte in head.encode() + b"a" * 10_000:
                if self.server.script.release.wait(timeout=DRIP_GAP_SECONDS):
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        announced = len(payload) + (100 if reply.truncate else 0)
        self.send_header("Content-Length", str(announced))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.drip:
            self.wfile.flush()
            for byte in payload:
                if self.server.script.release.wait(timeout=DRIP_GAP_SECONDS):
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)
        self.wfile.flush()
        if reply.truncate:
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: ScriptedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets and stalls end in socket errors by design


class ScriptedServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[tuple[str, str], Script] = {}
        self.requests: list[SeenRequest] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.script = self
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def on(self, path: str, *replies: Reply, method: str = "GET") -> None:
        self.routes[(method, path)] = list(replies)

    def handle(self, path: str, respond: Callable[[SeenRequest], Reply], method: str = "GET") -> None:
        self.routes[(method, path)] = respond

    def seen(self, path: str, method: str = "GET") -> list[SeenRequest]:
        return [r for r in self.requests if r.path == path and r.method == method]

    def next_reply(self, seen: SeenRequest) -> Reply:
        with self._lock:
            self.requests.append(seen)
            script = self.routes.get((seen.method, seen.path))
            if script is None:
                return Reply(404, json={"error": "no such route"})
            if callable(script):
                return script(seen)
            return script.pop(0) if len(script) > 1 else script[0]

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
