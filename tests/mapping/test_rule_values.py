"""Rules that shape a value once read: whole numbers for scales, required fields, defaults, and one
reason naming every failing field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from mapping.outcomes import Mapped
from tests.mapping.builders import a_case_row, a_spec, an_evidence_row, compiled, mapped_value, only
from tests.mapping.test_rule_kinds import kind_of, quarantine_reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), ("7", 7), (" 10 ", 10), (0, 0), (7.0, 7), (Decimal("3.00"), 3), ("", None), (None, None)],
)
def test_number_reads_a_whole_scale_value(value: Any, expected: int | None) -> None:
    mapping = compiled(a_spec(evidence={"fields": {"scale_value": {"path": "SCALE", "number": True}}}))
    assert mapped_value(mapping, "evidence", an_evidence_row(SCALE=value), "scale_value") == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("7.5", "scale_value: '7.5' is not a whole number"),
        ("seven", "scale_value: 'seven' is not a whole number"),
        (True, "scale_value: true is not a whole number"),
        (11, "scale_value: '11' is more than 10, the most allowed"),
        (-1, "scale_value: '-1' is less than 0, the least allowed"),
    ],
)
def test_a_scale_value_that_is_not_a_whole_number_from_0_to_10_is_quarantined(
    value: Any, reason: str
) -> None:
    fields = {"scale_value": {"path": "SCALE", "number": True}}
    assert quarantine_reason("evidence", fields, an_evidence_row(SCALE=value)) == reason


def test_required_makes_an_optional_schema_field_a_reason_to_quarantine() -> None:
    fields = {"team": {"path": "TEAM", "required": True}}
    assert (
        quarantine_reason("cases", fields, a_case_row())
        == "team: no value at TEAM, and the field is required: fill it in the source or read another column"
    )
    assert mapped_value(compiled(a_spec(cases={"fields": fields})), "cases", a_case_row(TEAM="North"), "team")


def test_fields_the_schema_requires_are_required_without_saying_so() -> None:
    assert quarantine_reason("cases", {}, a_case_row(OPENED=None)) == (
        "opened_on: no value at OPENED, and the field is required: "
        "fill it in the source or read another column"
    )


def test_a_default_stands_in_for_an_empty_source_value() -> None:
    rule = {"path": "TEAM", "default": "Unallocated"}
    mapping = compiled(a_spec(cases={"fields": {"team": rule}}))
    assert mapped_value(mapping, "cases", a_case_row(), "team") == "Unallocated"


def test_text_fields_refuse_objects_and_lists() -> None:
    fields = {"team": {"path": "TEAM"}}
    assert quarantine_reason("cases", fields, a_case_row(TEAM={"name": "x"})) == "team: an object is not text"
    assert (
        quarantine_reason("cases", fields, a_case_row(TEAM=[1, 2])) == "team: a list of 2 items is not text"
    )


def test_every_failing_field_is_named_in_one_reason() -> None:
    row = a_case_row(OPENED="yesterday", TEAM=["x"])
    reason = quarantine_reason("cases", {"team": {"path": "TEAM"}}, row)
    assert reason == (
        "opened_on: 'yesterday' is not a date: expected YYYY-MM-DD (ISO 8601, a "
        "time may follow); team: a list of 1 item is not text"
    )


def test_a_mapped_record_carries_its_source_id_and_a_content_hash() -> None:
    outcome = only(compiled().map_batch("cases", [a_case_row()]))
    assert isinstance(outcome, Mapped)
    assert outcome.source_id == "C1"
    assert len(outcome.content_hash) == 64


def test_patterns_can_test_whether_a_typed_date_column_has_a_value() -> None:
    rule = {"path": "CP_START", "patterns": [{"regex": ".", "value": "cp"}], "default": "cin"}
    mapping = compiled(a_spec(cases={"fields": {"case_type": rule}}))
    assert (
        mapped_value(mapping, "cases", a_case_row(CP_START=datetime(2024, 1, 29, 14, 0)), "case_type") == "cp"
    )
    assert mapped_value(mapping, "cases", a_case_row(CP_START=None), "case_type") == "cin"


def test_a_map_with_an_explicit_null_default_leaves_codes_it_does_not_know_empty() -> None:
    rule = {"path": "STEP_TYPE", "map": {"1300": "three_houses"}, "default": None}
    assert kind_of(rule, STEP_TYPE=1300) == "three_houses"
    assert kind_of(rule, STEP_TYPE=1201) is None


def test_a_batch_maps_each_repeat_of_a_date_or_template_text_as_it_maps_the_first() -> None:
    """Texts met again within a run (a source has few distinct dates and template names) give the
    same result every time, and a text that fails keeps failing with the same reason."""
    rule = {"path": "TEMPLATE", "patterns": [{"match": "three houses*", "value": "three_houses"}]}
    mapping = compiled(
        a_spec(evidence={"fields": {"kind": rule, "evidenced_on": {"path": "ON", "date": "iso"}}})
    )
    rows = [
        an_evidence_row(ID=f"F{n}", TEMPLATE=template, ON=on)
        for n, (template, on) in enumerate(
            [("Three Houses", "2024-03-01"), ("Chronology", "31/02/2024"), ("three houses v2", "2024-03-01")]
            * 2
        )
    ]
    outcomes = mapping.map_batch("evidence", rows)
    kinds = [
        vars(o.record)["kind"] if isinstance(o, Mapped) else getattr(o, "reason", None) for o in outcomes
    ]
    reason = "evidenced_on: '31/02/2024' is not a date: expected YYYY-MM-DD (ISO 8601, a time may follow)"
    assert kinds == ["three_houses", reason, "three_houses"] * 2
    days = {vars(o.record)["evidenced_on"] for o in outcomes if isinstance(o, Mapped)}
    assert days == {date(2024, 3, 1)}
