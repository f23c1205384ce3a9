"""The status change log: every change of a case element's status, once, with its date and run.

What "since last supervision" and weekly trends are built on, so these tests pin its contract.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from config.loader import Config
from mapping.elements import DEFAULT_ELEMENT_KEYS
from store.read import queries
from store.schema.engine import make_engine
from store.schema.upgrade import upgrade
from store.write.runs import Counts
from sync.run.runner import Mode, RunOutcome, RunRequest, SyncRunner, Trigger
from tests.store.orm import StatusChange, TouchedCase
from tests.sync.memory import Crash, CrashingConnector, MemoryConnector, a_case_record, a_form, memory_config

FIRST_DAY = date(2026, 2, 1)
NEXT_DAY = date(2026, 2, 2)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return memory_config(tmp_path / "config")


@pytest.fixture
def sync(config: Config, sqlite_store: Engine):  # type: ignore[no-untyped-def]
    def run(
        source: MemoryConnector, on: date = FIRST_DAY, mode: Mode = Mode.INCREMENTAL
    ) -> tuple[RunOutcome, int]:
        runner = SyncRunner(config, sqlite_store, today=lambda: on, connector_factory=lambda _a: source)
        # Status history, not the deletion guard, is under test: these tiny sources delete a large share.
        request = RunRequest(Trigger.CLI, "tester", mode, reason="test", allow_deletions=True)
        result = runner.run("mem-la", request)
        return result.outcome, result.run_id

    return run


def source(*forms: dict[str, object], cases: tuple[str, ...] = ("C1",)) -> MemoryConnector:
    return MemoryConnector(data={"cases": [a_case_record(ref) for ref in cases], "evidence": list(forms)})


def history(store: Engine, case_ref: str = "C1", element: str | None = None) -> list[dict[str, object]]:
    rows = queries.case_status_changes(store, "mem-la", case_ref)
    return [r for r in rows if element is None or r["element"] == element]


def change_log(store: Engine) -> list[tuple[object, ...]]:
    with store.connect() as conn:
        return sorted(
            conn.execute(
                text("SELECT case_ref, element, status, from_date, to_date IS NULL FROM status_changes")
            ).all()
        )


def test_a_cases_first_statuses_are_changes_from_nothing_made_by_the_run(sqlite_store: Engine, sync) -> None:  # type: ignore[no-untyped-def]
    outcome, run_id = sync(source(a_form("F1", "C1", "Danger Statement")))
    assert outcome is RunOutcome.SUCCEEDED
    rows = history(sqlite_store)
    assert [r["element"] for r in rows] == sorted(DEFAULT_ELEMENT_KEYS)
    assert all(r["previous_status"] is None and r["to_date"] is None for r in rows)
    assert all(r["from_date"] == FIRST_DAY.isoformat() and r["run_id"] == run_id for r in rows)
    assert history(sqlite_store, element="danger_statement")[0]["status"] == "evidenced"
    assert history(sqlite_store, element="mapping")[0]["status"] == "not_started"


def test_a_change_closes_the_old_status_and_opens_the_new_on_the_runs_date(
    sqlite_store: Engine, sync
) -> None:  # type: ignore[no-untyped-def]
    sync(source())
    _, second = sync(source(a_form("F1", "C1", "Mapping")), on=NEXT_DAY, mode=Mode.FULL)
    mapping = history(sqlite_store, element="mapping")
    assert [(r["status"], r["from_date"], r["to_date"]) for r in mapping] == [
        ("not_started", "2026-02-01", "2026-02-02"),
        ("evidenced", "2026-02-02", None),
    ]
    assert mapping[1]["previous_status"] == "not_started"
    assert mapping[1]["run_id"] == second
    since = queries.status_changes_since(sqlite_store, "mem-la", NEXT_DAY)
    assert since == [
        {
            "on": "2026-02-02",
            "authority": "mem-la",
            "case_ref": "C1",
            "team": "North",
            "element": "mapping",
            "previous_status": "not_started",
            "status": "evidenced",
            "run_id": second,
        }
    ]
    assert queries.status_changes_since(sqlite_store, "mem-la", NEXT_DAY, team="South") == []


def test_no_change_of_status_writes_no_change_row(sqlite_store: Engine, sync) -> None:  # type: ignore[no-untyped-def]
    sync(source(a_form("F1", "C1", "Mapping")))
    before = change_log(sqlite_store)
    # Read again, and with a second completed map: the count moves, the status does not.
    sync(source(a_form("F1", "C1", "Mapping")), on=NEXT_DAY, mode=Mode.FULL)
    sync(source(a_form("F1", "C1", "Mapping"), a_form("F2", "C1", "Mapping 2")), on=NEXT_DAY, mode=Mode.FULL)
    assert change_log(sqlite_store) == before
    assert queries.status_changes_since(sqlite_store, "mem-la", NEXT_DAY) == []
    with sqlite_store.connect() as conn:
        count = conn.execute(
            text("SELECT evidence_count FROM case_element_status WHERE element = 'mapping'")
        ).scalar()
    assert count == 2


def test_deleted_evidence_takes_its_status_back_as_a_change(sqlite_store: Engine, sync) -> None:  # type: ignore[no-untyped-def]
    kept = a_form("F2", "C2", "Mapping")  # a full read that reads nothing deletes nothing
    sync(source(a_form("F1", "C1", "Danger Statement"), kept, cases=("C1", "C2")))
    _, resync = sync(source(kept, cases=("C1", "C2")), on=NEXT_DAY, mode=Mode.FULL)
    danger = history(sqlite_store, element="danger_statement")
    assert [(r["status"], r["to_date"]) for r in danger] == [
        ("evidenced", "2026-02-02"),
        ("not_started", None),
    ]
    assert danger[1]["run_id"] == resync


def test_a_deleted_case_ends_its_statuses_without_a_new_one(sqlite_store: Engine, sync) -> None:  # type: ignore[no-untyped-def]
    kept = a_form("F2", "C2", "Mapping")
    sync(source(kept, cases=("C1", "C2")))
    sync(source(kept, cases=("C2",)), on=NEXT_DAY, mode=Mode.FULL)
    assert all(r["to_date"] == "2026-02-02" for r in history(sqlite_store, "C1"))
    ended = queries.status_changes_since(sqlite_store, "mem-la", NEXT_DAY)
    assert {(e["case_ref"], e["previous_status"], e["status"]) for e in ended} == {
        ("C1", "not_started", None)
    }
    assert len(ended) == len(DEFAULT_ELEMENT_KEYS)


def test_the_daily_recompute_logs_a_status_moving_with_the_date_without_a_run(
    config: Config, sqlite_store: Engine, sync
) -> None:  # type: ignore[no-untyped-def]
    sync(source())
    assert SyncRunner(config, sqlite_store, today=lambda: date(2026, 3, 1)).recompute("mem-la") == 1
    plan = history(sqlite_store, element="safety_plan")
    assert [(r["status"], r["run_id"]) for r in plan][-1] == ("overdue", None)
    assert plan[0]["to_date"] == "2026-03-01"


def test_only_one_open_row_per_case_element(sqlite_store: Engine, sync) -> None:  # type: ignore[no-untyped-def]
    sync(source())
    second_open = {
        "authority": "mem-la",
        "case_ref": "C1",
        "element": "mapping",
        "status": "evidenced",
        "from_date": NEXT_DAY,
    }
    with pytest.raises(IntegrityError), sqlite_store.begin() as conn:
        conn.execute(insert(StatusChange).values(**second_open))


def test_a_crash_mid_read_publishes_nothing_and_the_next_run_carries_it_on_as_a_clean_run_would(
    tmp_path: Path, config: Config, sqlite_store: Engine, sync
) -> None:  # type: ignore[no-untyped-def]
    forms = [
        a_form(f"F{i}", f"C{i % 3}", template) for i, template in enumerate(["Mapping", "Safety Plan"] * 3)
    ]
    cases = ("C0", "C1", "C2")
    with pytest.raises(Crash):
        sync(CrashingConnector(crash_after=2, data=source(*forms, cases=cases).data))
    with sqlite_store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM staged_cases")).scalar_one() > 0
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 0
    assert change_log(sqlite_store) == []
    outcome, _ = sync(source(*forms, cases=cases))
    assert outcome is RunOutcome.SUCCEEDED
    with sqlite_store.connect() as conn:
        assert conn.execute(select(TouchedCase.case_ref)).scalars().all() == []
    crashed, carried_on = sorted(queries.runs(sqlite_store), key=lambda r: r["id"])
    assert (crashed["outcome"], crashed["stage"]) == ("failed", "adopted")
    assert Counts.of_columns(crashed).adds_up()  # what it read waited staged, and its counts say so
    assert crashed["staged_count"] > 0
    assert Counts.of_columns(carried_on).adds_up()

    clean_store = make_engine(f"sqlite:///{tmp_path / 'clean.db'}")
    upgrade(clean_store)
    SyncRunner(
        config,
        clean_store,
        today=lambda: FIRST_DAY,
        connector_factory=lambda _a: source(*forms, cases=cases),
    ).run("mem-la", RunRequest(Trigger.CLI, "tester"))
    assert change_log(sqlite_store) == change_log(clean_store)
    assert queries.whiteboard(sqlite_store) == queries.whiteboard(clean_store)


def test_a_case_the_source_holds_before_it_opens_has_no_status_dated_before_its_opening(
    sync, sqlite_store: Engine
) -> None:  # type: ignore[no-untyped-def]
    opens = date(2026, 2, 20)
    held_early = MemoryConnector(
        data={"cases": [a_case_record("C1", opened=opens.isoformat(), cp_start=None)], "evidence": []}
    )

    sync(held_early, on=FIRST_DAY)

    assert {str(row[3]) for row in change_log(sqlite_store)} == {opens.isoformat()}
