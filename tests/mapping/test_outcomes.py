"""What each outcome carries: content hashes that ignore system churn, quarantine without payload."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from mapping.dates import DateWindow
from mapping.outcomes import (
    Mapped,
    NotPracticeEvidence,
    OutcomeCounts,
    Quarantined,
    RecordOutcome,
    canonical_hash,
)
from tests.mapping.builders import a_case_row, a_spec, an_evidence_row, compiled, only

CASES_WITH_SYSTEM_FIELDS = a_spec(
    cases={
        "fields": {
            "team": {"path": "TEAM"},
            "worker": {"path": "WORKER_ROW_ID"},
            "source_updated_at": {"path": "UPDATED", "datetime": "iso"},
        },
        "system_fields": ["ROW_ID", "WORKER_ROW_ID"],
    }
)


def content_hash_of(row: dict[str, Any], spec: dict[str, Any] = CASES_WITH_SYSTEM_FIELDS) -> str:
    outcome = only(compiled(spec).map_batch("cases", [row]))
    assert isinstance(outcome, Mapped), outcome
    return outcome.content_hash


def test_a_record_whose_only_change_is_a_rewritten_row_id_hashes_the_same() -> None:
    before = a_case_row(TEAM="North", ROW_ID=1001, WORKER_ROW_ID=7)
    after = a_case_row(TEAM="North", ROW_ID=88231, WORKER_ROW_ID=7)
    assert content_hash_of(before) == content_hash_of(after)


def test_a_field_read_only_from_system_columns_is_not_content() -> None:
    before = a_case_row(TEAM="North", WORKER_ROW_ID=7)
    after = a_case_row(TEAM="North", WORKER_ROW_ID=9)
    assert content_hash_of(before) == content_hash_of(after)


def test_a_touched_update_time_alone_is_not_a_change() -> None:
    before = a_case_row(TEAM="North", UPDATED="2024-01-01T02:00:00")
    after = a_case_row(TEAM="North", UPDATED="2024-05-01T02:00:00")
    assert content_hash_of(before) == content_hash_of(after)


def test_the_source_id_is_the_records_key_not_its_content() -> None:
    spec = a_spec(cases={"source_id": {"path": "PERSON_ID"}})
    assert content_hash_of(a_case_row(PERSON_ID="1"), spec) == content_hash_of(
        a_case_row(PERSON_ID="2"), spec
    )


def test_a_change_in_meaningful_content_changes_the_hash() -> None:
    base = a_case_row(TEAM="North")
    assert content_hash_of(base) != content_hash_of({**base, "TEAM": "South"})
    assert content_hash_of(base) != content_hash_of({**base, "OPENED": "2024-01-03"})


def test_a_change_in_the_mapping_changes_the_hash_of_the_same_row() -> None:
    """Hashing mapped content means a corrected mapping rewrites what it corrects."""
    row = a_case_row(TYPE="CP")
    cin = a_spec(cases={"fields": {"case_type": {"path": "TYPE", "map": {"CP": "cin"}}}})
    cp = a_spec(cases={"fields": {"case_type": {"path": "TYPE", "map": {"CP": "cp"}}}})
    assert content_hash_of(row, cin) != content_hash_of(row, cp)


def test_a_quarantined_record_is_named_by_the_same_hash_connectors_use() -> None:
    row = a_case_row(OPENED="never", NOTES="something said about the family")
    outcome = only(compiled().map_batch("cases", [row]))
    assert isinstance(outcome, Quarantined)
    assert outcome.raw_hash == canonical_hash(row)
    assert outcome.source_id == "C1"


def test_a_quarantine_reason_never_quotes_long_text() -> None:
    narrative = "Mum said that the children were left alone overnight while she was at work again"
    spec = a_spec(evidence={"fields": {"scale_value": {"path": "SCALE", "number": True}}})
    outcome = only(compiled(spec).map_batch("evidence", [an_evidence_row(SCALE=narrative)]))
    assert isinstance(outcome, Quarantined)
    assert outcome.reason == f"scale_value: a {len(narrative)}-character text is not a whole number"


def test_a_quarantine_reason_never_quotes_an_identifier() -> None:
    outcome = only(compiled().map_batch("cases", [a_case_row(ID="C" * 200)]))
    assert isinstance(outcome, Quarantined)
    assert outcome.reason == "source_id: longer than 128 characters, the most a reference may have"
    assert "CCCC" not in outcome.reason


def test_an_overlong_identifier_is_quarantined_without_keeping_it() -> None:
    outcome = only(compiled().map_batch("cases", [a_case_row(ID="9" * 50_000)]))
    assert isinstance(outcome, Quarantined)
    assert outcome.source_id is None
    assert len(outcome.raw_hash) == 64


@pytest.mark.parametrize(
    ("opened", "plausible"), [("1899-12-31", False), ("2099-01-01", False), ("2024-05-01", True)]
)
def test_dates_outside_the_plausible_window_are_quarantined_naming_the_field_not_the_value(
    opened: str, plausible: bool
) -> None:
    window = DateWindow(date(1990, 1, 1), date(2028, 2, 1))
    outcome = only(compiled(dates=window).map_batch("cases", [a_case_row(OPENED=opened)]))
    if plausible:
        assert not isinstance(outcome, Quarantined)
    else:
        assert isinstance(outcome, Quarantined)
        assert outcome.reason == "opened_on: outside the plausible dates 1990-01-01 to 2028-02-01"


def test_schema_rules_across_fields_become_quarantine_reasons() -> None:
    spec = a_spec(cases={"fields": {"closed_on": {"path": "CLOSED"}}})
    outcome = only(compiled(spec).map_batch("cases", [a_case_row(OPENED="2024-02-01", CLOSED="2024-01-01")]))
    assert isinstance(outcome, Quarantined)
    assert outcome.reason == (
        "closed_on is before opened_on: a case cannot close before it opens, "
        "check the columns and date formats the two fields read"
    )


def test_a_record_with_no_source_id_is_quarantined_without_one() -> None:
    outcome = only(compiled().map_batch("evidence", [an_evidence_row(ID=None)]))
    assert isinstance(outcome, Quarantined)
    assert (outcome.source_id, outcome.reason) == (
        None,
        "source_id: no value at ID, and the field is required: fill it in the source or read another column",
    )


def test_a_record_that_is_not_an_object_is_quarantined() -> None:
    outcome = only(compiled().map_batch("cases", ["C1,2024-01-02"]))  # type: ignore[list-item]
    assert isinstance(outcome, Quarantined)
    assert outcome.reason == "record is not an object"


def test_outcome_counts_add_up() -> None:
    outcomes: list[RecordOutcome] = [
        Mapped(record=None, source_id="1", content_hash="h", source_rows=3),  # type: ignore[arg-type]
        NotPracticeEvidence(source_id="2", source_type="Chronology", source_rows=2),
        Quarantined(reason="r", raw_hash="h"),
    ]
    assert OutcomeCounts.of(outcomes) == OutcomeCounts(
        records=3, mapped=1, not_practice_evidence=1, quarantined=1, source_rows=6
    )
