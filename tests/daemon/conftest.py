"""The daemon as its supervisor sees it: a process started from the console script, its JSON log,
its HTTP endpoint and signals; and the store, polled read-only with a deadline.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from store.schema.engine import make_engine
from store.schema.upgrade import upgrade

SOFS_SYNC = str(Path(sys.executable).with_name("sofs-sync"))
T = TypeVar("T")


def eventually(check: Callable[[], T | None], timeout: float, what: str, every: float = 0.05) -> T:
    """Poll `check` until it returns something truthy, or fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"within {timeout}s: {what}")
        time.sleep(every)


def write_config(folder: Path, authorities: dict[str, str], settings_extra: str = "") -> Path:
    """A settings file with a SQLite store (created and migrated) and one YAML file per authority."""
    (folder / "authorities").mkdir(parents=True, exist_ok=True)
    for code, text in authorities.items():
        (folder / "authorities" / f"{code}.yaml").write_text(text)
    settings = folder / "sofs-sync.yaml"
    settings.write_text("store:\n  url: sqlite:///store.db\nauthorities_dir: authorities\n" + settings_extra)
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(engine)
    engine.dispose()
    return settings


def query(store: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    """Read the store as a dashboard would: a read-only connection beside the daemon's writes."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, params)]


def runs(store: Path, authority: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM sync_runs" + (" WHERE authority = ?" if authority else "") + " ORDER BY id"
    return query(store, sql, *([authority] if authority else []))


class DaemonProcess:
    """`sofs-sync --config SETTINGS run --metrics-port 0`, its stderr (the JSON log) in a file."""

    def __init__(self, settings: Path, *extra: str) -> None:
        self.log_path = settings.parent / "daemon.log"
        self._log = self.log_path.open("w")
        command = [SOFS_SYNC, "--config", str(settings), "run", "--metrics-port", "0", *extra]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._log)
        self.port = 0

    def ready(self) -> DaemonProcess:
        self.port = int(self.wait_for("metrics and health endpoint listening")["port"])
        return self

    def events(self) -> list[dict[str, Any]]:
        lines = self.log_path.read_text().splitlines()
        parsed = []
        for line in lines:
            try:
                parsed.append(json.loads(line))
            except ValueError:
                parsed.append({"event": "unparsed line", "line": line})
        return parsed

    def log_text(self) -> str:
        return self.log_path.read_text()

    def wait_for(
        self, event: str, where: Callable[[dict[str, Any]], bool] = lambda _e: True, timeout: float = 15
    ) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            if self.process.poll() is not None:
                pytest.fail(f"the daemon exited ({self.process.returncode}):\n{self.log_text()}")
            return next((e for e in self.events() if e.get("event") == event and where(e)), None)

        return eventually(found, timeout, f"the daemon logs {event!r}")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def send(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def wait_exit(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def start_daemon() -> Iterator[Callable[..., DaemonProcess]]:
    started: list[DaemonProcess] = []

    def start(settings: Path, *extra: str) -> DaemonProcess:
        daemon = DaemonProcess(settings, *extra)
        started.append(daemon)
        return daemon.ready()

    yield start
    for daemon in started:
        daemon.kill()


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must never be sent to a proxy from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
