"""The raw floor: the least any sync of the bench source could do, run as its own process.

    python -m bench.raw rest URL STORE      # requests + json + sqlite3 executemany keyed upsert
    python -m bench.raw sql SOURCE STORE    # sqlite3 read + the same upsert

It keeps the store's own SQLite settings (WAL, synchronous NORMAL) and commits once per page, as a
sync commits once per batch, but maps nothing, validates nothing and remembers no position.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
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


def main(kind: str, source: str, store: str) -> None:
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
