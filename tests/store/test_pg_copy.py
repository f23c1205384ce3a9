"""Large batches on PostgreSQL go through COPY into a staging table and one set-wise statement; what
they leave in the store is exactly what the same rows leave on SQLite, written one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Table, bindparam, delete, select, text, update
from sqlalchemy.exc import DBAPIError

from store.schema.tables import AUTHORITIES, CHANGES, EVIDENCE, POSITIONS, STATUSES
from store.write.bulk import STAGE_MIN_ROWS, execute_many
from store.write.upsert import upsert, upsert_tuples
from store.write.versions import not_older

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
V1, V2, V3 = (NOW - timedelta(days=3 - n) for n in range(3))
AWKWARD = "tab\there, new\nline, back\\slash, \\N, \\\\N, 'quote' \"dq\", Zoë Ñ 漢字 🙂"
"""Text that COPY's text format has to escape, and what a careless escaper turns into NULL."""


@pytest.fixture
def stores(sqlite_store: Engine, postgres_store: Engine) -> dict[str, Engine]:
    for engine in (sqlite_store, postgres_store):
        with engine.begin() as conn:
            upsert(conn, AUTHORITIES, [{"code": "la", "name": "LA", "updated_at": NOW}], keys=["code"])
    return {"sqlite": sqlite_store, "postgresql": postgres_store}


def a_form(
    source_id: str, version: datetime | None = V1, content_hash: str = "h", **fields: Any
) -> dict[str, Any]:
    return {
        "authority": "la",
        "source_id": source_id,
        "case_ref": "C1",
        "element": "safety_plan",
        "kind": None,
        "state": "completed",
        "evidenced_on": date(2026, 2, 1),
        "scale_value": None,
        "source_updated_at": version,
        "content_hash": content_hash,
        "synced_at": NOW,
        "last_seen_run": 1,
        "deleted_on": None,
        **fields,
    }


def filler(prefix: str = "fill") -> list[dict[str, Any]]:
    """Enough other rows to take a batch over the staging threshold."""
    return [a_form(f"{prefix}-{n:04d}") for n in range(STAGE_MIN_ROWS)]


def write_forms(conn: Connection, rows: list[dict[str, Any]]) -> None:
    upsert(conn, EVIDENCE, rows, keys=["authority", "source_id"], where=not_older)


def on_both(stores: dict[str, Engine], write: Callable[[Connection], None]) -> None:
    for engine in stores.values():
        with engine.begin() as conn:
            write(conn)


def stored(engine: Engine, table: Table) -> list[dict[str, Any]]:
    order = list(table.primary_key.columns)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table).order_by(*order))]


def forms_by_id(engine: Engine) -> dict[str, dict[str, Any]]:
    return {row["source_id"]: row for row in stored(engine, EVIDENCE)}


def staging_tables(conn: Connection) -> int:
    query = "SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relname LIKE 'stage\\_%'"
    return int(conn.execute(text(query)).scalar_one())


def test_a_large_batch_goes_through_a_staging_table_and_reads_back_as_on_sqlite(
    stores: dict[str, Engine],
) -> None:
    odd = [
        a_form("F-text", kind=AWKWARD[:64], case_ref=AWKWARD, content_hash="\\x00\\t"),
        a_form("F-nulls", version=None, kind=None, scale_value=None, last_seen_run=None),
        a_form(
            "F-offset", version=datetime(2026, 2, 28, 23, 45, tzinfo=timezone(timedelta(hours=5, minutes=30)))
        ),
        a_form(
            "F-naive", version=datetime(2026, 2, 28, 12, 0), scale_value=-3, evidenced_on=date(1999, 12, 31)
        ),
        a_form("F-deleted", deleted_on=date(2026, 2, 28)),
        a_form("F-empty", kind="", case_ref=" "),
    ]
    rows = filler() + odd
    with stores["postgresql"].begin() as conn:
        write_forms(conn, rows)
        assert staging_tables(conn) == 1
    with stores["sqlite"].begin() as conn:
        write_forms(conn, rows)

    assert stored(stores["postgresql"], EVIDENCE) == stored(stores["sqlite"], EVIDENCE)
    forms = forms_by_id(stores["postgresql"])
    assert len(forms) == len(rows)
    assert (forms["F-text"]["case_ref"], forms["F-text"]["kind"]) == (AWKWARD, AWKWARD[:64])
    assert forms["F-text"]["content_hash"] == "\\x00\\t"
    assert (forms["F-nulls"]["source_updated_at"], forms["F-nulls"]["last_seen_run"]) == (None, None)
    assert forms["F-offset"]["source_updated_at"] == datetime(2026, 2, 28, 18, 15, tzinfo=UTC)
    assert forms["F-naive"]["source_updated_at"] == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert (forms["F-naive"]["scale_value"], forms["F-naive"]["evidenced_on"]) == (-3, date(1999, 12, 31))
    assert forms["F-deleted"]["deleted_on"] == date(2026, 2, 28)
    assert (forms["F-empty"]["kind"], forms["F-empty"]["case_ref"]) == ("", " ")


def test_a_small_batch_is_written_row_by_row_without_a_staging_table(stores: dict[str, Engine]) -> None:
    with stores["postgresql"].begin() as conn:
        write_forms(conn, [a_form("F1"), a_form("F2")])
        assert staging_tables(conn) == 0
    assert set(forms_by_id(stores["postgresql"])) == {"F1", "F2"}


def test_an_older_version_in_a_large_batch_does_not_overwrite_a_newer_one(stores: dict[str, Engine]) -> None:
    held = [a_form("F-older", V2, "held"), a_form("F-newer", V2, "held"), a_form("F-unversioned", V2, "held")]
    on_both(stores, lambda conn: write_forms(conn, filler() + held))
    incoming = [
        a_form("F-older", V1, "older"),
        a_form("F-newer", V3, "newer"),
        a_form("F-unversioned", None, "no version"),
        a_form("F-same", V2, "same"),
        a_form("F-new", V1, "new"),
    ]
    on_both(stores, lambda conn: write_forms(conn, filler("more") + incoming))

    hashes = {ref: row["content_hash"] for ref, row in forms_by_id(stores["postgresql"]).items()}
    assert hashes["F-older"] == "held"
    assert hashes["F-newer"] == "newer"
    assert hashes["F-unversioned"] == "no version"
    assert (hashes["F-same"], hashes["F-new"]) == ("same", "new")
    assert forms_by_id(stores["postgresql"])["F-older"]["source_updated_at"] == V2
    assert stored(stores["postgresql"], EVIDENCE) == stored(stores["sqlite"], EVIDENCE)


def test_duplicate_keys_in_one_large_batch_end_as_written_one_by_one_in_order(
    stores: dict[str, Engine],
) -> None:
    on_both(stores, lambda conn: write_forms(conn, [a_form("F-held", V2, "held")]))
    batch = [
        a_form("F-held", V1, "older than held"),
        a_form("F-down", V2, "first"),
        a_form("F-up", V1, "first"),
        *filler(),
        a_form("F-down", V1, "older second"),
        a_form("F-up", V2, "newer second"),
        a_form("F-equal", V1, "first"),
        a_form("F-equal", V1, "second"),
        a_form("F-many", V2, "first"),
        a_form("F-many", V1, "older second"),
        a_form("F-many", V3, "newer third"),
        a_form("F-many", None, "unversioned fourth"),
    ]
    on_both(stores, lambda conn: write_forms(conn, batch))

    hashes = {ref: row["content_hash"] for ref, row in forms_by_id(stores["postgresql"]).items()}
    assert hashes["F-held"] == "held"
    assert hashes["F-down"] == "first"
    assert hashes["F-up"] == "newer second"
    assert hashes["F-equal"] == "second"
    assert hashes["F-many"] == "unversioned fourth"
    assert stored(stores["postgresql"], EVIDENCE) == stored(stores["sqlite"], EVIDENCE)


def test_json_positions_survive_the_copy(stores: dict[str, Engine]) -> None:
    position = {"cursor": AWKWARD, "page": 3, "done": False, "ids": [1, None, "x\ty"], "nested": {"é": 1.5}}
    rows = [
        {
            "authority": "la",
            "stream": f"s{n:04d}",
            "position": {**position, "n": n},
            "run_id": None,
            "updated_at": NOW,
        }
        for n in range(STAGE_MIN_ROWS)
    ]
    on_both(stores, lambda conn: upsert(conn, POSITIONS, rows, keys=["authority", "stream"]))

    assert stored(stores["postgresql"], POSITIONS)[7]["position"] == {**position, "n": 7}
    assert stored(stores["postgresql"], POSITIONS) == stored(stores["sqlite"], POSITIONS)


def test_status_rows_and_their_change_log_staged_end_as_on_sqlite(stores: dict[str, Engine]) -> None:
    keys = [(f"C{n:04d}", element) for n in range(STAGE_MIN_ROWS) for element in ("danger", "safety")]

    def write(conn: Connection) -> None:
        opened = [
            {"authority": "la", "case_ref": ref, "element": el, "status": "evidenced"}
            | {"from_date": date(2026, 1, 1), "to_date": None, "run_id": 1}
            for ref, el in reversed(keys)
        ]
        execute_many(conn, CHANGES.insert(), opened)
        statuses = [
            {
                "authority": "la",
                "case_ref": ref,
                "element": el,
                "status": "evidenced",
                "first_evidenced_on": None,
            }
            | {"last_evidenced_on": date(2026, 1, 1), "due_on": None, "evidence_count": 1}
            | {"latest_scale_value": None, "computed_on": date(2026, 1, 1)}
            for ref, el in keys
        ]
        upsert(conn, STATUSES, statuses, keys=["authority", "case_ref", "element"])
        ended = [{"ref": ref, "el": el} for ref, el in keys if el == "danger"]
        execute_many(
            conn,
            update(CHANGES)
            .where(
                CHANGES.c.authority == "la",
                CHANGES.c.case_ref == bindparam("ref"),
                CHANGES.c.element == bindparam("el"),
                CHANGES.c.to_date.is_(None),
            )
            .values(to_date=date(2026, 2, 1)),
            ended + ended[:3],  # meeting a row again changes nothing
        )
        execute_many(
            conn,
            delete(STATUSES).where(
                STATUSES.c.authority == "la",
                STATUSES.c.case_ref == bindparam("ref"),
                STATUSES.c.element == bindparam("el"),
            ),
            ended,
        )

    on_both(stores, write)

    changes = stored(stores["postgresql"], CHANGES)
    assert [(c["case_ref"], c["element"]) for c in changes] == list(reversed(keys)), "ids in row order"
    assert {c["element"] for c in changes if c["to_date"] == date(2026, 2, 1)} == {"danger"}
    assert sum(c["to_date"] is None for c in changes) == STAGE_MIN_ROWS
    assert {s["element"] for s in stored(stores["postgresql"], STATUSES)} == {"safety"}
    for table in (CHANGES, STATUSES):
        assert stored(stores["postgresql"], table) == stored(stores["sqlite"], table)


def test_two_staged_writes_in_one_transaction_each_write_only_their_own_rows(postgres_store: Engine) -> None:
    row = {"authority": "la", "element": "danger", "status": "evidenced", "from_date": date(2026, 1, 1)}
    with postgres_store.begin() as conn:
        execute_many(conn, CHANGES.insert(), [row | {"case_ref": f"A{n}"} for n in range(STAGE_MIN_ROWS)])
        execute_many(conn, CHANGES.insert(), [row | {"case_ref": f"B{n}"} for n in range(STAGE_MIN_ROWS)])
    assert len(stored(postgres_store, CHANGES)) == 2 * STAGE_MIN_ROWS


def test_a_rolled_back_batch_leaves_nothing_and_the_next_batch_stages_again(
    stores: dict[str, Engine],
) -> None:
    engine = stores["postgresql"]
    with engine.connect() as conn:
        with conn.begin() as transaction:
            write_forms(conn, filler("lost"))
            transaction.rollback()
        with conn.begin():
            write_forms(conn, filler("kept"))
            assert staging_tables(conn) == 1
    assert {ref.split("-")[0] for ref in forms_by_id(engine)} == {"kept"}


def test_an_update_that_sets_values_from_its_rows_keeps_the_last_row_for_a_target(
    stores: dict[str, Engine],
) -> None:
    on_both(stores, lambda conn: write_forms(conn, filler()))
    rows = [{"sid": f"fill-{n:04d}", "new_kind": f"k{n}"} for n in range(STAGE_MIN_ROWS)]
    rows += [{"sid": "fill-0000", "new_kind": "second"}, {"sid": "fill-0000", "new_kind": "last"}]
    statement = (
        update(EVIDENCE).where(EVIDENCE.c.source_id == bindparam("sid")).values(kind=bindparam("new_kind"))
    )
    on_both(stores, lambda conn: execute_many(conn, statement, rows))

    forms = forms_by_id(stores["postgresql"])
    assert (forms["fill-0000"]["kind"], forms["fill-0001"]["kind"]) == ("last", "k1")
    assert stored(stores["postgresql"], EVIDENCE) == stored(stores["sqlite"], EVIDENCE)


def test_a_value_too_long_fails_a_staged_batch_as_row_by_row_without_quoting_the_value(
    postgres_store: Engine,
) -> None:
    secret = "CASE-REF-NOT-FOR-LOGS" * 10
    with postgres_store.begin() as conn:
        upsert(conn, AUTHORITIES, [{"code": "la", "name": "LA", "updated_at": NOW}], keys=["code"])
    for rows in ([a_form("F1", case_ref=secret)], [*filler(), a_form("F1", case_ref=secret)]):
        with pytest.raises(DBAPIError, match="value too long") as failure, postgres_store.begin() as conn:
            write_forms(conn, rows)
        assert "CASE-REF-NOT-FOR-LOGS" not in str(failure.value)
    assert forms_by_id(postgres_store) == {}


def test_tuple_rows_with_shared_values_stage_and_keep_repeated_keys_in_order(
    stores: dict[str, Engine],
) -> None:
    names = ("source_id", "case_ref", "element", "state", "evidenced_on", "source_updated_at", "content_hash")
    shared = {"authority": "la", "synced_at": NOW, "last_seen_run": 1, "deleted_on": None}
    first = [
        (f"F{n:04d}", "C1", "safety_plan", "completed", date(2026, 2, 1), V1, "h")
        for n in range(STAGE_MIN_ROWS)
    ]
    again = [
        ("F0000", "C2", "danger", "draft", date(2026, 2, 2), V2, "newer"),
        ("F0001", "C2", "danger", "draft", date(2026, 2, 2), V2, "second"),
        ("F0001", "C3", "danger", "draft", date(2026, 2, 3), V3, "third, newest"),
        ("F0001", "C4", "danger", "draft", date(2026, 2, 4), V1, "fourth, older"),
    ]
    keys = ["authority", "source_id"]

    def write(conn: Connection) -> None:
        upsert_tuples(conn, EVIDENCE, names, first + again, keys, shared, where=not_older)

    on_both(stores, write)

    forms = forms_by_id(stores["postgresql"])
    assert len(forms) == STAGE_MIN_ROWS
    assert (forms["F0000"]["content_hash"], forms["F0001"]["content_hash"]) == ("newer", "third, newest")
    assert {(f["authority"], f["synced_at"], f["last_seen_run"]) for f in forms.values()} == {("la", NOW, 1)}
    assert stored(stores["postgresql"], EVIDENCE) == stored(stores["sqlite"], EVIDENCE)
