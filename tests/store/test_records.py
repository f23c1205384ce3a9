"""Cases and evidence as the store keeps them: upserted by key, an older version never over a newer
one, records a full read did not meet marked deleted, quarantine one row per bad record."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from mapping.schema import Evidence
from store.schema.tables import CASES, EVIDENCE, QUARANTINE
from store.write import lookups, writer
from store.write.writer import QuarantineItem
from tests.builders import a_case, evidence
from tests.store.conftest import AUTHORITY, NOW, a_run

V1, V2 = NOW - timedelta(days=2), NOW - timedelta(days=1)


def a_form(source_id: str, **fields: Any) -> Evidence:
    return evidence("safety_plan", date(2026, 2, 1), source_id=source_id, **fields)


def write_forms(store: Engine, forms: list[tuple[Evidence, str]], run_id: int = 1) -> None:
    with store.begin() as conn:
        writer.write_evidence(conn, forms, run_id, NOW)


def stored_forms(store: Engine) -> dict[str, tuple[Any, ...]]:
    columns = (EVIDENCE.c.source_id, EVIDENCE.c.state, EVIDENCE.c.content_hash, EVIDENCE.c.deleted_on)
    with store.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(select(*columns))}


def test_a_record_is_inserted_then_updated_by_its_key(store: Engine) -> None:
    write_forms(store, [(a_form("F1", source_updated_at=V1), "h1")])
    write_forms(store, [(a_form("F1", source_updated_at=V2, state="authorised"), "h2")])
    assert stored_forms(store) == {"F1": ("authorised", "h2", None)}


def test_an_older_version_never_overwrites_a_newer_one(store: Engine) -> None:
    write_forms(store, [(a_form("F1", source_updated_at=V2, state="authorised"), "new")])
    write_forms(store, [(a_form("F1", source_updated_at=V1, state="draft"), "old")])
    assert stored_forms(store) == {"F1": ("authorised", "new", None)}
    with store.connect() as conn:
        [held] = lookups.stored_versions(conn, EVIDENCE, AUTHORITY, ["F1"]).values()
    assert held.is_newer_than(V1)
    assert not held.is_newer_than(V2)
    assert not held.is_newer_than(None)


def test_a_record_without_a_version_is_decided_by_its_content(store: Engine) -> None:
    write_forms(store, [(a_form("F1", source_updated_at=V2), "first")])
    write_forms(store, [(a_form("F1", source_updated_at=None, state="draft"), "second")])
    assert stored_forms(store) == {"F1": ("draft", "second", None)}


def test_records_a_full_read_did_not_meet_are_counted_then_marked_deleted(store: Engine) -> None:
    write_forms(store, [(a_form(f"F{n}"), "h") for n in range(1, 4)], run_id=1)
    with store.begin() as conn:
        writer.mark_seen(conn, EVIDENCE, AUTHORITY, ["F1", "F3"], run_id=2)
        assert writer.count_vanished(conn, EVIDENCE, AUTHORITY, run_id=2) == 1
        assert writer.mark_vanished(conn, EVIDENCE, AUTHORITY, 2, date(2026, 3, 2)) == ["C1"]
        assert lookups.count_live(conn, EVIDENCE, AUTHORITY) == 2
    assert stored_forms(store)["F2"] == ("completed", "h", date(2026, 3, 2))


def test_only_live_cases_are_found_and_open_ones_listed(store: Engine) -> None:
    with store.begin() as conn:
        cases = [
            a_case(case_ref="C1"),
            a_case(case_ref="C2", closed_on=date(2026, 2, 1)),
            a_case(case_ref="C3"),
        ]
        writer.write_cases(conn, [(c, "h") for c in cases], 1, NOW)
        writer.mark_seen(conn, CASES, AUTHORITY, ["C1", "C2"], run_id=2)
        writer.mark_vanished(conn, CASES, AUTHORITY, 2, date(2026, 3, 2))
        assert lookups.live_case_refs(conn, AUTHORITY, ["C1", "C2", "C3", "C9"]) == {"C1", "C2"}
        assert lookups.open_case_refs(conn, AUTHORITY) == ["C1"]


def test_a_bad_record_has_one_quarantine_row_reopened_when_met_again_and_resolved_when_it_maps(
    store: Engine,
) -> None:
    bad = QuarantineItem("evidence", "evidenced_on: not a date", "hash-1", "F1")
    without_id = QuarantineItem("evidence", "no source id", "hash-2", None)
    for run_id in (a_run(store), a_run(store)):
        with store.begin() as conn:
            writer.write_quarantine(conn, AUTHORITY, run_id, [bad, bad, without_id], NOW)
    with store.begin() as conn:
        writer.resolve_quarantine(conn, AUTHORITY, "evidence", ["F1"], NOW)
    with store.connect() as conn:
        rows = conn.execute(select(QUARANTINE.c.record_key, QUARANTINE.c.run_id, QUARANTINE.c.resolved_at))
        held = {key: (run_id, resolved is not None) for key, run_id, resolved in rows}
    assert held == {"id:F1": (run_id, True), "hash:hash-2": (run_id, False)}


def test_a_position_is_saved_and_loaded_as_it_was_given(store: Engine) -> None:
    position = {"cursor": "abc", "page": 3, "since": "2026-03-01T00:00:00Z"}
    with store.begin() as conn:
        writer.save_position(conn, AUTHORITY, "evidence", position, 1, NOW)
        writer.save_position(conn, AUTHORITY, "evidence", {**position, "page": 4}, 2, NOW)
    with store.connect() as conn:
        assert lookups.load_position(conn, AUTHORITY, "evidence") == ({**position, "page": 4}, None)
        assert lookups.load_position(conn, AUTHORITY, "cases") == (None, None)
