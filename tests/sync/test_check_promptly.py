"""`check` is run by someone at a terminal: an unreachable source is named within seconds, on one line.

A run rides out an outage on its retry budget (minutes); `check` must not: a port that refuses
connections and a database server that accepts the connection but never answers both fail fast.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import run_cli
from tests.pgcluster import free_port
from tests.sources import MAPPING_YAML, sql_authority_yaml
from tests.sync.test_never_green import write_config

PROMPT_SECONDS = 10


def rest_authority(base_url: str) -> str:
    return f"""
code: la
name: Unreachable Council
connector:
  type: rest
  base_url: "{base_url}"
  streams:
    cases: {{path: /cases, records_path: data}}
    evidence: {{path: /forms, records_path: data}}
{MAPPING_YAML}"""


def timed_check(settings: Path) -> tuple[Result, float]:
    started = time.monotonic()
    result = run_cli("--config", str(settings), "check", "la")
    return result, time.monotonic() - started


def test_check_of_a_port_that_refuses_connections_fails_within_seconds_on_one_line(tmp_path: Path) -> None:
    port = free_port()  # bound, then closed: nothing listens there
    settings = write_config(tmp_path / "config", "la", rest_authority(f"http://127.0.0.1:{port}/api"))

    result, took = timed_check(settings)

    assert result.exit_code == 1
    assert took < PROMPT_SECONDS, f"check took {took:.0f}s"
    assert result.output.splitlines() == [
        f"Error: la: source not reachable: stream cases: GET 127.0.0.1:{port}/api/cases: "
        "connection failed or was dropped; no answer within the 6s a check waits (3 attempts)"
    ]


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def test_check_of_a_database_server_that_never_answers_fails_within_seconds(
    tmp_path: Path, silent_listener: int
) -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://reader@127.0.0.1:{silent_listener}/cms"
    settings = write_config(tmp_path / "config", "la", sql_authority_yaml("la", url))
    outcome: list[tuple[Result, float]] = []
    checking = threading.Thread(target=lambda: outcome.append(timed_check(settings)), daemon=True)

    checking.start()
    checking.join(PROMPT_SECONDS * 2)  # without a connect timeout libpq would wait for ever

    assert outcome, "check was still waiting for the database"
    result, took = outcome[0]
    assert result.exit_code == 1
    assert took < PROMPT_SECONDS, f"check took {took:.0f}s"
    assert result.output.splitlines() == [
        "Error: la: source not reachable: stream cases: ConnectionTimeout: connection timeout expired"
    ]
