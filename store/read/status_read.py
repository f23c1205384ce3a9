"""The store as `status` reads it: a few aggregate queries in plain SQL over a DB-API connection.

`status` should answer in a blink, so these need neither the ORM nor the store's table definitions
(defining them loads every dialect an index names, PostgreSQL's too, on a SQLite store): they run on
the driver's connection, SQLite's or PostgreSQL's, and `store.read` answers through them too, so
there is one copy of each. A run's columns are named here as `store.schema.tables.SYNC_RUNS` defines
them, and `tests/dashboard/test_read_without_orm.py` holds the two equal. Values come back as
`store.read` has always given them: timestamps as ISO text in UTC, counts as ints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

Row = dict[str, Any]

RUN_COLUMNS = (
    "id",
    "authority",
    "trigger",
    "requested_by",
    "reason",
    "mode",
    "scope_case_ref",
    "started_at",
    "finished_at",
    "outcome",
    "read_count",
    "written_count",
    "inserted_count",
    "updated_count",
    "unchanged_count",
    "quarantined_count",
    "not_evidence_count",
    "deleted_count",
    "orphaned_count",
    "superseded_count",
    "duplicates_count",
    "staged_count",
    "ahead_count",
    "error",
    "stage",
    "notes",
)
"""A run's fields, in the order the listings give them: the table's own."""
RUN_TIMESTAMPS = frozenset({"started_at", "finished_at"})
"""The run's columns of type `UtcDateTime`."""
ORPHAN_ALERT_SHARE = 0.05
"""Above this share of an authority's evidence naming cases the store lacks, `status` flags it: the
cases and evidence streams probably key cases differently."""


class Cursor(Protocol):
    def execute(self, sql: str, /) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def cursor(self) -> Any: ...


def last_runs(db: Connection) -> dict[str, Row]:
    """The latest run of each authority, and its latest successful one's finish time."""
    found = {
        row[1]: {
            name: _utc_text(v) if name in RUN_TIMESTAMPS else v
            for name, v in zip(RUN_COLUMNS, row, strict=True)
        }
        for row in _all(
            db,
            f"SELECT {', '.join(RUN_COLUMNS)} FROM sync_runs "  # nosec B608  # our column names
            "WHERE id IN (SELECT max(id) FROM sync_runs GROUP BY authority)",
        )
    }
    success = (
        "SELECT authority, max(finished_at) FROM sync_runs WHERE outcome = 'succeeded' GROUP BY authority"
    )
    for authority, finished in _all(db, success):
        found.setdefault(authority, {})["last_success_at"] = _utc_text(finished)
    return found


def quarantine_counts(db: Connection) -> dict[str, int]:
    sql = "SELECT authority, count(*) FROM quarantine WHERE resolved_at IS NULL GROUP BY authority"
    return {authority: int(count) for authority, count in _all(db, sql)}


def open_case_count(db: Connection) -> dict[str, int]:
    sql = (
        "SELECT authority, count(*) FROM cases WHERE closed_on IS NULL AND deleted_on IS NULL "
        "GROUP BY authority"
    )
    return {authority: int(count) for authority, count in _all(db, sql)}


def orphan_counts(db: Connection) -> dict[str, tuple[int, int]]:
    """Per authority: live evidence naming a case the store does not hold, and all live evidence."""
    # Counted per case first (a scan of ix_evidence_case_live alone), so each case is looked up
    # once rather than once per record.
    sql = (
        "SELECT e.authority, sum(CASE WHEN c.case_ref IS NULL THEN e.records ELSE 0 END), sum(e.records) "
        "FROM (SELECT authority, case_ref, count(*) AS records FROM evidence WHERE deleted_on IS NULL "
        "GROUP BY authority, case_ref) e LEFT OUTER JOIN cases c ON c.authority = e.authority "
        "AND c.case_ref = e.case_ref AND c.deleted_on IS NULL GROUP BY e.authority"
    )
    return {a: (int(orphaned or 0), int(total)) for a, orphaned, total in _all(db, sql)}


def stored_authorities(db: Connection) -> dict[str, str]:
    """Authorities the store holds data for, by code, with the name they were synced under."""
    return {str(code): str(name) for code, name in _all(db, "SELECT code, name FROM authorities")}


def _all(db: Connection, sql: str) -> list[Any]:
    cursor = db.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _utc_text(value: Any) -> str | None:
    """A stored timestamp as `store.schema.tables.UtcDateTime` reads it (naive ones are UTC), as ISO text."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat()
