"""Publishing writes a run's quarantine, one open row per bad source record, reopened when met again and
resolved when the record maps or a complete full read no longer meets it; and it moves the streams'
positions with the configuration they were made with."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from store.schema.tables import POSITIONS, QUARANTINE
from store.write import lookups
from store.write.staging import StagedQuarantineItem
from tests.store.conftest import AUTHORITY, NOW, a_run
from tests.store.publishing import a_published_run, publish, stage

LATER = NOW + timedelta(hours=6)
BAD = StagedQuarantineItem("evidence", "evidenced_on: not a date", "hash-1", "F1")
WITHOUT_ID = StagedQuarantineItem("evidence", "no source id", "hash-2", None)
A_CASE = StagedQuarantineItem("cases", "opened_on: missing", "hash-3", "C7")


def quarantine(store: Engine) -> dict[str, tuple[Any, ...]]:
    q = QUARANTINE.c
    columns = (q.record_key, q.run_id, q.reason, q.first_seen_at, q.last_seen_at, q.resolved_at)
    with store.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(select(*columns))}


def test_a_bad_record_has_one_row_named_by_its_id_or_its_content(store: Engine) -> None:
    run_id = a_published_run(store, quarantine=[BAD, BAD, WITHOUT_ID])
    assert quarantine(store) == {
        "id:F1": (run_id, BAD.reason, NOW, NOW, None),
        "hash:hash-2": (run_id, WITHOUT_ID.reason, NOW, NOW, None),
    }
    with store.connect() as conn:
        assert lookups.holds_open_quarantine(conn, AUTHORITY, "evidence")
        assert not lookups.holds_open_quarantine(conn, AUTHORITY, "cases")


def test_a_record_that_now_maps_resolves_its_row_and_meeting_it_bad_again_reopens_it(store: Engine) -> None:
    a_published_run(store, quarantine=[BAD, WITHOUT_ID])
    a_published_run(store, mapped={"evidence": ["F1"]}, now=LATER)
    assert quarantine(store)["id:F1"][-1] == LATER
    assert quarantine(store)["hash:hash-2"][-1] is None, "a record without an id cannot be mapped by id"
    with store.connect() as conn:
        assert not lookups.holds_open_quarantine(conn, AUTHORITY, "evidence")
    edited = StagedQuarantineItem("evidence", "scale_value: 12 is above 10", "hash-1b", "F1")
    third = a_published_run(store, quarantine=[edited], now=LATER + timedelta(hours=1))
    assert quarantine(store)["id:F1"] == (third, edited.reason, NOW, LATER + timedelta(hours=1), None)


def test_a_mapped_id_resolves_only_its_own_streams_rows(store: Engine) -> None:
    a_published_run(store, quarantine=[BAD, A_CASE])
    a_published_run(store, mapped={"cases": ["F1", "C7"]}, now=LATER)
    assert {key: row[-1] for key, row in quarantine(store).items()} == {"id:F1": None, "id:C7": LATER}


def test_a_complete_full_read_resolves_what_it_no_longer_meets_in_the_streams_it_read(store: Engine) -> None:
    a_published_run(store, quarantine=[BAD, WITHOUT_ID, A_CASE])
    met_again = StagedQuarantineItem("evidence", WITHOUT_ID.reason, "hash-2", None)
    run_id = a_published_run(store, quarantine=[met_again], full_read=True, now=LATER)
    assert {key: (row[0], row[-1]) for key, row in quarantine(store).items()} == {
        "id:F1": (run_id - 1, LATER),
        "hash:hash-2": (run_id, None),
        "id:C7": (run_id - 1, None),
    }, "the cases stream was not read, so its rows wait"


def test_a_one_case_read_or_an_incremental_one_resolves_nothing_unseen(store: Engine) -> None:
    a_published_run(store, quarantine=[BAD])
    a_published_run(store, positions={"evidence": {"page": 2}}, now=LATER)
    a_published_run(store, positions={"evidence": None}, full_read=True, case_ref="C1", now=LATER)
    assert quarantine(store)["id:F1"][-1] is None


def test_a_position_is_published_with_the_configuration_it_was_made_with(store: Engine) -> None:
    position = {"cursor": "abc", "page": 3, "since": "2026-03-01T00:00:00Z", "seen": [1, None, "x"]}
    a_published_run(store, positions={"evidence": position}, config_hash="config-1")
    later = a_published_run(store, positions={"evidence": {**position, "page": 4}}, config_hash="config-2")
    with store.connect() as conn:
        assert lookups.load_position(conn, AUTHORITY, "evidence") == ({**position, "page": 4}, "config-2")
        assert lookups.load_position(conn, AUTHORITY, "cases") == (None, None)
        held = conn.execute(select(POSITIONS.c.run_id)).scalars().all()
    assert held == [later]


def test_a_read_without_a_position_leaves_the_streams_position_as_it_was(store: Engine) -> None:
    a_published_run(store, positions={"evidence": {"page": 3}}, config_hash="config-1")
    a_published_run(
        store, positions={"evidence": None}, config_hash="config-2", full_read=True, case_ref="C1"
    )
    with store.connect() as conn:
        assert lookups.load_position(conn, AUTHORITY, "evidence") == ({"page": 3}, "config-1")


def test_nothing_is_published_of_a_run_until_it_publishes(store: Engine) -> None:
    run_id = a_run(store)
    stage(store, run_id, quarantine=[BAD], positions={"evidence": {"page": 1}}, config_hash="c")
    assert quarantine(store) == {}
    with store.connect() as conn:
        assert lookups.load_position(conn, AUTHORITY, "evidence") == (None, None)
    publish(store, run_id)
    assert set(quarantine(store)) == {"id:F1"}
