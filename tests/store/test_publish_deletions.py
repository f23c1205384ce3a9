"""What a complete full read did not meet is marked deleted when it publishes: within the read's case
scope only, never a record the read met but could not map; the count beforehand is what is marked."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from mapping.schema import Evidence
from store.schema.tables import CASES, EVIDENCE
from store.write import lookups
from store.write.publish import StreamMeasure, count_deletions, mark_deleted
from tests.builders import a_case, evidence
from tests.store.conftest import AUTHORITY, NOW, a_run
from tests.store.publishing import Record, a_published_run, publish, rows_of, stage

TODAY = NOW.date()


def a_form(source_id: str, case_ref: str = "C1") -> Evidence:
    return evidence("safety_plan", date(2026, 2, 1), source_id=source_id, case_ref=case_ref)


def deleted(store: Engine, table: Any) -> set[str]:
    return {key for key, (on,) in rows_of(store, table, "deleted_on").items() if on is not None}


def two_cases(store: Engine) -> None:
    a_published_run(
        store,
        [a_case(case_ref="C1"), a_case(case_ref="C2")]
        + [a_form(f"F{n}", "C1") for n in (1, 2, 3)]
        + [a_form(f"G{n}", "C2") for n in (1, 2)],
    )


def test_a_full_read_counts_then_marks_what_it_did_not_meet(store: Engine) -> None:
    two_cases(store)
    run_id = a_run(store, mode="full")
    stage(store, run_id, [a_case(case_ref="C1"), a_form("F1"), a_form("G1", "C2")])
    with store.begin() as conn:
        measure = StreamMeasure()
        count_deletions(conn, AUTHORITY, run_id, "evidence", None, measure)
        assert (measure.vanished, measure.live) == (3, 5)
        assert mark_deleted(conn, AUTHORITY, run_id, "evidence", TODAY, None) == 3
    assert deleted(store, EVIDENCE) == {"F2", "F3", "G2"}
    measures = publish(store, run_id, full_read=True)
    assert measures.stream("cases").vanished == 1
    assert deleted(store, CASES) == {"C2"}
    assert rows_of(store, EVIDENCE, "deleted_on")["F2"] == (TODAY,)


def test_a_one_case_read_deletes_only_within_its_case(store: Engine) -> None:
    two_cases(store)
    run_id = a_run(store, mode="case", scope_case_ref="C1")
    stage(store, run_id, [a_case(case_ref="C1"), a_form("F1")])
    measures = publish(store, run_id, full_read=True, case_ref="C1")
    m = measures.stream("evidence")
    assert (m.vanished, m.live) == (2, 3)
    assert deleted(store, EVIDENCE) == {"F2", "F3"}
    assert deleted(store, CASES) == set()


def test_a_record_the_read_met_but_could_not_map_is_kept(store: Engine) -> None:
    two_cases(store)
    run_id = a_run(store, mode="full")
    met: list[Record] = [
        a_case(case_ref="C1"),
        a_case(case_ref="C2"),
        a_form("F1"),
        a_form("G1", "C2"),
        a_form("G2", "C2"),
    ]
    stage(store, run_id, met, kept={"evidence": ["F2"], "cases": ["F3"]})
    measures = publish(store, run_id, full_read=True)
    assert measures.stream("evidence").vanished == 1, "a case's kept key does not keep evidence"
    assert deleted(store, EVIDENCE) == {"F3"}


def test_an_incremental_read_deletes_nothing(store: Engine) -> None:
    two_cases(store)
    measures = publish(store, a_run(store), full_read=False)
    assert measures.stream("evidence").vanished == 0
    assert deleted(store, EVIDENCE) == deleted(store, CASES) == set()


def test_what_is_already_deleted_is_neither_counted_nor_marked_again(store: Engine) -> None:
    two_cases(store)
    a_published_run(store, [a_case(case_ref="C1"), a_case(case_ref="C2")], full_read=True)
    later = NOW.replace(day=NOW.day + 1)
    run_id = a_run(store, mode="full")
    stage(store, run_id, [a_case(case_ref="C1"), a_case(case_ref="C2")])
    measures = publish(store, run_id, full_read=True, now=later)
    assert (measures.stream("evidence").vanished, measures.stream("evidence").live) == (0, 0)
    assert {on for (on,) in rows_of(store, EVIDENCE, "deleted_on").values()} == {TODAY}


def test_open_cases_are_the_live_cases_not_closed(store: Engine) -> None:
    a_published_run(
        store,
        [
            a_case(case_ref="C1"),
            a_case(case_ref="C2", closed_on=date(2026, 2, 1)),
            a_case(case_ref="C3"),
        ],
    )
    a_published_run(store, [], full_read=True, case_ref="C3")
    with store.connect() as conn:
        assert lookups.open_case_refs(conn, AUTHORITY) == ["C1"]
