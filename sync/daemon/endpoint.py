"""The daemon's HTTP endpoint: `/metrics` for Prometheus and `/healthz` for supervisors and probes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST

from sync.daemon.health import Health

log = structlog.get_logger("sofs_sync.endpoint")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    metrics: Callable[[], bytes]
    health: Callable[[], Health]


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._reply(200, CONTENT_TYPE_LATEST, self.server.metrics())
        elif path == "/healthz":
            health = self.server.health()
            body = json.dumps(health.body, indent=2).encode()
            self._reply(200 if health.healthy else 503, "application/json", body)
        else:
            self._reply(404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n")

    def _reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # No access log: a request line may carry a query string, and scrapes would flood the log.
        pass


class Endpoint:
    """Binds at once (so a busy port fails before the scheduler starts); serves once started."""

    def __init__(
        self, host: str, port: int, metrics: Callable[[], bytes], health: Callable[[], Health]
    ) -> None:
        server_class = _Server6 if ":" in host else _Server
        self.server = server_class((host, port), _Handler)
        self.server.metrics = metrics
        self.server.health = health
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self.server.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, name="endpoint", daemon=True
        )
        self._thread.start()
        log.info("metrics and health endpoint listening", host=self.host, port=self.port)

    def stop(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(timeout=5)
        self.server.server_close()
