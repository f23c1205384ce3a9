"""The raw floor: the least any sync of the bench source could do, run as its own process.

    python -m bench.raw rest URL STORE      # requests + json + sqlite3 executemany keyed upsert
    python -m bench.raw sql SOURCE STORE    # sqlite3 read + the same upsert
    python -m bench.raw rows URL STORE      # requests + json + the rows a sofs-sync store holds

The first two keep the store's own SQLite settings (WAL, synchronous NORMAL) and commit once per
page, as a sync commits once per batch, but map nothing, validate nothing and remember no position.

`rows` is a floor for what a sync must write, not for what it must read: into a store that
`sofs-sync init` made (the same tables, indexes and foreign keys), it writes each case, each form
that is practice evidence with a content hash, one status row per case and element, and one
change-log row per status, with the fewest Python steps that give rows of that shape. Its statuses
are a count and two dates, not the real rules, and it checks nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import requests

from bench.source import PAGE_SIZE

TABLES = {
    "cases": ("id", ("team", "type", "opened", "closed", "cp_start", "updated")),
    "forms": ("form_id", ("case_id", "template", "status", "form_date", "updated")),
}


def upsert_sql(table: str) -> str:
    key, fields = TABLES[table]
    columns = (key, *fields)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT({key}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in fields)}"
    )


def rest_pages(base_url: str, table: str) -> Iterator[list[dict[str, Any]]]:
    with requests.Session() as session:
        page = 1
        while True:
            reply = session.get(
                f"{base_url}/{table}", params={"page": page, "per_page": PAGE_SIZE}, timeout=30
            )
            reply.raise_for_status()
            items: list[dict[str, Any]] = reply.json()["items"]
            if items:
                yield items
            if len(items) < PAGE_SIZE:
                return
            page += 1


def sql_pages(source: str, table: str) -> Iterator[list[dict[str, Any]]]:
    with sqlite3.connect(source) as db:
        db.row_factory = sqlite3.Row
        cursor = db.execute(f"SELECT * FROM {table} ORDER BY updated")
        while rows := cursor.fetchmany(PAGE_SIZE):
            yield [dict(r) for r in rows]


AUTHORITY = "bench"
ELEMENTS = (
    "mapping",
    "harm_statement",
    "danger_statement",
    "safety_goal",
    "safety_scale",
    "work_with_children",
    "words_and_pictures",
    "safety_network",
    "safety_plan",
)
EVIDENCE_TEMPLATES = {
    "SoS Mapping": "mapping",
    "Danger Statement": "danger_statement",
    "Harm Statement": "harm_statement",
    "Safety Goal": "safety_goal",
    "Safety Plan": "safety_plan",
    "Three Houses": "work_with_children",
    "Words and Pictures": "words_and_pictures",
    "Safety Network Meeting": "safety_network",
}
STATES = {"C": "completed", "D": "draft", "X": "cancelled"}
CHUNK = 1000


def content_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def store_rows(base_url: str, store: str) -> None:
    """Write the rows a sofs-sync store ends a full sync with, in batches of a page."""
    db = sqlite3.connect(store, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    now = datetime.now(UTC).isoformat()
    today = now[:10]
    db.execute("INSERT INTO authorities (code, name, updated_at) VALUES (?, ?, ?)", (AUTHORITY, "Bench", now))
    case_sql = (
        "INSERT INTO cases (authority, case_ref, team, case_type, opened_on, closed_on, cp_plan_start,"
        " source_updated_at, content_hash, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    for rows in rest_pages(base_url, "cases"):
        db.execute("BEGIN")
        db.executemany(
            case_sql,
            [
                (
                    AUTHORITY,
                    r["id"],
                    r["team"],
                    r["type"],
                    r["opened"],
                    r["closed"],
                    r["cp_start"],
                    r["updated"],
                    content_hash(r),
                    now,
                )
                for r in rows
            ],
        )
        db.execute("COMMIT")
    evidence_sql = (
        "INSERT INTO evidence (authority, source_id, case_ref, element, state, evidenced_on,"
        " source_updated_at, content_hash, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    found: dict[tuple[str, str], list[Any]] = {}  # (case, element) -> [count, first, last]
    for rows in rest_pages(base_url, "forms"):
        evidence = []
        for r in rows:
            element = EVIDENCE_TEMPLATES.get(r["template"])
            if element is None:
                continue
            on = r["form_date"]
            evidence.append(
                (
                    AUTHORITY,
                    r["form_id"],
                    r["case_id"],
                    element,
                    STATES[r["status"]],
                    on,
                    r["updated"],
                    content_hash(r),
                    now,
                )
            )
            seen = found.setdefault((r["case_id"], element), [0, on, on])
            seen[0] += 1
            seen[1], seen[2] = min(seen[1], on), max(seen[2], on)
        db.execute("BEGIN")
        db.executemany(evidence_sql, evidence)
        db.execute("COMMIT")
    cases = [ref for (ref,) in db.execute("SELECT case_ref FROM cases ORDER BY case_ref")]
    status_sql = (
        "INSERT INTO case_element_status (authority, case_ref, element, status, first_evidenced_on,"
        " last_evidenced_on, evidence_count, computed_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    change_sql = (
        "INSERT INTO status_changes (authority, case_ref, element, status, from_date) VALUES (?, ?, ?, ?, ?)"
    )
    for start in range(0, len(cases), CHUNK):
        statuses, changes = [], []
        for ref in cases[start : start + CHUNK]:
            for element in ELEMENTS:
                count, first, last = found.get((ref, element), (0, None, None))
                status = "evidenced" if count else "not_started"
                statuses.append((AUTHORITY, ref, element, status, first, last, count, today))
                changes.append((AUTHORITY, ref, element, status, today))
        db.execute("BEGIN")
        db.executemany(status_sql, statuses)
        db.executemany(change_sql, changes)
        db.execute("COMMIT")
    db.close()


def main(kind: str, source: str, store: str) -> None:
    if kind == "rows":
        store_rows(source, store)
        return
    db = sqlite3.connect(store, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    for table, (key, fields) in TABLES.items():
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({key} TEXT PRIMARY KEY, {', '.join(fields)})")
    read = rest_pages if kind == "rest" else sql_pages
    for table in TABLES:
        statement = upsert_sql(table)
        for rows in read(source, table):
            db.execute("BEGIN")
            db.executemany(statement, rows)
            db.execute("COMMIT")
    db.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
