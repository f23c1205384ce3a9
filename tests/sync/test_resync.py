"""Resyncs, full and per case: what vanished is marked deleted only after a complete read, within the
authority's deletion guard, and every resync is audited with who asked and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from connectors.base import Rejected
from store.read import queries
from sync.run.compile import stored_case_ref
from sync.run.runner import Mode, RunOutcome, RunRequest, SyncRunner, Trigger
from tests.store.orm import AuditEntry, EvidenceRow
from tests.sync.memory import AUTHORITY_YAML, MemoryConnector, a_case_record, a_form, memory_config
from tests.sync.test_runner import TODAY, cli_request, data, setup

__all__ = ["setup"]  # the fixture, shared with the runner's own tests

COMBINED_YAML = AUTHORITY_YAML.replace(
    '          - {match: "Danger Statement*", element: danger_statement}',
    '          - {match: "Danger Statement & Safety Goal*", element: [danger_statement, safety_goal]}\n'
    '          - {match: "Danger Statement*", element: danger_statement}',
)


def test_resync_marks_vanished_records_deleted_and_audits_who_and_why(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    smaller = data()
    smaller["cases"] = smaller["cases"][:1]
    smaller["evidence"] = smaller["evidence"][1:2]
    result = runner_for(MemoryConnector(data=smaller)).run(
        "mem-la",
        RunRequest(Trigger.MANUAL, "admin", Mode.FULL, reason="source cleanup", allow_deletions=True),
    )
    assert result.counts.deleted == 3  # case C2, evidence F1 and F5
    with store.connect() as conn:
        deleted = conn.execute(
            select(EvidenceRow.source_id).where(EvidenceRow.deleted_on.is_not(None))
        ).scalars()
        assert sorted(deleted) == ["F1", "F5"]
        entry = conn.execute(select(AuditEntry)).one()
    assert (entry.actor, entry.reason, entry.scope) == ("admin", "source cleanup", "all records")
    rows = {r["case_ref"]: r for r in queries.whiteboard(store)}
    assert set(rows) == {"C1"}
    assert rows["C1"]["danger_statement"] == "not_started"


def test_full_resync_that_reads_nothing_is_refused_and_keeps_stored_records(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    result = runner_for(MemoryConnector(data={"cases": [], "evidence": []})).run(
        "mem-la", cli_request(Mode.FULL, reason="x")
    )
    assert result.outcome is RunOutcome.REFUSED
    assert "returned no records; 5 stored records were kept" in (result.error or "")
    assert len(queries.whiteboard(store)) == 2


def test_per_case_resync_reads_only_that_case(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, _store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    changed = data()
    changed["evidence"] = [f for f in changed["evidence"] if f["form_id"] != "F1"]
    result = runner_for(MemoryConnector(data=changed)).run(
        "mem-la",
        RunRequest(Trigger.MANUAL, "admin", Mode.CASE, reason="audit", case_ref="C1", allow_deletions=True),
    )
    assert result.outcome is RunOutcome.SUCCEEDED
    assert result.counts.deleted == 1


def test_full_resync_with_unreadable_records_marks_nothing_deleted(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    smaller = data()
    smaller["cases"] = smaller["cases"][:1]
    unreadable = Rejected("not valid XML: line 3", source_id="drop.xml", raw_hash="ab" * 32)
    result = runner_for(MemoryConnector(data=smaller, rejected={"cases": [unreadable]})).run(
        "mem-la", cli_request(Mode.FULL, reason="x")
    )
    assert result.outcome is RunOutcome.PARTIAL
    assert result.counts.deleted == 0
    assert "nothing marked deleted" in (result.error or "")
    assert {r["case_ref"] for r in queries.whiteboard(store)} == {"C1", "C2"}


def test_full_resync_keeps_records_that_now_fail_to_map(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    broken = data()
    broken["evidence"][0]["date"] = "not a date"  # F1 is in the source still, but no longer maps
    result = runner_for(MemoryConnector(data=broken)).run("mem-la", cli_request(Mode.FULL, reason="x"))
    assert result.counts.deleted == 0
    with store.connect() as conn:
        assert (
            conn.execute(select(EvidenceRow.deleted_on).where(EvidenceRow.source_id == "F1")).scalar_one()
            is None
        )
    assert {r["case_ref"]: r for r in queries.whiteboard(store)}["C1"]["danger_statement"] == "evidenced"


def test_per_case_resync_records_the_case_only_as_its_pseudonym(
    tmp_path: Path, sqlite_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEM_KEY", "k" * 32)
    config = memory_config(
        tmp_path / "config",
        AUTHORITY_YAML.replace("case_ref: keep", "case_ref: pseudonymise\n  key_env: MEM_KEY"),
    )
    source = MemoryConnector(data=data())
    runner = SyncRunner(config, sqlite_store, today=lambda: TODAY, connector_factory=lambda _a: source)
    runner.run("mem-la", cli_request())
    result = runner.run(
        "mem-la", RunRequest(Trigger.MANUAL, "admin", Mode.CASE, reason="audit", case_ref="C1")
    )
    assert result.outcome is RunOutcome.SUCCEEDED
    with sqlite_store.connect() as conn:
        stored = conn.execute(text("SELECT scope_case_ref FROM sync_runs WHERE mode = 'case'")).scalar_one()
        scope = conn.execute(select(AuditEntry.scope)).scalar_one()
    assert "C1" not in stored
    assert "C1" not in scope
    assert stored == stored_case_ref(config.authority("mem-la"), "C1")
    assert result.counts.deleted == 0


def test_per_case_resync_of_a_case_nobody_has_fails_and_says_so(setup) -> None:
    runner_for, _store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    result = runner_for(MemoryConnector(data=data())).run(
        "mem-la", RunRequest(Trigger.MANUAL, "admin", Mode.CASE, reason="query", case_ref="NOPE123")
    )
    assert result.outcome is RunOutcome.FAILED
    assert "neither the source nor the store has that case" in (result.error or "")
    assert "NOPE123" not in (result.error or "")


def test_per_case_resync_of_a_case_the_store_holds_as_deleted_says_so(setup) -> None:
    runner_for, _store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    gone = {stream: [r for r in rows if "C2" not in r.values()] for stream, rows in data().items()}
    one_case = RunRequest(
        Trigger.MANUAL, "admin", Mode.CASE, reason="closed in error", case_ref="C2", allow_deletions=True
    )
    assert runner_for(MemoryConnector(data=gone)).run("mem-la", one_case).counts.deleted > 0

    again = runner_for(MemoryConnector(data=gone)).run("mem-la", one_case)

    assert again.outcome is RunOutcome.FAILED
    assert "the store holds that case as deleted" in (again.error or "")
    assert "neither the source nor the store" not in (again.error or "")


def test_a_combined_form_evidences_two_elements_and_both_survive_a_resync(
    tmp_path: Path, sqlite_store: Engine
) -> None:
    config = memory_config(tmp_path / "config", COMBINED_YAML)
    form = a_form("F1", "C1", "Danger Statement & Safety Goal")
    source = MemoryConnector(data={"cases": [a_case_record("C1")], "evidence": [form]})
    engine = SyncRunner(config, sqlite_store, today=lambda: TODAY, connector_factory=lambda _a: source)
    first = engine.run("mem-la", cli_request())
    c = first.counts
    assert (c.read, c.written) == (3, 3)  # one case, and the form as two evidence rows
    assert c.adds_up()
    [row] = queries.whiteboard(sqlite_store)
    assert (row["danger_statement"], row["safety_goal"]) == ("evidenced", "evidenced")

    # The form still in the source but no longer mapping keeps both its rows through a full resync.
    form["date"] = "not a date"
    result = engine.run("mem-la", cli_request(Mode.FULL, reason="x"))
    assert result.counts.deleted == 0
    [row] = queries.whiteboard(sqlite_store)
    assert (row["danger_statement"], row["safety_goal"]) == ("evidenced", "evidenced")

    # Once it maps again, it leaves quarantine.
    form["date"] = "2026-01-10"
    engine.run("mem-la", cli_request(Mode.FULL, reason="form fixed"))
    assert [q for q in queries.quarantine(sqlite_store) if q.get("resolved_at") is None] == []


def test_a_resync_past_the_deletion_guard_is_refused_and_deletes_nothing(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    smaller = data()
    smaller["evidence"] = smaller["evidence"][1:]  # F1 gone: 1 of 5 live records, past the 10% guard

    result = runner_for(MemoryConnector(data=smaller)).run("mem-la", cli_request(Mode.FULL, reason="x"))

    assert result.outcome is RunOutcome.REFUSED
    assert result.counts.deleted == 1  # what publishing would have marked: none of it was
    assert "would mark 1 of 5 (20%) live records deleted" in (result.error or "")
    assert "deletion guard of 10%" in (result.error or "")
    assert "--allow-deletions" in (result.error or "")
    with store.connect() as conn:
        assert (
            conn.execute(select(EvidenceRow.deleted_on).where(EvidenceRow.source_id == "F1")).scalar_one()
            is None
        )


def test_the_deletion_guard_is_an_authority_setting(tmp_path: Path, sqlite_store: Engine) -> None:
    config = memory_config(tmp_path / "config", AUTHORITY_YAML + "deletion_guard: 0.25\n")
    smaller = data()
    smaller["evidence"] = smaller["evidence"][1:]
    sources = iter([MemoryConnector(data=data()), MemoryConnector(data=smaller)])
    runner = SyncRunner(config, sqlite_store, today=lambda: TODAY, connector_factory=lambda _a: next(sources))
    runner.run("mem-la", cli_request())

    result = runner.run("mem-la", cli_request(Mode.FULL, reason="x"))

    assert (result.outcome, result.counts.deleted) == (RunOutcome.SUCCEEDED, 1)


def test_allow_deletions_passes_the_guard_and_the_audit_log_says_who_and_why(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, store = setup
    runner_for(MemoryConnector(data=data())).run("mem-la", cli_request())
    request = RunRequest(
        Trigger.MANUAL, "admin-raj", Mode.FULL, reason="LA archived 2019 cases", allow_deletions=True
    )

    only_a_chronology = {**data(), "evidence": [a_form("F3", "C2", "Chronology")]}

    result = runner_for(MemoryConnector(data=only_a_chronology)).run("mem-la", request)

    assert (result.outcome, result.counts.deleted) == (RunOutcome.SUCCEEDED, 3)
    with store.connect() as conn:
        entry = conn.execute(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.reason) == (
        "admin-raj",
        "resync:full:allow-deletions",
        "LA archived 2019 cases",
    )


def test_a_one_case_resync_weighs_its_deletions_against_the_authority_not_the_case(setup) -> None:  # type: ignore[no-untyped-def]
    runner_for, _store = setup
    many = {
        "cases": [a_case_record(f"C{n}") for n in range(1, 31)],
        "evidence": [a_form(f"F{n}", f"C{n}", "Safety Plan") for n in range(1, 31)],
    }
    runner_for(MemoryConnector(data=many)).run("mem-la", cli_request())
    without_f1 = {**many, "evidence": many["evidence"][1:]}

    result = runner_for(MemoryConnector(data=without_f1)).run(
        "mem-la", RunRequest(Trigger.MANUAL, "admin", Mode.CASE, reason="form withdrawn", case_ref="C1")
    )

    # 1 of the authority's 60 live records, well inside the guard (it is half of the case's two).
    assert result.outcome is RunOutcome.SUCCEEDED, result.error
    assert result.counts.deleted == 1
