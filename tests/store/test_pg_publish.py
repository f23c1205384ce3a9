"""A whole publish leaves PostgreSQL exactly as it leaves SQLite: the same staged input (staged through
COPY on PostgreSQL, row by row on SQLite) gives the same measures and the same live rows, row for row:
cases, evidence, quarantine, positions and the cases noted for their statuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, Table, select

from mapping.schema import Case, CaseType, Evidence, EvidenceState
from store.schema.tables import CASES, EVIDENCE, POSITIONS, QUARANTINE, TOUCHED
from store.write.bulk import STAGE_MIN_ROWS
from store.write.publish import Measures
from store.write.staging import StagedQuarantineItem
from store.write.writer import ensure_authority
from tests.store.conftest import AUTHORITY, NOW, a_run
from tests.store.publishing import Record, publish, stage

pytestmark = pytest.mark.postgres

CASE_COUNT = 3 * STAGE_MIN_ROWS
V1, V2, V3 = (NOW - timedelta(days=3 - n) for n in range(3))
AWKWARD = "tab\there, new\nline, back\\slash, \\N, 'q' \"dq\", Zoë Ñ 漢字 🙂"
"""Text that COPY's text format has to escape."""
OFFSET = timezone(timedelta(hours=5, minutes=30))


@pytest.fixture
def stores(sqlite_store: Engine, postgres_store: Engine) -> dict[str, Engine]:
    for engine in (sqlite_store, postgres_store):
        with engine.begin() as conn:
            ensure_authority(conn, AUTHORITY, "Test LA", NOW)
    return {"sqlite": sqlite_store, "postgresql": postgres_store}


def a_case(n: int, version: datetime | None = V1, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "authority": AUTHORITY,
        "case_ref": f"C{n:04d}",
        "team": AWKWARD[: n % 40] or None,
        "case_type": list(CaseType)[n % len(CaseType)],
        "opened_on": date(2025, 1, 1) + timedelta(days=n % 300),
        "closed_on": date(2026, 2, 1) if n % 11 == 0 else None,
        "source_updated_at": version,
    }
    return Case(**(values | fields))


def a_form(n: int, version: datetime | None = V1, **fields: Any) -> Evidence:
    values: dict[str, Any] = {
        "authority": AUTHORITY,
        "source_id": f"F{n:05d}",
        "case_ref": f"C{n % CASE_COUNT:04d}",
        "element": ("safety_plan", "danger_statement", "safety_scale")[n % 3],
        "kind": AWKWARD[: n % 50] or None,
        "state": list(EvidenceState)[n % len(EvidenceState)],
        "evidenced_on": date(2026, 1, 1) + timedelta(days=n % 60),
        "scale_value": n % 11 if n % 3 == 2 else None,
        "source_updated_at": version,
    }
    return Evidence(**(values | fields))


def first_read() -> list[Record]:
    cases: list[Record] = [a_case(n, V1 if n % 5 else None) for n in range(CASE_COUNT)]
    forms: list[Record] = [a_form(n, V1 if n % 7 else None) for n in range(2 * CASE_COUNT)]
    twice: list[Record] = [
        a_case(3, V2, team="moved"),
        a_case(4, V1, closed_on=date(2026, 2, 2)),
        a_form(5, V1, state="draft"),
        a_form(6, None, kind="unversioned second"),
    ]
    return cases + forms + twice


def second_read() -> list[Record]:
    """A full read a week on: most met again unchanged, some changed, older, moved, gone or new."""
    cases: list[Record] = [a_case(n, V1 if n % 5 else None) for n in range(CASE_COUNT) if n % 13]
    cases += [a_case(n, V3, team="renamed") for n in range(0, CASE_COUNT, 26)]
    cases += [a_case(CASE_COUNT + n, V2) for n in range(5)]
    forms: list[Record] = []
    for n in range(2 * CASE_COUNT):
        if n % 17 == 0:
            continue  # gone from the source
        if n % 19 == 0:
            forms.append(a_form(n, V3, state="authorised"))
        elif n % 23 == 0:
            forms.append(a_form(n, V1 - timedelta(days=1), kind="older"))  # older than held
        elif n % 29 == 0:
            forms.append(a_form(n, datetime(2026, 2, 28, 23, 45, tzinfo=OFFSET), case_ref="C0001"))
        else:
            forms.append(a_form(n, V1 if n % 7 else None))
    forms += [a_form(9_000 + n, V2, case_ref=f"X{n}") for n in range(4)]  # orphans
    return cases + forms + [a_form(19, V2, state="draft"), a_form(38, V3, state="draft")]


QUARANTINED = [
    StagedQuarantineItem("evidence", "evidenced_on: not a date", "hash-1", "F00017"),
    StagedQuarantineItem("evidence", "no source id", "hash-2", None),
    StagedQuarantineItem("cases", "opened_on: missing", "hash-3", "C9999"),
]
POSITION = {"cursor": AWKWARD, "page": 3, "done": False, "ids": [1, None, "x\ty"], "nested": {"é": 1.5}}


def publish_both_runs(engine: Engine) -> list[Measures]:
    first = a_run(engine)
    stage(
        engine, first, first_read(), quarantine=QUARANTINED, positions={"evidence": POSITION}, config_hash="a"
    )
    measures = [publish(engine, first)]
    second = a_run(engine, mode="full")
    later = NOW + timedelta(days=7)
    stage(engine, second, second_read()[:STAGE_MIN_ROWS], positions={"cases": {"page": 1}}, config_hash="b")
    stage(
        engine,
        second,
        second_read()[STAGE_MIN_ROWS:],
        quarantine=QUARANTINED[1:],
        kept={"evidence": ["F00034"]},
        mapped={"evidence": ["F00017"]},
        positions={"evidence": {**POSITION, "page": 9}},
        config_hash="b",
    )
    measures.append(publish(engine, second, full_read=True, now=later))
    return measures


def rows(engine: Engine, table: Table) -> list[dict[str, Any]]:
    columns = [c for c in table.c if c.name != "id"]  # ids are numbered as the backend inserts
    order = [c for c in columns if c.primary_key or c.name in ("stream", "record_key")]
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(*columns).order_by(*order))]


def test_a_whole_publish_leaves_both_backends_the_same_row_for_row(stores: dict[str, Engine]) -> None:
    measures = {name: publish_both_runs(engine) for name, engine in stores.items()}
    assert measures["postgresql"] == measures["sqlite"]
    for table in (CASES, EVIDENCE, QUARANTINE, POSITIONS, TOUCHED):
        assert rows(stores["postgresql"], table) == rows(stores["sqlite"], table), table.name

    first, second = measures["postgresql"]
    assert (first.stream("cases").rows, first.stream("cases").keys) == (CASE_COUNT + 2, CASE_COUNT)
    assert (second.stream("evidence").orphaned, second.stream("evidence").conflicting) == (
        4,
        1,
    )  # one key tied on its version with other content; the other a newer version
    assert second.stream("evidence").vanished > 0
    assert second.stream("evidence").updated > 0
    assert second.stream("evidence").unchanged > second.stream("evidence").updated
    evidence = {row["source_id"]: row for row in rows(stores["postgresql"], EVIDENCE)}
    assert evidence["F00034"]["deleted_on"] is None, "met but not mapped: kept"
    assert evidence["F00051"]["deleted_on"] == (NOW + timedelta(days=7)).date()
    assert evidence["F00023"]["kind"] == AWKWARD[:23], "an older version stays out"
    assert evidence["F00029"]["source_updated_at"] == datetime(2026, 2, 28, 18, 15, tzinfo=UTC)
    assert evidence["F00001"]["kind"] == AWKWARD[:1]
    assert rows(stores["postgresql"], POSITIONS)[0]["position"] == {"page": 1}
    quarantine = {row["record_key"]: row for row in rows(stores["postgresql"], QUARANTINE)}
    assert quarantine["id:F00017"]["resolved_at"] is not None
    assert quarantine["hash:hash-2"]["resolved_at"] is None
