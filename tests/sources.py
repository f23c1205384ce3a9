"""Real sources for end-to-end tests: a SQLite reporting database and a loopback REST API.

Both serve the same synthetic cases and forms, deterministic for a seed, including records that
must end in quarantine and forms that are not practice evidence.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

TEMPLATES = [
    "SoS Mapping",
    "Danger Statement",
    "Harm Statement",
    "Safety Goal",
    "Safety Plan",
    "Three Houses",
    "Words and Pictures",
    "Safety Network Meeting",
    "Chronology",
    "Case Note",
]


def synthetic(
    cases: int, forms_per_case: int, seed: int = 7
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rnd = random.Random(seed)
    base = datetime(2026, 1, 1, 8, 0, 0)
    case_rows, form_rows = [], []
    for i in range(cases):
        opened = date(2025, 6, 1) + timedelta(days=rnd.randrange(200))
        case_rows.append(
            {
                "id": f"C{i:05d}",
                "team": rnd.choice(["North", "South", "East"]),
                "type": "??" if i % 97 == 5 else rnd.choice(["CIN", "CP", "LAC"]),
                "opened": opened.isoformat(),
                "closed": None,
                "cp_start": (opened + timedelta(days=10)).isoformat(),
                # Many rows share a timestamp, so batch boundaries fall inside runs of equal cursors.
                "updated": (base + timedelta(minutes=i // 3)).isoformat(),
            }
        )
        for j in range(forms_per_case):
            n = i * forms_per_case + j
            form_rows.append(
                {
                    "form_id": f"F{n:06d}",
                    "case_id": f"C{i:05d}",
                    "template": rnd.choice(TEMPLATES),
                    "status": rnd.choice(["C", "C", "C", "D", "X"]),
                    "form_date": "31/02/2026"
                    if n % 151 == 7
                    else (opened + timedelta(days=rnd.randrange(90))).isoformat(),
                    "updated": (base + timedelta(minutes=n // 4)).isoformat(),
                }
            )
    return case_rows, form_rows


def build_sqlite_source(path: Path, cases: list[dict[str, Any]], forms: list[dict[str, Any]]) -> str:
    """The records as a SQLite reporting database, indexed on the cursors as a real one would be."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE cases (id TEXT PRIMARY KEY, team TEXT, type TEXT, opened TEXT, closed TEXT, "
            "cp_start TEXT, updated TEXT)"
        )
        db.execute(
            "CREATE TABLE forms (form_id TEXT PRIMARY KEY, case_id TEXT, template TEXT, status TEXT, "
            "form_date TEXT, updated TEXT)"
        )
        db.execute("CREATE INDEX ix_cases_updated ON cases (updated, id)")
        db.execute("CREATE INDEX ix_forms_updated ON forms (updated, form_id)")
        db.executemany(
            "INSERT INTO cases VALUES (:id, :team, :type, :opened, :closed, :cp_start, :updated)", cases
        )
        db.executemany(
            "INSERT INTO forms VALUES (:form_id, :case_id, :template, :status, :form_date, :updated)", forms
        )
    return f"sqlite:///{path}"


MAPPING_YAML = """
identifiers: {case_ref: keep, worker: keep}
mapping:
  cases:
    source_id: {path: id}
    fields:
      case_ref: {path: id}
      team: {path: team}
      case_type: {path: type, map: {CP: cp, CIN: cin, LAC: looked_after}}
      opened_on: {path: opened, date: iso}
      closed_on: {path: closed, date: iso}
      cp_plan_start: {path: cp_start, date: iso}
      source_updated_at: {path: updated, datetime: iso}
  evidence:
    source_id: {path: form_id}
    fields:
      case_ref: {path: case_id}
      element:
        path: template
        patterns:
          - {match: "SoS Mapping*", element: mapping}
          - {match: "Danger Statement*", element: danger_statement}
          - {match: "Harm Statement*", element: harm_statement}
          - {match: "Safety Goal*", element: safety_goal}
          - {match: "Safety Plan*", element: safety_plan}
          - {match: "Three Houses*", element: work_with_children}
          - {match: "Words and Pictures*", element: words_and_pictures}
          - {match: "Safety Network*", element: safety_network}
      kind: {path: template, patterns: [{match: "Three Houses*", value: three_houses}], default: null}
      state: {path: status, map: {D: draft, X: cancelled, C: completed}}
      evidenced_on: {path: form_date, date: iso}
      source_updated_at: {path: updated, datetime: iso}
timeliness:
  mapping: {due: {days: 10, working: true, after: opened}, review_every_days: 90}
  safety_plan: {due: {days: 15, working: true, after: cp_plan_start}}
"""


def sql_authority_yaml(code: str, url: str, batch_size: int = 50) -> str:
    return f"""
code: {code}
name: SQL Test Council
connector:
  type: sql
  url: "{url}"
  batch_size: {batch_size}
  streams:
    cases:
      query: "SELECT * FROM cases WHERE updated >= :watermark ORDER BY updated, id"
      cursor_field: updated
      case_query: "SELECT * FROM cases WHERE id = :case_ref"
    evidence:
      query: "SELECT * FROM forms WHERE updated >= :watermark ORDER BY updated, form_id"
      cursor_field: updated
      case_query: "SELECT * FROM forms WHERE case_id = :case_ref"
{MAPPING_YAML}"""


def rest_authority_yaml(code: str, base_url: str, page_size: int = 50) -> str:
    return f"""
code: {code}
name: REST Test Council
connector:
  type: rest
  base_url: "{base_url}"
  timeouts: {{connect: 2, read: 5}}
  streams:
    cases:
      path: /cases
      records_path: items
      pagination: {{type: page_number, page_param: page, size_param: per_page, size: {page_size}}}
      incremental: {{cursor_field: updated, param: updated_since}}
      case_filter: {{param: case_id}}
    evidence:
      path: /forms
      records_path: items
      pagination: {{type: page_number, page_param: page, size_param: per_page, size: {page_size}}}
      incremental: {{cursor_field: updated, param: updated_since}}
      case_filter: {{param: case_id}}
{MAPPING_YAML}"""


class _Api(BaseHTTPRequestHandler):
    data: dict[str, list[dict[str, Any]]]
    case_key: ClassVar[dict[str, str]] = {"/cases": "id", "/forms": "case_id"}
    limited: threading.Event

    def do_GET(self) -> None:
        if self.limited.is_set():
            self.send_response(429)
            self.send_header("Retry-After", "30")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        rows = self.data.get(url.path)
        if rows is None:
            self.send_error(404)
            return
        if "updated_since" in query:
            since = datetime.fromisoformat(query["updated_since"]).replace(tzinfo=None)
            rows = [r for r in rows if datetime.fromisoformat(r["updated"]) >= since]
        if "case_id" in query:
            rows = [r for r in rows if r[self.case_key[url.path]] == query["case_id"]]
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 50))
        body = json.dumps({"items": rows[(page - 1) * per_page : page * per_page]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def loopback_api(
    cases: list[dict[str, Any]], forms: list[dict[str, Any]], limited: threading.Event | None = None
) -> Iterator[str]:
    """Serve the records on 127.0.0.1 with page-number pagination and an `updated_since` filter.

    While `limited` is set, every request is answered 429 with `Retry-After: 30`.
    """
    ordered = {
        "/cases": sorted(cases, key=lambda r: (r["updated"], r["id"])),
        "/forms": sorted(forms, key=lambda r: (r["updated"], r["form_id"])),
    }
    with serving(_Api, data=ordered, limited=limited or threading.Event()) as url:
        yield url


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], **attributes: Any) -> Iterator[str]:
    """Serve a request handler, given these class attributes, on 127.0.0.1 from a thread; yield its
    base URL and stop the server when the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), type(handler.__name__, (handler,), attributes))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
