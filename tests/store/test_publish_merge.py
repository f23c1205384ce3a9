"""Publishing merges a run's staged rows into the live ones: a new key inserts, other content updates,
the same content is left alone, an older source version never overwrites a newer one, a deleted row
comes back; what `classify` counts beforehand is what `merge_records` then does."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from mapping.schema import Evidence
from store.schema.tables import CASES, EVIDENCE, TOUCHED
from tests.builders import a_case, evidence
from tests.store.conftest import AUTHORITY, NOW, a_run
from tests.store.publishing import Record, a_published_run, publish, rows_of, stage

V1, V2 = NOW - timedelta(days=2), NOW - timedelta(days=1)
LATER = NOW + timedelta(hours=6)


def a_form(source_id: str, case_ref: str = "C1", **fields: Any) -> Evidence:
    return evidence("safety_plan", date(2026, 2, 1), source_id=source_id, case_ref=case_ref, **fields)


def forms(store: Engine) -> dict[str, tuple[Any, ...]]:
    return rows_of(store, EVIDENCE, "state", "content_hash", "deleted_on")


def test_a_staged_row_is_inserted_with_the_run_and_time_that_published_it(store: Engine) -> None:
    run_id = a_published_run(store, [a_case(), (a_form("F1"), "h1")])
    assert forms(store) == {"F1": ("completed", "h1", None)}
    assert rows_of(store, EVIDENCE, "synced_at", "last_seen_run") == {"F1": (NOW, run_id)}
    assert rows_of(store, CASES, "case_type", "opened_on", "closed_on") == {
        "C1": ("cp", date(2026, 1, 5), None)
    }


def test_a_row_with_other_content_updates_the_live_one(store: Engine) -> None:
    a_published_run(store, [a_case(), (a_form("F1", source_updated_at=V1), "h1")])
    later = a_published_run(
        store, [(a_form("F1", source_updated_at=V2, state="authorised"), "h2")], now=LATER
    )
    assert forms(store) == {"F1": ("authorised", "h2", None)}
    assert rows_of(store, EVIDENCE, "source_updated_at", "synced_at", "last_seen_run") == {
        "F1": (V2, LATER, later)
    }


def test_the_same_content_again_is_left_alone_and_keeps_when_it_was_synced(store: Engine) -> None:
    first = a_published_run(store, [a_case(), (a_form("F1", source_updated_at=V1), "h1")])
    run_id = a_run(store)
    stage(store, run_id, [a_case(), (a_form("F1", source_updated_at=V2), "h1")])
    measures = publish(store, run_id, now=LATER)
    assert (measures.stream("evidence").unchanged, measures.stream("cases").unchanged) == (1, 1)
    assert rows_of(store, EVIDENCE, "source_updated_at", "synced_at", "last_seen_run") == {
        "F1": (V1, NOW, first)
    }
    assert rows_of(store, CASES, "synced_at") == {"C1": (NOW,)}


def test_an_older_source_version_never_overwrites_a_newer_one(store: Engine) -> None:
    a_published_run(store, [a_case(), (a_form("F1", source_updated_at=V2, state="authorised"), "new")])
    run_id = a_run(store)
    stage(store, run_id, [(a_form("F1", source_updated_at=V1, state="draft"), "old")])
    measures = publish(store, run_id, now=LATER)
    assert (measures.stream("evidence").updated, measures.stream("evidence").unchanged) == (0, 1)
    assert forms(store) == {"F1": ("authorised", "new", None)}
    assert rows_of(store, EVIDENCE, "source_updated_at", "synced_at") == {"F1": (V2, NOW)}


def test_a_row_without_a_version_on_either_side_is_decided_by_its_content(store: Engine) -> None:
    a_published_run(store, [a_case(), (a_form("F1", source_updated_at=V2), "first")])
    a_published_run(store, [(a_form("F1", source_updated_at=None, state="draft"), "second")])
    a_published_run(store, [(a_form("F2", source_updated_at=None), "first")])
    a_published_run(store, [(a_form("F2", source_updated_at=V1, state="draft"), "second")])
    assert forms(store) == {"F1": ("draft", "second", None), "F2": ("draft", "second", None)}


def test_a_deleted_live_row_is_revived_by_the_same_content_read_again(store: Engine) -> None:
    a_published_run(store, [a_case(), (a_form("F1"), "h1"), (a_form("F2"), "h2")])
    a_published_run(store, [a_case(), (a_form("F1"), "h1")], full_read=True)
    assert forms(store)["F2"] == ("completed", "h2", NOW.date())
    run_id = a_run(store)
    stage(store, run_id, [(a_form("F2"), "h2")])
    measures = publish(store, run_id, now=LATER)
    assert (measures.stream("evidence").updated, measures.stream("evidence").unchanged) == (1, 0)
    assert forms(store)["F2"] == ("completed", "h2", None)
    assert rows_of(store, EVIDENCE, "synced_at")["F2"] == (LATER,)


def test_classify_counts_what_merge_records_then_does(store: Engine) -> None:
    held: list[Record] = [
        a_case(case_ref="C1"),
        (a_form("same"), "h"),
        (a_form("changed", source_updated_at=V1), "h"),
        (a_form("newer held", source_updated_at=V2), "h"),
    ]
    a_published_run(store, [*held, (a_form("deleted"), "h")])
    a_published_run(store, held, full_read=True, case_ref="C1")
    before = rows_of(store, EVIDENCE, "content_hash", "synced_at", "deleted_on")
    run_id = a_run(store)
    staged: list[Record] = [
        a_case(case_ref="C2"),
        (a_form("same"), "h"),
        (a_form("changed", source_updated_at=V2), "other"),
        (a_form("newer held", source_updated_at=V1), "older"),
        (a_form("deleted"), "h"),
        (a_form("new"), "h"),
        (a_form("new on a new case", case_ref="C2"), "h"),
        (a_form("orphan", case_ref="C9"), "h"),
    ]
    stage(store, run_id, staged)
    measures = publish(store, run_id, now=LATER)
    after = rows_of(store, EVIDENCE, "content_hash", "synced_at", "deleted_on")

    written = {key for key, row in after.items() if row[1] == LATER}
    inserted = written - set(before)
    updated = written & set(before)
    m = measures.stream("evidence")
    assert (m.rows, m.inserted, m.updated, m.unchanged, m.orphaned) == (7, 2, 2, 2, 1)
    assert inserted == {"new", "new on a new case", "orphan"}
    assert updated == {"changed", "deleted"}
    assert len(inserted - {"orphan"}) == m.inserted
    assert len(updated) == m.updated
    left_alone = set(before) - written
    assert len(left_alone) == m.unchanged
    assert {key: after[key] for key in left_alone} == {key: before[key] for key in left_alone}
    assert "orphan" in after, "orphaned evidence is held, counted apart, until its case arrives"
    assert measures.stream("cases").inserted == 1


def test_evidence_is_orphaned_when_its_case_is_neither_live_nor_staged_in_the_run(store: Engine) -> None:
    a_published_run(store, [a_case(case_ref="live"), a_case(case_ref="gone")])
    a_published_run(store, [], full_read=True, case_ref="gone")
    run_id = a_run(store)
    stage(store, run_id, [a_case(case_ref="staged")])
    stage(store, run_id, [a_form(f"on {ref}", case_ref=ref) for ref in ("live", "staged", "gone", "never")])
    measures = publish(store, run_id)
    assert (measures.stream("evidence").orphaned, measures.stream("evidence").inserted) == (2, 2)
    assert measures.stream("cases").orphaned == 0


def test_publishing_notes_the_cases_whose_statuses_may_move(store: Engine) -> None:
    a_published_run(
        store,
        [a_case(case_ref=ref) for ref in ("C1", "C2", "C3", "C4")]
        + [(a_form("moves", case_ref="C1"), "h"), (a_form("stays", case_ref="C3"), "h")]
        + [(a_form("goes", case_ref="C4"), "h")],
    )
    with store.begin() as conn:
        conn.execute(TOUCHED.delete())
    moved: list[Record] = [(a_form("moves", case_ref="C2"), "moved"), (a_form("stays", case_ref="C3"), "h")]
    a_published_run(
        store, [*(a_case(case_ref=ref) for ref in ("C1", "C2", "C3", "C4")), *moved], full_read=True
    )
    with store.connect() as conn:
        touched = set(conn.execute(select(TOUCHED.c.authority, TOUCHED.c.case_ref)))
    assert touched == {(AUTHORITY, "C1"), (AUTHORITY, "C2"), (AUTHORITY, "C4")}
