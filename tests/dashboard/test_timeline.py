"""A case timeline lists records and status changes oldest first and keeps deletions visible."""

from __future__ import annotations

from datetime import date

from dashboard.cells import SourceRecord
from dashboard.changes import StatusChange
from dashboard.timeline import build_timeline, record_words, status_change_words
from mapping.elements import DEFAULT_ELEMENTS
from mapping.schema import Status

TODAY = date(2026, 6, 1)
CASE = {"authority": "la", "case_ref": "C1", "team": "North", "case_type": "cp", "opened_on": "2026-01-05"}


def test_records_and_status_changes_come_oldest_first_with_the_record_before_its_status() -> None:
    records = [
        SourceRecord("F2", "safety_plan", None, "completed", date(2026, 3, 2)),
        SourceRecord("F1", "safety_plan", None, "draft", date(2026, 2, 20)),
    ]
    changes = [
        StatusChange("la", "C1", "safety_plan", Status.EVIDENCED, date(2026, 3, 2)),
        StatusChange("la", "C1", "safety_plan", Status.OVERDUE, date(2026, 2, 11), date(2026, 3, 2)),
    ]
    rows = [{"element": "safety_plan", "status": "evidenced", "first_evidenced_on": "2026-03-02"}]
    timeline = build_timeline("la", "LA", CASE, DEFAULT_ELEMENTS, rows, records, changes, {}, TODAY)
    plan = next(e for e in timeline.elements if e.element.key == "safety_plan")
    kinds = [(on.isoformat(), what) for on, what, _ in plan.events()]
    assert kinds == [
        ("2026-02-11", "status"),
        ("2026-02-20", "record"),
        ("2026-03-02", "record"),
        ("2026-03-02", "status"),
    ]
    assert timeline.as_json()["elements"][-1]["status_changes"][0]["from_date"] == "2026-02-11"


def test_a_record_deleted_at_source_says_so_and_no_longer_counts() -> None:
    gone = SourceRecord("F9", "mapping", None, "completed", date(2026, 2, 1), deleted_on=date(2026, 4, 3))
    assert record_words(gone, TODAY) == "completed, deleted at source 3 Apr 2026"
    timeline = build_timeline("la", "LA", CASE, DEFAULT_ELEMENTS, [], [gone], [], {}, TODAY)
    assert timeline.as_json()["elements"][0]["records"][0]["counts"] is False


def test_a_record_dated_ahead_reads_as_planned() -> None:
    booked = SourceRecord("F3", "safety_network", None, "draft", date(2026, 6, 8))
    assert record_words(booked, TODAY) == "draft, planned"


def test_status_change_words_say_from_and_to() -> None:
    assert status_change_words("not_started", "overdue") == "not started → overdue"
    assert status_change_words(None, "evidenced") == "→ evidenced"


def test_the_timeline_fragment_stands_alone_for_a_case_page() -> None:
    from dashboard.audit_pack import render_timeline

    records = [
        SourceRecord(f"S{n}", "safety_scale", None, "completed", date(2026, n + 1, 3), v)
        for n, v in enumerate([2, 4])
    ]
    timeline = build_timeline("la", "LA", CASE, DEFAULT_ELEMENTS, [], records, [], {}, TODAY)
    fragment = str(render_timeline(timeline))
    assert "<html" not in fragment
    assert "<h3>Safety scale</h3>" in fragment
    assert 'aria-label="Safety scale over time: 2 on 3 Jan 2026, 4 on 3 Feb 2026"' in fragment


def test_the_chronology_merges_every_element_and_labels_the_first_status_as_first_seen_by_the_sync() -> None:
    records = [
        SourceRecord("M1", "mapping", None, "completed", date(2026, 2, 1)),
        SourceRecord("D1", "danger_statement", None, "completed", date(2026, 4, 20)),
    ]
    changes = [
        # The sync first ran on 13 Mar: the danger statement had been overdue since 15 Feb.
        StatusChange("la", "C1", "danger_statement", Status.OVERDUE, date(2026, 3, 13), date(2026, 4, 20)),
        StatusChange("la", "C1", "danger_statement", Status.EVIDENCED, date(2026, 4, 20)),
        StatusChange("la", "C1", "mapping", Status.EVIDENCED, date(2026, 3, 13)),
    ]
    rows = [
        {
            "element": "danger_statement",
            "status": "evidenced",
            "due_on": "2026-02-15",
            "first_evidenced_on": "2026-04-20",
            "last_evidenced_on": "2026-04-20",
        },
        {
            "element": "mapping",
            "status": "evidenced",
            "first_evidenced_on": "2026-02-01",
            "last_evidenced_on": "2026-02-01",
        },
    ]
    timeline = build_timeline("la", "LA", CASE, DEFAULT_ELEMENTS, rows, records, changes, {}, TODAY)
    said = [
        (e.on.isoformat(), e.element.element.key, e.status_words() if e.is_status else e.event.source_id)
        for e in timeline.chronology()
    ]
    assert said == [
        ("2026-02-01", "mapping", "M1"),
        ("2026-03-13", "mapping", "first seen by the sync: evidenced"),
        ("2026-03-13", "danger_statement", "first seen by the sync: overdue (due 15 Feb 2026)"),
        ("2026-04-20", "danger_statement", "D1"),
        ("2026-04-20", "danger_statement", "overdue → evidenced"),
    ]
    # Mapping last evidenced four months ago: current by default, aged where the authority says three.
    mapping = next(e.cell for e in timeline.elements if e.element.key == "mapping")
    assert mapping is not None
    assert not mapping.evidence_aged
    strict = build_timeline("la", "LA", CASE, DEFAULT_ELEMENTS, rows, records, changes, {}, TODAY, 3)
    assert next(e.cell for e in strict.elements if e.element.key == "mapping").evidence_aged  # type: ignore[union-attr]
