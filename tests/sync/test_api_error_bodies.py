"""An API's refusal reaches the operator in its own words: `sofs-sync sync` prints it and `runs` keeps
it, shortened and without the record values the body echoed."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.sources import rest_authority_yaml, serving

ECHOED = {"form_id": "F000123", "case_id": "C04417", "worker": "Jo Bloggs", "updated": "2026-01-05T10:00:00"}


class _Refusing(BaseHTTPRequestHandler):
    body: dict[str, Any]

    def do_GET(self) -> None:
        payload = json.dumps(self.body).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def sync_against(tmp_path: Path, body: dict[str, Any]) -> tuple[Any, str, dict[str, Any]]:
    """`sync` against an API refusing every request with `body`; the sync, `runs`, and `runs --json`."""
    folder = tmp_path / "config"
    (folder / "authorities").mkdir(parents=True)
    settings = folder / "sofs-sync.yaml"
    settings.write_text("store:\n  url: sqlite:///store.db\n")
    with serving(_Refusing, body=body) as base_url:
        (folder / "authorities" / "la.yaml").write_text(rest_authority_yaml("la", base_url))
        assert run_cli("--config", str(settings), "init").exit_code == 0
        synced = run_cli("--config", str(settings), "sync")
    listed = " ".join(run_cli("--config", str(settings), "runs").output.split())  # as read, unwrapped
    (run,) = json.loads(run_cli("--config", str(settings), "runs", "--json").output)
    return synced, listed, run


def test_a_400_detail_is_in_the_sync_output_and_the_run_history(tmp_path: Path) -> None:
    synced, listed, run = sync_against(tmp_path, {"detail": "page cursor expired"})

    assert synced.exit_code == 1
    assert "/cases: HTTP 400 Bad Request: page cursor expired" in synced.output
    assert "page cursor expired" in listed
    assert run["error"].endswith("/cases: HTTP 400 Bad Request: page cursor expired")


def test_a_400_echoing_a_record_shows_only_its_detail(tmp_path: Path) -> None:
    synced, listed, run = sync_against(tmp_path, {"detail": "stale page token", "record": ECHOED})

    assert run["error"].endswith("HTTP 400 Bad Request: stale page token")
    for shown in (synced.output, listed, json.dumps(run)):
        for value in ECHOED.values():
            assert value not in shown
