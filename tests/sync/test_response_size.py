"""A source cannot take the process's memory: a page that never ends, or one far larger than any
sane page, fails the run at the connector's byte limit, well within its deadline; and a page just
under the limit, of the densest small records, is read and stored within the same memory bound.

The real command runs in a subprocess against a loopback API; its peak resident memory is read from
the kernel when it ends (wait4), so the figure is the whole process's, parsing and store included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.conftest import SOFS_SYNC, write_config
from tests.sources import rest_authority_yaml, serving

PEAK_LIMIT_MB = 400
DEADLINE_SECONDS = 120
RECORD = (
    b'{"id": "C0000001", "team": "Team A", "type": "CIN", "opened": "2025-01-01", '
    b'"updated": "2025-01-01T00:00:00"}'
)
CHUNK = b",".join([RECORD] * 500) + b","


class _OneFullPage(BaseHTTPRequestHandler):
    """The first page of cases is `size` bytes of distinct records; every other page is empty."""

    size: int

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if not self.path.startswith("/cases?") or "page=1&" not in self.path + "&":
            self.wfile.write(b'{"items": []}')
            return
        self.wfile.write(b'{"items": [')
        sent = written = 0
        while sent < self.size:
            piece = b"".join(RECORD.replace(b"C0000001", b"C%07d" % (written + n)) + b"," for n in range(500))
            self.wfile.write(piece)
            sent, written = sent + len(piece), written + 500
        self.wfile.write(RECORD.replace(b"C0000001", b"C%07d" % written) + b"]}")

    def log_message(self, *args: Any) -> None:
        pass


class _HugePages(BaseHTTPRequestHandler):
    """Every page is `size` bytes of records (None: it never ends), sent as fast as it is read."""

    size: int | None

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()  # no length: the body ends when the connection closes (HTTP/1.0)
        sent = 0
        try:
            self.wfile.write(b'{"items": [')
            while self.size is None or sent < self.size:
                self.wfile.write(CHUNK)
                sent += len(CHUNK)
            self.wfile.write(RECORD + b"]}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what the test wants

    def log_message(self, *args: Any) -> None:
        pass


def sync_measured(
    tmp_path: Path,
    size: int | None,
    limit_mb: int | None = None,
    pages: type[BaseHTTPRequestHandler] = _HugePages,
) -> dict[str, Any]:
    """One `sync --json` of an authority whose API serves pages of `size`: outcome, peak memory, time."""
    with serving(pages, size=size) as url:
        authority = rest_authority_yaml("huge-la", url).replace(
            "timeouts: {connect: 2, read: 5}", f"timeouts: {{connect: 2, read: 5, total: {DEADLINE_SECONDS}}}"
        )
        if limit_mb is not None:
            authority = authority.replace("  timeouts:", f"  max_response_mb: {limit_mb}\n  timeouts:")
        settings = write_config(tmp_path / "config", {"huge-la": authority})
        started = time.monotonic()
        process = subprocess.Popen(
            [SOFS_SYNC, "--config", str(settings), "sync", "huge-la", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - started
    (result,) = json.loads(output)
    return {
        "exit": process.returncode,
        "outcome": result["outcome"],
        "error": result["error"],
        "read": result["counts"]["read"],
        "peak_mb": round(usage.ru_maxrss / 1024),  # Linux reports kilobytes
        "seconds": round(elapsed, 1),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "size"), [("endless", None), ("209 MB", 209_000_000)], ids=["endless-page", "209MB-page"]
)
def test_an_oversized_page_fails_the_run_at_the_byte_limit_within_bounded_memory(
    tmp_path: Path, page: str, size: int | None
) -> None:
    measured = sync_measured(tmp_path, size)
    print(json.dumps({"page": page, **measured}))
    assert measured["exit"] == 1
    assert measured["outcome"] == "failed"
    assert "passed 64 MB, the connector's max_response_mb" in measured["error"]
    assert measured["peak_mb"] < PEAK_LIMIT_MB
    assert measured["seconds"] < DEADLINE_SECONDS


def test_a_lowered_limit_refuses_a_page_past_it_and_reads_one_within_it(tmp_path: Path) -> None:
    past = sync_measured(tmp_path / "past", 1_500_000, limit_mb=1)
    assert past["outcome"] == "failed"
    assert "passed 1 MB, the connector's max_response_mb" in past["error"]
    within = sync_measured(tmp_path / "within", 500_000, limit_mb=1)
    # Read and parsed whole: what ends this run is the server answering every page alike.
    assert "a page repeated the previous page's records" in within["error"]


READ_ONLY = """
import json, sys
from pathlib import Path
from config.loader import load_config
from sync.run.runner import build_connector

authority = load_config(Path(sys.argv[1])).authority("huge-la")
read = 0
with build_connector(authority) as connector:
    for batch in connector.read("cases", None):
        read += len(batch.records)
print(json.dumps({"read": read}))
"""
"""The REST connector alone, reading every page of the stream: what a page costs to hold and decode."""


def read_measured(tmp_path: Path, size: int) -> dict[str, Any]:
    """The connector's read of one page of `size` bytes in its own process: records and peak memory."""
    with serving(_OneFullPage, size=size) as url:
        settings = write_config(tmp_path / "config", {"huge-la": rest_authority_yaml("huge-la", url)})
        with (tmp_path / "stderr").open("wb") as errors:
            process = subprocess.Popen(
                [sys.executable, "-c", READ_ONLY, str(settings)], stdout=subprocess.PIPE, stderr=errors
            )
            assert process.stdout is not None
            output = process.stdout.read()
            _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, (tmp_path / "stderr").read_text()[-2000:]
    return {**json.loads(output), "peak_mb": round(usage.ru_maxrss / 1024)}  # Linux reports kilobytes


@pytest.mark.slow
def test_a_page_just_under_the_limit_of_the_densest_records_is_read_within_bounded_memory(
    tmp_path: Path,
) -> None:
    size = 63_900_000
    measured = read_measured(tmp_path, size)
    print(json.dumps({"page": "63.9 MB", **measured}))
    pieces = -(-size // len(CHUNK))  # the server sends whole pieces of 500
    assert measured["read"] == pieces * 500 + 1
    assert measured["peak_mb"] < PEAK_LIMIT_MB


def test_a_page_of_a_few_megabytes_is_stored_whole_within_bounded_memory(tmp_path: Path) -> None:
    size = 4_000_000
    measured = sync_measured(tmp_path, size, pages=_OneFullPage)
    assert measured["outcome"] == "succeeded", measured["error"]
    pieces = -(-size // len(CHUNK))
    assert measured["read"] == pieces * 500 + 1
    assert measured["peak_mb"] < PEAK_LIMIT_MB
