"""A plain INSERT of many rows on PostgreSQL is copied straight into its table, and what it leaves is
exactly what the same rows leave on SQLite, written one by one; a value COPY would quote in its
error takes the staging table instead, and fails as row by row does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Table, select, text
from sqlalchemy.exc import DBAPIError

from store.schema.staged import STAGED_EVIDENCE, STAGED_STREAMS
from store.schema.tables import STATUSES
from store.write.bulk import STAGE_MIN_ROWS, execute_many, execute_tuples
from store.write.copy_rows import fits

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
AWKWARD = "tab\there, new\nline, back\\slash, \\N, \\\\N, 'quote' \"dq\", Zoë Ñ 漢字 🙂"
"""Text that COPY's text format has to escape, and what a careless escaper turns into NULL."""
FIVE_HOURS_EAST = timezone(timedelta(hours=5))
NAMES = (
    "seq",
    "authority",
    "source_id",
    "case_ref",
    "element",
    "kind",
    "state",
    "evidenced_on",
    "scale_value",
    "source_updated_at",
    "content_hash",
)


def a_staged_form(seq: int, **fields: Any) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "seq": seq,
        "authority": "la",
        "source_id": f"F{seq:04d}",
        "case_ref": f"C{seq % 7}",
        "element": "safety_plan",
        "kind": None,
        "state": "completed",
        "evidenced_on": date(2026, 2, 1) + timedelta(days=seq % 30),
        "scale_value": None,
        "source_updated_at": NOW - timedelta(minutes=seq),
        "content_hash": f"h{seq}",
    }
    return tuple((values | fields)[name] for name in NAMES)


def many(*odd: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return [*odd, *(a_staged_form(n) for n in range(len(odd) + 1, STAGE_MIN_ROWS + 1))]


def stage(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    execute_tuples(conn, STAGED_EVIDENCE.insert(), NAMES, rows, {"run_id": 7})


def staging_tables(conn: Connection) -> int:
    query = "SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relname LIKE 'stage\\_%'"
    return int(conn.execute(text(query)).scalar_one())


def stored(engine: Engine, table: Table) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table).order_by(*table.primary_key))]


def test_staged_records_are_copied_straight_into_their_table_and_read_back_as_on_sqlite(
    sqlite_store: Engine, postgres_store: Engine
) -> None:
    rows = many(
        a_staged_form(1, kind=AWKWARD[:64], case_ref=AWKWARD, content_hash="\\x00\\t"),
        a_staged_form(2, source_updated_at=None, kind="", case_ref=" ", scale_value=-3),
        a_staged_form(
            3, source_updated_at=datetime(2026, 2, 28, 23, 45, tzinfo=timezone(timedelta(hours=5)))
        ),
        a_staged_form(4, source_updated_at=datetime(2026, 2, 28, 12, 0), evidenced_on=date(1999, 12, 31)),
        a_staged_form(5, scale_value=32767, source_id="x" * 128),
    )
    with postgres_store.begin() as conn:
        stage(conn, rows)
        assert staging_tables(conn) == 0, "copied into the table itself"
    with sqlite_store.begin() as conn:
        stage(conn, rows)

    copied = stored(postgres_store, STAGED_EVIDENCE)
    assert copied == stored(sqlite_store, STAGED_EVIDENCE)
    assert len(copied) == STAGE_MIN_ROWS
    assert (copied[0]["case_ref"], copied[0]["content_hash"]) == (AWKWARD, "\\x00\\t")
    assert (copied[1]["kind"], copied[1]["case_ref"], copied[1]["source_updated_at"]) == ("", " ", None)
    assert copied[2]["source_updated_at"] == datetime(2026, 2, 28, 18, 45, tzinfo=UTC)
    assert copied[3]["source_updated_at"] == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("odd", "message"),
    [
        ({"case_ref": "CASE-REF-NOT-FOR-LOGS" * 10}, "value too long"),
        ({"scale_value": 99_999, "case_ref": "CASE-REF-NOT-FOR-LOGS"}, "out of range"),
    ],
    ids=["too long", "too large"],
)
def test_a_value_that_does_not_fit_fails_as_row_by_row_without_quoting_it(
    postgres_store: Engine, odd: dict[str, Any], message: str
) -> None:
    for rows in ([a_staged_form(1, **odd)], many(a_staged_form(1, **odd))):
        with pytest.raises(DBAPIError, match=message) as failure, postgres_store.begin() as conn:
            stage(conn, rows)
        assert "CASE-REF-NOT-FOR-LOGS" not in str(failure.value)
        assert "99999" not in str(failure.value)
    assert stored(postgres_store, STAGED_EVIDENCE) == []


def test_a_column_left_to_its_default_is_not_copied_but_staged_as_before(
    sqlite_store: Engine, postgres_store: Engine
) -> None:
    counts = ("read_count", "quarantined_count", "not_evidence_count", "superseded_count")
    rows = [{"run_id": n, "stream": "evidence"} | dict.fromkeys(counts, n) for n in range(STAGE_MIN_ROWS)]
    with postgres_store.begin() as conn:
        execute_many(conn, STAGED_STREAMS.insert(), rows)
        assert staging_tables(conn) == 1
    with sqlite_store.begin() as conn:
        conn.execute(STAGED_STREAMS.insert(), rows)  # the reference, with SQLAlchemy's own defaults

    written = stored(postgres_store, STAGED_STREAMS)
    assert written == stored(sqlite_store, STAGED_STREAMS)
    assert {row["unreadable"] for row in written} == {False}, "the column's default, as row by row"


def test_fits_holds_a_column_length_and_an_integer_range() -> None:
    ref, scale, count = (STATUSES.c[n].type for n in ("case_ref", "latest_scale_value", "evidence_count"))
    assert fits(ref, ["x" * 128, None])
    assert not fits(ref, ["x" * 129])
    assert fits(scale, [-(2**15), 2**15 - 1, None])
    assert not fits(scale, [2**15])
    assert not fits(scale, [-(2**15) - 1])
    assert fits(count, [2**31 - 1])
    assert not fits(count, [2**31])
