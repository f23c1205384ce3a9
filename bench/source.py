"""The bench's source: synthetic cases and forms, served as pages of JSON over loopback.

Each page's bytes are built once and cached, so the raw baseline and sofs-sync read the very same
bytes and the server's own cost stays small and equal for both. `POST /_change?share=S` changes a
share of the forms (a draft completed, a later timestamp) as a CMS would between two syncs.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.sources import TEMPLATES, build_sqlite_source, serving

FORMS_PER_CASE = 7
PAGE_SIZE = 1000
BASE = datetime(2026, 1, 1, 8, 0, 0)


def case_count(forms: int) -> int:
    return -(-forms // FORMS_PER_CASE)


class Records:
    """Cases and forms as a CMS reporting API would list them, ordered by `updated`."""

    def __init__(self, forms: int, seed: int = 7) -> None:
        rnd = random.Random(seed)
        self.cases: list[dict[str, Any]] = []
        self.forms: list[dict[str, Any]] = []
        n_cases = case_count(forms)
        for i in range(n_cases):
            opened = date(2025, 6, 1) + timedelta(days=rnd.randrange(200))
            self.cases.append(
                {
                    "id": f"C{i:07d}",
                    "team": rnd.choice(["North", "South", "East", "West"]),
                    "type": rnd.choice(["CIN", "CP", "LAC"]),
                    "opened": opened.isoformat(),
                    "closed": None,
                    "cp_start": (opened + timedelta(days=10)).isoformat(),
                    "updated": (BASE + timedelta(seconds=i)).isoformat(),
                }
            )
        # A CMS lists forms in the order they were written: a case's forms are spread over pages.
        for n in range(forms):
            case = self.cases[rnd.randrange(n_cases)]
            form_date = date.fromisoformat(case["opened"]) + timedelta(days=rnd.randrange(90))
            self.forms.append(
                {
                    "form_id": f"F{n:08d}",
                    "case_id": case["id"],
                    "template": rnd.choice(TEMPLATES),
                    "status": rnd.choice(["C", "C", "C", "D", "X"]),
                    "form_date": form_date.isoformat(),
                    "updated": (BASE + timedelta(seconds=n)).isoformat(),
                }
            )
        self.clock = BASE + timedelta(seconds=forms + 1)
        self.rnd = rnd

    def change(self, share: float) -> int:
        """Complete or re-date a share of the forms, each with a new, later `updated`."""
        chosen = self.rnd.sample(range(len(self.forms)), int(len(self.forms) * share))
        for n in chosen:
            form = dict(self.forms[n])
            form["status"] = "C" if form["status"] != "C" else "D"
            self.clock += timedelta(seconds=1)
            form["updated"] = self.clock.isoformat()
            self.forms[n] = form
        self.forms.sort(key=lambda r: (r["updated"], r["form_id"]))
        return len(chosen)


class _Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    records: Records
    pages: dict[str, bytes]
    lock: threading.Lock

    def do_GET(self) -> None:
        with self.lock:
            body = self.pages.get(self.path)
            if body is None:
                body = self.pages[self.path] = self._page()
        self._reply(200, body)

    def do_POST(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        with self.lock:
            changed = self.records.change(float(query["share"][0]))
            self.pages.clear()
        self._reply(200, json.dumps({"changed": changed}).encode())

    def _page(self) -> bytes:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        rows = {"/cases": self.records.cases, "/forms": self.records.forms}[url.path]
        if "updated_since" in query:
            since = datetime.fromisoformat(query["updated_since"]).replace(tzinfo=None).isoformat()
            rows = [r for r in rows if r["updated"] >= since]
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", PAGE_SIZE))
        return json.dumps({"items": rows[(page - 1) * per_page : page * per_page]}).encode()

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serve(records: Records) -> Iterator[str]:
    """Serve the records on 127.0.0.1 with page-number pagination and an `updated_since` filter."""
    with serving(_Api, records=records, pages={}, lock=threading.Lock()) as url:
        yield url


@contextmanager
def served_elsewhere(forms: int, sqlite: Path | None = None) -> Iterator[str]:
    """This module run as its own process, serving `forms` forms (and writing their SQLite copy to
    `sqlite`, if given) until the block ends; yields its URL."""
    command = [sys.executable, "-m", "bench.source", "--forms", str(forms)]
    if sqlite is not None:
        command += ["--sqlite", str(sqlite)]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    assert server.stdin is not None
    try:
        yield server.stdout.readline().strip()
    finally:
        server.stdin.close()
        server.wait()


def main() -> None:
    """Build the records, write the SQLite copy if asked, print the URL, serve until stdin closes.

    Run as its own process so the bench's measuring process stays small: a child's peak RSS starts
    from its parent's size at fork.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, required=True)
    parser.add_argument("--sqlite", type=Path)
    args = parser.parse_args()
    records = Records(args.forms)
    if args.sqlite:
        build_sqlite_source(args.sqlite, records.cases, records.forms)
    with serve(records) as url:
        print(url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
