"""What /healthz answers, and the endpoint that serves it beside /metrics."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync.daemon.endpoint import Endpoint
from sync.daemon.health import Health, Observed, judge

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def observed(**overrides: Any) -> Observed:
    values: dict[str, Any] = {
        "now": START + timedelta(hours=1),
        "started_at": START,
        "store_error": None,
        "scheduler_alive": True,
        "authorities": ["a-la"],
        "last_success": {"a-la": START + timedelta(minutes=30)},
        "unhealthy_after_hours": 26.0,
    }
    values.update(overrides)
    return Observed(**values)


def test_healthy_when_the_store_answers_the_scheduler_runs_and_every_authority_is_in_time() -> None:
    health = judge(observed())
    assert health.healthy
    assert health.body["status"] == "ok"
    assert health.body["authorities"]["a-la"] == {
        "last_success_at": "2026-03-02T09:30:00+00:00",
        "hours_since_success": 0.5,
        "healthy": True,
    }


def test_an_authority_without_a_success_is_not_unhealthy_until_the_threshold_passes_since_start() -> None:
    never: dict[str, Any] = {"last_success": {}}
    assert judge(observed(now=START + timedelta(hours=25.9), **never)).healthy
    late = judge(observed(now=START + timedelta(hours=26.1), **never))
    assert not late.healthy
    assert late.body["reasons"] == ["a-la: no success yet, over the 26 h threshold"]


def test_a_success_older_than_the_threshold_makes_the_daemon_unhealthy() -> None:
    health = judge(
        observed(now=START + timedelta(hours=40), last_success={"a-la": START + timedelta(hours=10)})
    )
    assert not health.healthy
    assert health.body["reasons"] == ["a-la: last success 30.0 h ago, over the 26 h threshold"]
    assert health.body["authorities"]["a-la"]["healthy"] is False


def test_after_a_restart_an_old_success_gets_the_whole_threshold_to_be_renewed() -> None:
    restarted = observed(
        started_at=START, now=START + timedelta(hours=1), last_success={"a-la": START - timedelta(days=3)}
    )
    assert judge(restarted).healthy


def test_an_unreachable_store_is_unhealthy_and_named_by_error_class_only() -> None:
    health = judge(observed(store_error="OperationalError", last_success={}))
    assert not health.healthy
    assert health.body["reasons"] == ["store unreachable (OperationalError)"]
    assert health.body["store"] == {"reachable": False}


def test_a_stopped_scheduler_is_unhealthy() -> None:
    health = judge(observed(scheduler_alive=False))
    assert health.body["reasons"] == ["scheduler not running"]


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, list[Health]]]:
    answers = [Health(healthy=True, body={"status": "ok"})]
    served = Endpoint("127.0.0.1", 0, lambda: b"sofs_sync_up 1\n", lambda: answers[-1])
    served.start()
    yield served, answers
    served.stop()


def get(endpoint: Endpoint, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{endpoint.port}{path}", timeout=5) as reply:
            return reply.status, reply.headers["Content-Type"], reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_healthz_answers_200_when_healthy_and_503_with_the_reasons_when_not(
    endpoint: tuple[Endpoint, list[Health]],
) -> None:
    served, answers = endpoint
    status, content_type, body = get(served, "/healthz")
    assert (status, content_type, json.loads(body)) == (200, "application/json", {"status": "ok"})
    answers.append(Health(healthy=False, body={"status": "unhealthy", "reasons": ["scheduler not running"]}))
    status, _, body = get(served, "/healthz")
    assert (status, json.loads(body)["reasons"]) == (503, ["scheduler not running"])


def test_metrics_are_served_in_the_prometheus_text_format(endpoint: tuple[Endpoint, list[Health]]) -> None:
    served, _ = endpoint
    status, content_type, body = get(served, "/metrics?ignored=1")
    assert (status, body) == (200, b"sofs_sync_up 1\n")
    assert content_type.startswith("text/plain; version=")


def test_other_paths_are_not_found(endpoint: tuple[Endpoint, list[Health]]) -> None:
    served, _ = endpoint
    assert get(served, "/")[0] == 404
