"""Fixtures for connector tests: a scripted loopback HTTP server, fake time, fake secrets, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connectors.scripted_http import ScriptedServer
from tests.pgcluster import PostgresCluster

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class FakeTime:
    """A clock that only moves when the code under test sleeps (or the test says so)."""

    def __init__(self, now: float = 1_798_761_600.0) -> None:  # 2027-01-01: after every test record
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeSecrets:
    """A secret resolver that records each lookup, so tests can see secrets are resolved when used."""

    def __init__(self, **values: str) -> None:
        self.values = values
        self.lookups: list[tuple[str | None, str | None]] = []

    def __call__(self, env: str | None = None, file: str | None = None) -> str:
        self.lookups.append((env, file))
        reference = env or file or ""
        if reference not in self.values:
            raise LookupError(f"secret {reference} is not set")
        return self.values[reference]


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must never be sent to a proxy from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer().start()
    yield scripted
    scripted.stop()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A source database on the session's throwaway PostgreSQL cluster."""
    return postgres_cluster.create_database("sofs_source")
