"""The coverage report `sofs-sync check` shows: which source types reach which element."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from mapping.coverage import MAX_REASONS, SourceTypeCoverage, coverage
from mapping.outcomes import OutcomeCounts
from tests.mapping.builders import a_case_row, a_spec, an_evidence_row, compiled
from tests.mapping.test_several_elements import COMBINED_FORM

BY_TEMPLATE = a_spec(
    evidence={
        "fields": {
            "element": {
                "path": "TEMPLATE",
                "patterns": [
                    {"match": "Danger Statement*", "element": "danger_statement"},
                    {"match": "Safety Plan*", "element": "safety_plan"},
                ],
            }
        }
    }
)


GATHER = {"by": "ID", "question": "Q", "answer": "A"}


def evidence_rows(*templates: str, **columns: Any) -> list[dict[str, Any]]:
    return [an_evidence_row(ID=f"F{n}", TEMPLATE=t, **columns) for n, t in enumerate(templates)]


def test_coverage_lists_each_source_type_with_its_element_or_none_most_common_first() -> None:
    rows = evidence_rows(
        "Chronology", "Danger Statement", "Danger Statement", "Safety Plan v2", "Chronology", "Chronology"
    )
    report = coverage(compiled(BY_TEMPLATE), {"evidence": rows})
    (stream,) = report.streams
    assert stream.source_types == [
        SourceTypeCoverage("Chronology", None, 3),
        SourceTypeCoverage("Danger Statement", "danger_statement", 2),
        SourceTypeCoverage("Safety Plan v2", "safety_plan", 1),
    ]
    assert stream.counts == OutcomeCounts(6, 3, 3, 0, 6)


def test_coverage_shows_the_element_of_quarantined_records_and_how_many_failed() -> None:
    rows = [*evidence_rows("Danger Statement"), *evidence_rows("Danger Statement", ON="31/02/2024")]
    (stream,) = coverage(compiled(BY_TEMPLATE), {"evidence": rows}).streams
    assert stream.source_types == [
        SourceTypeCoverage("Danger Statement", "danger_statement", 2, quarantined=1)
    ]
    assert stream.quarantine_reasons == [
        "evidenced_on: '31/02/2024' is not a date: expected YYYY-MM-DD (ISO 8601, a time may follow)"
    ]


def test_coverage_gives_one_example_per_kind_of_quarantine_reason() -> None:
    rows = [a_case_row(ID=f"C{n}", OPENED=f"{n:02}/01/2024") for n in range(1, 20)]
    rows += [a_case_row(ID="X", OPENED=None)]
    (stream,) = coverage(compiled(), {"cases": rows}).streams
    assert stream.quarantine_reasons == [
        "opened_on: '01/01/2024' is not a date: expected YYYY-MM-DD (ISO 8601, a time may follow)",
        (
            "opened_on: no value at OPENED, and the field is required: "
            "fill it in the source or read another column"
        ),
    ]
    assert len(stream.quarantine_reasons) <= MAX_REASONS
    assert stream.source_types == []  # cases have no element rule


def test_coverage_of_gathered_forms_counts_forms_and_rows() -> None:
    mapping = compiled({**BY_TEMPLATE, "evidence": {**BY_TEMPLATE["evidence"], "gather": GATHER}})
    rows = [an_evidence_row(ID="F1", TEMPLATE="Danger Statement", Q=q, A="x") for q in ("a", "b", "c")]
    (stream,) = coverage(mapping, {"evidence": rows}).streams
    assert stream.counts == OutcomeCounts(1, 1, 0, 0, 3)
    assert stream.source_types == [SourceTypeCoverage("Danger Statement", "danger_statement", 1)]


def test_an_element_given_as_a_constant_has_no_source_type() -> None:
    (stream,) = coverage(compiled(), {"evidence": [an_evidence_row()]}).streams
    assert stream.source_types == [SourceTypeCoverage(None, "mapping", 1)]


def test_coverage_leaves_out_streams_the_mapping_does_not_map() -> None:
    report = coverage(compiled(), {"workers": [{"ID": "W1"}], "cases": [a_case_row()]})
    assert [s.stream for s in report.streams] == ["cases"]


def test_a_coverage_report_is_plain_json() -> None:
    report = coverage(
        compiled(BY_TEMPLATE), {"cases": [a_case_row()], "evidence": evidence_rows("Chronology")}
    )
    document = json.loads(json.dumps(dataclasses.asdict(report)))
    assert document["authority"] == "test-la"
    assert document["streams"][1]["source_types"] == [
        {"source_type": "Chronology", "element": None, "records": 1, "quarantined": 0}
    ]


def test_a_form_evidencing_two_elements_is_one_sample_record() -> None:
    rows = evidence_rows("Danger Statement & Safety Goal", "Danger Statement", "Chronology")
    (stream,) = coverage(compiled(COMBINED_FORM), {"evidence": rows}).streams
    # Three forms were sampled: `check --sample 3` says 3 records, not one per element row.
    assert stream.counts == OutcomeCounts(
        records=3, mapped=2, not_practice_evidence=1, quarantined=0, source_rows=3
    )
    assert SourceTypeCoverage("Danger Statement & Safety Goal", "danger_statement, safety_goal", 1) in (
        stream.source_types
    )
