"""The runner: batches commit with their position, counts add up, writes are monotonic."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import OperationalError

import sync.run.batch
import sync.run.runner
from connectors.base import Rejected
from connectors.errors import FatalError
from store.read import queries
from store.write.lease import StoreLease
from sync.run.runner import Mode, RunOutcome, RunRequest, SyncRunner, Trigger, safe_error
from tests.store.orm import CaseRow
from tests.sync.memory import AUTHORITY_YAML, MemoryConnector, a_case_record, a_form, memory_config

TODAY = date(2026, 2, 1)


@pytest.fixture
def setup(tmp_path: Path, sqlite_store: Engine):  # type: ignore[no-untyped-def]
    config = memory_config(tmp_path / "config")

    def runner_for(connector: MemoryConnector) -> SyncRunner:
        return SyncRunner(config, sqlite_store, today=lambda: TODAY, connector_factory=lambda _a: connector)

    return runner_for, sqlite_store


def cli_request(mode: Mode = Mode.INCREMENTAL, **kw: object) -> RunRequest:
    return RunRequest(Trigger.CLI, "tester", mode, **kw)  # type: ignore[arg-type]


def data() -> dict[str, list[dict[str, object]]]:
    return {
        "cases": [a_case_record("C1"), a_case_record("C2", team="South"), a_case_record("C3", type="??")],
        "evidence": [
            a_form("F1", "C1", "Danger Statement v2"),
            a_form("F2", "C1", "Safety Plan", status="D"),
            a_form("F3", "C2", "Chronology"),
            a_form("F4", "C2", "Mapping", date="not a date"),
            a_form("F5", "C9", "Mapping"),
        ],
    }


def test_counts_add_up_and_records_land(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    result = runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    c = result.counts
    assert result.outcome is RunOutcome.SUCCEEDED
    assert (c.read, c.written, c.unchanged, c.quarantined, c.not_evidence, c.orphaned) == (8, 4, 0, 2, 1, 1)
    assert c.adds_up()
    assert next(r["reason"] for r in queries.quarantine(store)).startswith("case_type")


def test_second_run_resumes_from_the_stored_position(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, _store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    again = MemoryConnector(data=data())
    result = runner_for(again).run("mem-la", cli_request())
    assert again.positions_asked == [{"offset": 3}, {"offset": 5}]
    assert result.counts.read == 0


def test_rereading_the_same_records_counts_them_unchanged(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, _store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    result = runner_for(MemoryConnector(data=data())).run("mem-la", cli_request(Mode.FULL, reason="check"))
    assert (result.counts.written, result.counts.unchanged, result.counts.orphaned) == (0, 4, 1)
    assert result.counts.deleted == 0


def test_an_older_source_version_never_overwrites_a_newer_one(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    newer = {"cases": [a_case_record("C1", team="East", updated="2026-01-10T00:00:00")], "evidence": []}
    older = {"cases": [a_case_record("C1", team="West", updated="2026-01-01T00:00:00")], "evidence": []}
    runner_for(MemoryConnector(data=newer)).run("mem-la", cli_request())
    result = runner_for(MemoryConnector(data=older)).run("mem-la", cli_request(Mode.FULL, reason="x"))
    with store.connect() as conn:
        assert conn.execute(select(CaseRow.team)).scalar_one() == "East"
    assert result.counts.unchanged == 1


def test_evidence_before_its_case_is_kept_and_linked_when_the_case_arrives(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data={"cases": [], "evidence": [a_form("F1", "C1", "Safety Plan")]})).run(
        "mem-la", cli_request()
    )
    assert queries.whiteboard(store) == []
    runner_for(MemoryConnector(data={"cases": [a_case_record("C1")], "evidence": []})).run(
        "mem-la", cli_request()
    )
    [row] = queries.whiteboard(store)
    assert row["safety_plan"] == "evidenced"


def test_whiteboard_shows_statuses_as_the_source_recorded_them(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    rows = {r["case_ref"]: r for r in queries.whiteboard(store)}
    assert rows["C1"]["danger_statement"] == "evidenced"
    assert rows["C1"]["safety_plan"] == "in_progress"
    assert rows["C2"]["safety_plan"] == "not_started"
    assert "C3" not in rows


def test_retry_budget_exhausted_ends_partial_publishing_nothing_and_the_next_run_carries_on(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    result = runner_for(MemoryConnector(data=data(), fail_after_batches=2)).run("mem-la", cli_request())
    assert result.outcome is RunOutcome.PARTIAL
    assert result.counts.read == 3
    assert queries.positions(store, "mem-la") == {}
    assert queries.whiteboard(store) == []
    resumed = runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    assert resumed.outcome is RunOutcome.SUCCEEDED
    assert "carried on run 1's staged read" in (resumed.notes or "")
    assert resumed.counts.read == 8
    assert resumed.counts.adds_up()
    assert queries.positions(store, "mem-la")["cases"]["position"] == {"offset": 3}


def test_a_second_run_while_the_lease_is_held_is_recorded_skipped(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    with StoreLease(store, "authority:mem-la"):
        result = runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    assert result.outcome is RunOutcome.SKIPPED
    assert "being synced by process" in (result.error or "")
    assert queries.runs(store)[0]["outcome"] == "skipped"


def test_a_run_has_no_row_until_it_holds_the_lease_so_the_holder_never_closes_it_as_interrupted(
    setup, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Two daemons on one store: the lease holder closes rows left `running` as interrupted, so a
    run of the other daemon that wrote its row before trying the lease was shown failed until it
    recorded itself skipped."""
    runner_for, store = setup
    seen_while_taking: list[list[str]] = []

    class Watched(StoreLease):
        def __enter__(self) -> StoreLease:
            seen_while_taking.append([run["outcome"] for run in queries.runs(store)])
            return super().__enter__()

    monkeypatch.setattr(sync.run.runner, "StoreLease", Watched)
    with StoreLease(store, "authority:mem-la"):
        skipped = runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    ran = runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())

    assert seen_while_taking == [[], ["skipped"]]
    assert (skipped.outcome, ran.outcome) == (RunOutcome.SKIPPED, RunOutcome.SUCCEEDED)
    assert [run["outcome"] for run in queries.runs(store)] == ["succeeded", "skipped"]


def test_quarantined_source_rejects_count_as_read_and_quarantined(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, _store = setup
    bad = Rejected("not valid XML: line 3", source_id="drop.xml", raw_hash="ab" * 32)
    result = runner_for(MemoryConnector(data=data(), rejected={"cases": [bad]})).run("mem-la", cli_request())
    assert result.counts.quarantined == 3
    assert result.counts.adds_up()


def test_a_record_that_later_maps_cleanly_leaves_quarantine(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    fixed = data()
    fixed["cases"][2]["type"] = "CIN"
    runner_for(MemoryConnector(data=fixed)).run("mem-la", cli_request(Mode.FULL, reason="fixed"))
    assert [r["source_id"] for r in queries.quarantine(store)] == ["F4"]


def test_an_earlier_runs_quarantine_clears_in_a_run_that_quarantines_nothing(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    source = MemoryConnector(data=data())
    runner_for(source).run("mem-la", cli_request())
    # The source corrects both records; the next incremental run reads only the corrections.
    source.data["cases"].append(a_case_record("C3", type="CIN", updated="2026-01-06T09:00:00"))
    source.data["evidence"].append(a_form("F4", "C2", "Mapping", updated="2026-01-26T10:00:00"))
    result = runner_for(source).run("mem-la", cli_request())
    assert (result.counts.read, result.counts.written, result.counts.quarantined) == (2, 2, 0)
    assert queries.quarantine(store) == []


def test_evidence_is_orphaned_batch_by_batch_until_its_case_is_held(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, _store = setup
    forms = [a_form(f"F{n}", case, "Mapping") for n, case in enumerate(["C1", "C9", "C1", "C9", "C2"])]
    source = MemoryConnector(data={"cases": [a_case_record("C1"), a_case_record("C2")], "evidence": forms})
    source.batch_size = 1
    c = runner_for(source).run("mem-la", cli_request()).counts
    assert (c.written, c.orphaned) == (5, 2)  # two cases, and the three forms of theirs


def test_daily_recompute_moves_statuses_with_the_date(tmp_path: Path, sqlite_store: Engine) -> None:
    config = memory_config(tmp_path / "config")
    source = MemoryConnector(data={"cases": [a_case_record("C1")], "evidence": []})
    SyncRunner(
        config, sqlite_store, today=lambda: date(2026, 1, 21), connector_factory=lambda _a: source
    ).run("mem-la", cli_request())
    assert queries.whiteboard(sqlite_store)[0]["safety_plan"] == "not_started"
    later = SyncRunner(config, sqlite_store, today=lambda: date(2026, 3, 1))
    assert later.recompute("mem-la") == 1
    assert queries.whiteboard(sqlite_store)[0]["safety_plan"] == "overdue"
    with sqlite_store.connect() as conn:
        assert conn.execute(
            text("SELECT due_on FROM case_element_status WHERE element='safety_plan'")
        ).scalar()


def test_a_batch_never_commits_after_the_lease_was_taken_over(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup

    def take_over(_authority: str, _stream: str, _counts: object) -> None:
        with store.begin() as conn:
            conn.execute(text("UPDATE leases SET owner = 'elsewhere:1:x'"))

    runner = runner_for(MemoryConnector(data=data()))
    runner.on_batch = take_over
    result = runner.run("mem-la", cli_request())
    assert result.outcome is RunOutcome.FAILED
    assert "LeaseLost" in (result.error or "")
    assert queries.positions(store, "mem-la") == {}
    assert result.counts.read == 2


def test_a_store_error_taking_the_lease_is_recorded_as_a_failed_run(
    setup, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup

    def locked(_self: StoreLease) -> None:
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(StoreLease, "acquire", locked)
    result = runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    assert result.outcome is RunOutcome.FAILED
    assert queries.runs(store)[0]["outcome"] == "failed"


def test_run_errors_do_not_carry_the_requested_case_reference() -> None:
    request = RunRequest(Trigger.MANUAL, "admin", Mode.CASE, reason="audit", case_ref="C123456")
    error = safe_error(FatalError("GET la.example/cases/C123456: HTTP 404"), request.case_ref)
    assert "C123456" not in error
    assert error.startswith("FatalError: GET la.example/cases/")


def test_a_batch_that_fails_to_commit_is_not_counted(setup, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    real = sync.run.batch.record_counts
    calls = []

    def fails_on_the_second_batch(conn, run_id, counts) -> None:  # type: ignore[no-untyped-def]
        calls.append(counts)
        if len(calls) == 2:
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))
        real(conn, run_id, counts)

    monkeypatch.setattr(sync.run.batch, "record_counts", fails_on_the_second_batch)
    result = runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    assert result.outcome is RunOutcome.FAILED
    assert result.counts.read == 2
    assert queries.runs(store)[0]["read_count"] == 2


def test_a_source_down_from_the_start_is_a_failed_run_not_a_partial_one(setup) -> None:
    runner_for, _store = setup
    result = runner_for(MemoryConnector(data=data(), fail_after_batches=0)).run("mem-la", cli_request())
    assert result.outcome is RunOutcome.FAILED
    assert "RetryBudgetExhausted" in (result.error or "")


def test_an_element_the_authority_added_shows_on_the_whiteboard(tmp_path: Path, sqlite_store: Engine) -> None:
    folder = tmp_path / "config"
    yaml_text = AUTHORITY_YAML.replace(
        '          - {match: "Mapping*", element: mapping}',
        '          - {match: "Mapping*", element: mapping}\n'
        '          - {match: "Family Network*", element: family_network_meeting}',
    )
    config = memory_config(
        folder,
        yaml_text,
        settings="elements:\n  add: [{key: family_network_meeting, label: Family network meeting}]\n",
    )
    source = MemoryConnector(
        data={"cases": [a_case_record("C1")], "evidence": [a_form("F1", "C1", "Family Network")]}
    )
    SyncRunner(config, sqlite_store, today=lambda: TODAY, connector_factory=lambda _a: source).run(
        "mem-la", cli_request()
    )
    [row] = queries.whiteboard(sqlite_store)
    assert row["family_network_meeting"] == "evidenced"
    assert row["safety_plan"] == "not_started"


class MinutesPerLook:
    """A clock that moves on by some minutes every time it is read: a long run, without the wait."""

    def __init__(self, minutes: float) -> None:
        self.now = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
        self.step = timedelta(minutes=minutes)

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def test_a_run_past_its_wall_clock_limit_ends_partial_and_the_next_resumes(
    tmp_path: Path, sqlite_store: Engine
) -> None:
    assert memory_config(tmp_path / "c", settings="max_run_minutes: 240\n").run_time_limit("mem-la") == (
        timedelta(minutes=240)
    )
    slow = AUTHORITY_YAML + "max_run_minutes: 3\n"
    config = memory_config(tmp_path / "config-la", authority_yaml=slow)
    assert config.run_time_limit("mem-la") == timedelta(minutes=3)

    def engine(clock: Callable[[], datetime]) -> SyncRunner:
        return SyncRunner(
            config,
            sqlite_store,
            clock=clock,
            today=lambda: TODAY,
            connector_factory=lambda _a: MemoryConnector(data=data()),
        )

    first = engine(MinutesPerLook(1)).run("mem-la", cli_request())
    assert first.outcome is RunOutcome.PARTIAL
    assert "TimeLimitReached: reached its 3-minute limit; the next run carries on from here" in (
        first.error or ""
    )
    assert 0 < first.counts.read < 8
    resumed = engine(MinutesPerLook(0)).run("mem-la", cli_request())
    assert resumed.outcome is RunOutcome.SUCCEEDED
    assert resumed.counts.read == 8
