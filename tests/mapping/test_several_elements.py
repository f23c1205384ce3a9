"""One source record may evidence several elements: each is its own evidence row."""

from __future__ import annotations

import pytest

from mapping.checks import MappingConfigError
from mapping.coverage import SourceTypeCoverage, coverage
from mapping.outcomes import Mapped, NotPracticeEvidence, OutcomeCounts, Quarantined
from tests.mapping.builders import a_spec, an_evidence_row, compiled

COMBINED_FORM = a_spec(
    evidence={
        "fields": {
            "element": {
                "path": "TEMPLATE",
                "patterns": [
                    {
                        "match": "Danger Statement & Safety Goal*",
                        "element": ["danger_statement", "safety_goal"],
                    },
                    {"match": "Danger Statement*", "element": "danger_statement"},
                ],
            }
        }
    }
)


def test_a_danger_statement_and_safety_goal_form_evidences_both_elements() -> None:
    outcomes = compiled(COMBINED_FORM).map_batch(
        "evidence", [an_evidence_row(ID="F7", TEMPLATE="Danger Statement & Safety Goal v3")]
    )
    assert all(isinstance(o, Mapped) for o in outcomes)
    records = [o.record for o in outcomes if isinstance(o, Mapped)]
    assert [(r.element, r.source_id) for r in records] == [
        ("danger_statement", "F7#danger_statement"),
        ("safety_goal", "F7#safety_goal"),
    ]
    assert {r.evidenced_on.isoformat() for r in records} == {"2024-03-01"}
    # Quarantine knows the source record by its own id; its raw rows count once.
    assert [o.source_id for o in outcomes if isinstance(o, Mapped)] == ["F7", "F7"]
    assert OutcomeCounts.of(outcomes).source_rows == 1


def test_a_form_of_one_element_keeps_its_plain_source_id() -> None:
    (outcome,) = compiled(COMBINED_FORM).map_batch("evidence", [an_evidence_row(TEMPLATE="Danger Statement")])
    assert isinstance(outcome, Mapped)
    assert outcome.record.source_id == "F1"  # type: ignore[union-attr]


def test_a_value_map_may_give_several_elements() -> None:
    spec = a_spec(
        evidence={"fields": {"element": {"path": "T", "map": {"DSSG": ["danger_statement", "safety_goal"]}}}}
    )
    outcomes = compiled(spec).map_batch("evidence", [an_evidence_row(T="DSSG")])
    assert [o.record.element for o in outcomes if isinstance(o, Mapped)] == [
        "danger_statement",
        "safety_goal",
    ]  # type: ignore[union-attr]


def test_a_combined_form_that_fails_names_the_rows_it_stands_for() -> None:
    (outcome,) = compiled(COMBINED_FORM).map_batch(
        "evidence", [an_evidence_row(ID="F7", TEMPLATE="Danger Statement & Safety Goal", ON="31/02/2024")]
    )
    assert isinstance(outcome, Quarantined)
    assert outcome.source_id == "F7"
    assert outcome.stored_ids == ("F7#danger_statement", "F7#safety_goal")


def test_an_unknown_element_in_a_list_is_a_config_error_with_its_key_path() -> None:
    spec = a_spec(
        evidence={
            "fields": {
                "element": {
                    "path": "T",
                    "patterns": [{"match": "*", "element": ["danger_statement", "goal"]}],
                }
            }
        }
    )
    with pytest.raises(MappingConfigError) as raised:
        compiled(spec)
    assert "evidence.fields.element.patterns.0.element: unknown element 'goal'" in str(raised.value)


def test_coverage_shows_both_elements_of_a_combined_form() -> None:
    rows = [
        an_evidence_row(ID="F1", TEMPLATE="Danger Statement & Safety Goal"),
        an_evidence_row(ID="F2", TEMPLATE="Danger Statement"),
    ]
    (stream,) = coverage(compiled(COMBINED_FORM), {"evidence": rows}).streams
    assert stream.source_types == [
        SourceTypeCoverage("Danger Statement", "danger_statement", 1),
        SourceTypeCoverage("Danger Statement & Safety Goal", "danger_statement, safety_goal", 1),
    ]


def test_coverage_warns_of_catalogue_elements_nothing_maps_to() -> None:
    report = coverage(compiled(COMBINED_FORM), {"evidence": []})
    assert "safety_goal" not in report.unreached_elements
    assert "danger_statement" not in report.unreached_elements
    assert "safety_plan" in report.unreached_elements
    assert "mapping" in report.unreached_elements


def test_coverage_does_not_guess_when_the_source_names_the_element_itself() -> None:
    spec = a_spec(evidence={"fields": {"element": {"path": "ELEMENT"}}})
    assert coverage(compiled(spec), {"evidence": []}).unreached_elements == []


def test_coverage_names_streams_the_connector_offers_but_nothing_maps() -> None:
    report = coverage(compiled(), {"evidence": [an_evidence_row()], "episodes": [{"x": 1}]})
    assert report.unmapped_streams == ["episodes"]
    assert [s.stream for s in report.streams] == ["evidence"]


def test_a_record_of_no_element_is_still_one_outcome() -> None:
    (outcome,) = compiled(COMBINED_FORM).map_batch("evidence", [an_evidence_row(TEMPLATE="Chronology")])
    assert isinstance(outcome, NotPracticeEvidence)
