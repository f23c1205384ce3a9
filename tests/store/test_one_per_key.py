"""A read that meets one key more than once keeps one row for it, chosen by the stream's rule: the
latest by its `latest_by` field (a missing value loses), then an open case over a closed one, then
the greater content hash, so the same rows give the same choice whatever order they came in."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, func, select

from store.schema.staged import STAGED_CASES, STAGED_EVIDENCE
from store.write.publish import StreamMeasure, keep_one_per_key
from tests.builders import a_case, evidence
from tests.store.conftest import NOW, a_run
from tests.store.publishing import Record, stage

V1, V2 = NOW - timedelta(days=2), NOW - timedelta(days=1)


def kept(
    store: Engine, records: list[Record], stream: str, latest_by: str = "source_updated_at"
) -> tuple[StreamMeasure, dict[str, str]]:
    """Stage `records` in one run, keep one per key, and say which content hash each key kept."""
    run_id = a_run(store)
    stage(store, run_id, records)
    with store.begin() as conn:
        measure = keep_one_per_key(conn, run_id, stream, latest_by)
    table = STAGED_CASES if stream == "cases" else STAGED_EVIDENCE
    key = table.c.case_ref if stream == "cases" else table.c.source_id
    with store.connect() as conn:
        query = select(key, table.c.content_hash).where(table.c.run_id == run_id)
        return measure, dict(conn.execute(query).all())


def test_the_latest_source_version_is_kept_and_a_missing_one_loses(store: Engine) -> None:
    records: list[Record] = [
        (a_case(case_ref="C1", source_updated_at=V2), "newer"),
        (a_case(case_ref="C1", source_updated_at=None), "no version"),
        (a_case(case_ref="C1", source_updated_at=V1), "older"),
    ]
    assert kept(store, records, "cases")[1] == {"C1": "newer"}
    assert kept(store, records[::-1], "cases")[1] == {"C1": "newer"}


def test_the_streams_own_latest_by_field_decides(store: Engine) -> None:
    records: list[Record] = [
        (evidence("mapping", date(2026, 2, 3), source_id="F1", source_updated_at=V2), "earlier form"),
        (evidence("mapping", date(2026, 2, 9), source_id="F1", source_updated_at=V1), "later form"),
    ]
    assert kept(store, records, "evidence", latest_by="evidenced_on")[1] == {"F1": "later form"}
    assert kept(store, records, "evidence")[1] == {"F1": "earlier form"}


def test_an_open_case_wins_over_a_closed_one_on_a_tie(store: Engine) -> None:
    records: list[Record] = [
        (a_case(case_ref="C1", source_updated_at=V1), "open"),
        (a_case(case_ref="C1", source_updated_at=V1, closed_on=date(2026, 2, 1)), "zz closed"),
    ]
    assert kept(store, records, "cases")[1] == {"C1": "open"}
    assert kept(store, records[::-1], "cases")[1] == {"C1": "open"}


def test_the_same_rows_give_the_same_choice_in_either_arrival_order(store: Engine) -> None:
    records: list[Record] = [
        (evidence("mapping", date(2026, 2, 3), source_id="F1", source_updated_at=V1), "aaa"),
        (evidence("mapping", date(2026, 2, 4), source_id="F1", source_updated_at=V1), "bbb"),
        (evidence("mapping", date(2026, 2, 5), source_id="F2"), "ccc"),
        (evidence("mapping", date(2026, 2, 6), source_id="F2"), "ddd"),
    ]
    assert kept(store, records, "evidence")[1] == {"F1": "bbb", "F2": "ddd"}
    assert kept(store, records[::-1], "evidence")[1] == {"F1": "bbb", "F2": "ddd"}


def test_rows_keys_and_conflicting_keys_are_counted(store: Engine) -> None:
    records: list[Record] = [
        (a_case(case_ref="C1"), "same"),
        (a_case(case_ref="C1"), "same"),
        (a_case(case_ref="C2", source_updated_at=V1), "first"),
        (a_case(case_ref="C2", source_updated_at=V2), "second"),
        (a_case(case_ref="C2", source_updated_at=V2), "second"),
        (a_case(case_ref="C3"), "alone"),
        (a_case(case_ref="C4", source_updated_at=V2), "one"),
        (a_case(case_ref="C4", source_updated_at=V2), "other"),
    ]
    measure, chosen = kept(store, records, "cases")
    # C2's two versions are an update the rule orders; only C4's rows tie with different content.
    assert (measure.rows, measure.keys, measure.conflicting) == (8, 4, 1)
    assert chosen == {"C1": "same", "C2": "second", "C3": "alone", "C4": "other"}


def test_a_read_without_duplicates_is_left_as_it_was(store: Engine) -> None:
    records: list[Record] = [(a_case(case_ref=f"C{n}"), f"h{n}") for n in range(3)]
    measure, chosen = kept(store, records, "cases")
    assert (measure.rows, measure.keys, measure.conflicting) == (3, 3, 0)
    assert chosen == {"C0": "h0", "C1": "h1", "C2": "h2"}


def test_only_the_runs_own_rows_are_weighed(store: Engine) -> None:
    other = a_run(store)
    stage(store, other, [(a_case(case_ref="C1", source_updated_at=V2), "other run's")])
    measure, chosen = kept(store, [(a_case(case_ref="C1", source_updated_at=V1), "this run's")], "cases")
    assert (measure.rows, chosen) == (1, {"C1": "this run's"})
    with store.connect() as conn:
        held = conn.execute(select(func.count()).where(STAGED_CASES.c.run_id == other)).scalar_one()
    assert held == 1
