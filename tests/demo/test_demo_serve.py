"""`sofs-sync demo serve`: the REST authority's API in its own process, on the port its config names."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from demo.layout import REST_CLIENT_ID, DemoPaths
from demo.server import DemoApi
from tests.demo.conftest import SMALL, demo_cli, query

SOFS_SYNC = str(Path(sys.executable).with_name("sofs-sync"))
DEADLINE_S = 20


def wait_until_answering(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)  # polling for start-up, bounded by the deadline
    pytest.fail(f"{url} did not answer within {DEADLINE_S}s")


@pytest.fixture
def served(demo_dir: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = json.loads((demo_dir / "demo.json").read_text())["port"]
    process = subprocess.Popen(
        [SOFS_SYNC, "demo", "serve", "--dir", str(demo_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base + "/", process)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=DEADLINE_S)


def token(base: str, secret: str) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": REST_CLIENT_ID, "client_secret": secret}
    return requests.post(base + "/oauth2/token", data=form, timeout=5)


def test_serve_answers_the_token_endpoint_and_pages_only_to_bearers(
    demo_dir: Path, served: tuple[str, subprocess.Popen[str]]
) -> None:
    base, _ = served
    assert token(base, "not the secret").status_code == 401
    issued = token(base, DemoPaths(demo_dir).client_secret.read_text().strip())
    assert issued.status_code == 200
    access = issued.json()["access_token"]

    assert requests.get(base + "/api/v1/cases", timeout=5).status_code == 401
    page = requests.get(
        base + "/api/v1/workflow-steps",
        params={"page_size": 10},
        headers={"Authorization": f"Bearer {access}"},
        timeout=5,
    )
    assert page.status_code == 200
    body = page.json()
    assert len(body["data"]) == 10
    assert body["links"]["next"].startswith("/api/v1/workflow-steps?")
    assert "page=2" in body["links"]["next"]


def test_the_demo_syncs_through_the_serve_already_running_for_its_folder(
    demo_dir: Path, served: tuple[str, subprocess.Popen[str]]
) -> None:
    port = json.loads((demo_dir / "demo.json").read_text())["port"]
    again = demo_cli("--dir", str(demo_dir), "--cases", SMALL)
    assert again.exit_code == 0, again.output
    assert f"running already on port {port}" in again.output
    assert json.loads((demo_dir / "demo.json").read_text())["port"] == port
    outcomes = query(demo_dir / "store.db", "SELECT outcome FROM sync_runs WHERE authority = 'eastbridge'")
    assert outcomes[-1] == ("succeeded",)


def test_serve_stops_cleanly_on_sigterm(served: tuple[str, subprocess.Popen[str]]) -> None:
    _, process = served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=DEADLINE_S) == 0


def test_serve_refuses_a_folder_without_a_demo(tmp_path: Path) -> None:
    done = subprocess.run(
        [SOFS_SYNC, "demo", "serve", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "no demo in" in done.stderr


def test_pages_follow_one_another_to_the_last_and_honour_updated_since() -> None:
    records = [{"step_id": n, "updated_at": f"2026-01-0{1 + n // 3}T10:00:00Z"} for n in range(7)]
    api = DemoApi({"/steps": records}, "id", "secret")
    first = api.page("/steps", {"page_size": "3"})
    assert first is not None
    assert [r["step_id"] for r in first["data"]] == [0, 1, 2]
    last = api.page("/steps", {"page_size": "3", "page": "3"})
    assert last is not None
    assert [r["step_id"] for r in last["data"]] == [6]
    assert last["links"]["next"] is None
    since = api.page("/steps", {"updated_since": "2026-01-02T10:00:00Z"})
    assert since is not None
    assert [r["step_id"] for r in since["data"]] == [3, 4, 5, 6]


def test_a_token_stops_working_when_it_expires() -> None:
    now = [0.0]
    api = DemoApi({}, "id", "secret", clock=lambda: now[0])
    issued = api.issue("id", "secret")
    assert issued is not None
    assert api.allows(f"Bearer {issued}")
    now[0] += 3601
    assert not api.allows(f"Bearer {issued}")
    assert api.issue("id", "wrong") is None
