"""Each kind of field rule, as a table of source values and what they become."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from mapping.outcomes import NotPracticeEvidence, Quarantined
from tests.mapping.builders import a_case_row, a_spec, an_evidence_row, compiled, mapped_value, only


def kind_of(rule: dict[str, Any], **columns: Any) -> Any:
    """The evidence `kind` a rule gives for a row with these columns."""
    mapping = compiled(a_spec(evidence={"fields": {"kind": rule}}))
    return mapped_value(mapping, "evidence", an_evidence_row(**columns), "kind")


def quarantine_reason(stream: str, fields: dict[str, Any], row: dict[str, Any]) -> str:
    outcome = only(compiled(a_spec(**{stream: {"fields": fields}})).map_batch(stream, [row]))
    assert isinstance(outcome, Quarantined), outcome
    return outcome.reason


@pytest.mark.parametrize(
    ("path", "columns", "expected"),
    [
        ("TOOL", {"TOOL": "houses"}, "houses"),
        ("form.tool", {"form": {"tool": "houses"}}, "houses"),
        ("form.steps.1.tool", {"form": {"steps": [{"tool": "a"}, {"tool": "b"}]}}, "b"),
        ("form.steps.5.tool", {"form": {"steps": [{"tool": "a"}]}}, None),
        ("answers.SoS.Tool", {"answers": {"SoS.Tool": "wizards"}}, "wizards"),
        ("TOOL.inner", {"TOOL": "not an object"}, None),
        ("MISSING", {}, None),
        ("TOOL", {"TOOL": "   "}, None),
        ("TOOL", {"TOOL": "  padded  "}, "padded"),
        ("TOOL", {"TOOL": 42}, "42"),
        ("TOOL", {"TOOL": 42.0}, "42"),
    ],
)
def test_path_reads_nested_keys_list_items_and_dotted_keys(
    path: str, columns: dict[str, Any], expected: Any
) -> None:
    assert kind_of({"path": path}, **columns) == expected


def test_first_of_takes_the_first_path_with_a_value() -> None:
    rule = {"first_of": ["COMPLETED", "STARTED"], "date": "iso"}
    mapping = compiled(a_spec(evidence={"fields": {"evidenced_on": rule}}))
    row = an_evidence_row(COMPLETED="", STARTED="2024-02-01")
    assert mapped_value(mapping, "evidence", row, "evidenced_on") == date(2024, 2, 1)
    row = an_evidence_row(COMPLETED="2024-02-09", STARTED="2024-02-01")
    assert mapped_value(mapping, "evidence", row, "evidenced_on") == date(2024, 2, 9)


def test_const_gives_its_value_whatever_the_record() -> None:
    assert kind_of({"const": "safety_house"}) == "safety_house"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("CP", "cp"), ("LAC", "looked_after"), (None, "cin"), ("", "cin"), ("XYZ", "cin")],
)
def test_map_translates_codes_and_falls_back_to_its_default(value: Any, expected: str) -> None:
    rule = {"path": "TYPE", "map": {"CIN": "cin", "CP": "cp", "LAC": "looked_after"}, "default": "cin"}
    mapping = compiled(a_spec(cases={"fields": {"case_type": rule}}))
    assert mapped_value(mapping, "cases", a_case_row(TYPE=value), "case_type") == expected


def test_map_without_default_quarantines_a_code_it_does_not_know() -> None:
    rule = {"path": "TYPE", "map": {"CIN": "cin", "CP": "cp"}}
    reason = quarantine_reason("cases", {"case_type": rule}, a_case_row(TYPE="EH"))
    assert reason == "case_type: 'EH' is not in the map: add it to the field's map or give the rule a default"


def test_map_keys_match_numeric_codes_whatever_their_type() -> None:
    rule = {"path": "STATUS", "map": {"1": "draft", 2: "completed"}}
    mapping = compiled(a_spec(evidence={"fields": {"state": rule}}))
    assert mapped_value(mapping, "evidence", an_evidence_row(STATUS=1), "state") == "draft"
    assert mapped_value(mapping, "evidence", an_evidence_row(STATUS="2"), "state") == "completed"


STATE_MAPS = {
    "liquidlogic substatus": {
        "path": "SUBSTATUS",
        "map": {"D": "draft", "X": "cancelled"},
        "default": "completed",
    },
    "mosaic step status": {
        "path": "step_status",
        "map": {
            "PROPOSED": "draft",
            "STARTED": "draft",
            "REOPENED": "draft",
            "COMPLETED": "completed",
            "CANCELLED": "cancelled",
        },
    },
    "eclipse instance state": {"path": "INSTANCESTATE", "map": {"COMPLETE": "completed"}, "default": "draft"},
}


@pytest.mark.parametrize(
    ("cms", "column", "value", "expected"),
    [
        ("liquidlogic substatus", "SUBSTATUS", "D", "draft"),
        ("liquidlogic substatus", "SUBSTATUS", "X", "cancelled"),
        ("liquidlogic substatus", "SUBSTATUS", None, "completed"),
        ("mosaic step status", "step_status", "PROPOSED", "draft"),
        ("mosaic step status", "step_status", "STARTED", "draft"),
        ("mosaic step status", "step_status", "REOPENED", "draft"),
        ("mosaic step status", "step_status", "COMPLETED", "completed"),
        ("mosaic step status", "step_status", "CANCELLED", "cancelled"),
        ("eclipse instance state", "INSTANCESTATE", "COMPLETE", "completed"),
        ("eclipse instance state", "INSTANCESTATE", "INPROGRESS", "draft"),
    ],
)
def test_state_maps_record_each_cms_state_as_the_source_says(
    cms: str, column: str, value: Any, expected: str
) -> None:
    mapping = compiled(a_spec(evidence={"fields": {"state": STATE_MAPS[cms]}}))
    assert mapped_value(mapping, "evidence", an_evidence_row(**{column: value}), "state") == expected


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"date": "iso"}, "2024-03-01", date(2024, 3, 1)),
        ({"date": "iso"}, "2024-03-01T23:30:00", date(2024, 3, 1)),
        ({"date": "iso"}, "2024-06-01T23:30:00Z", date(2024, 6, 2)),  # BST: already the 2nd in England
        ({"datetime": "iso"}, "2024-03-01T09:30:00", date(2024, 3, 1)),
        ({"date": "%d/%m/%Y"}, "01/03/2024", date(2024, 3, 1)),
        ({"date": "%d/%m/%Y"}, " 1/3/2024 ", date(2024, 3, 1)),
        ({"date": "%Y%m%d"}, "20240301", date(2024, 3, 1)),
        ({"date": "excel"}, 45352, date(2024, 3, 1)),
        ({"date": "excel"}, "45352.75", date(2024, 3, 1)),
        ({"date": "%d/%m/%Y"}, datetime(2024, 3, 1, 14, 0), date(2024, 3, 1)),  # SQL drivers give datetimes
        ({"date": "iso"}, date(2024, 3, 1), date(2024, 3, 1)),
        ({"path": "ON"}, "2024-03-01", date(2024, 3, 1)),  # a bare path to a date field reads ISO
    ],
)
def test_date_rules_parse_their_format_into_the_local_calendar_date(
    rule: dict[str, Any], value: Any, expected: date
) -> None:
    mapping = compiled(a_spec(evidence={"fields": {"evidenced_on": {"path": "ON", **rule}}}))
    assert mapped_value(mapping, "evidence", an_evidence_row(ON=value), "evidenced_on") == expected


@pytest.mark.parametrize(
    ("rule", "value", "reason"),
    [
        (
            {"date": "%d/%m/%Y"},
            "31/02/2020",
            "evidenced_on: '31/02/2020' is not a date in the configured format DD/MM/YYYY (%d/%m/%Y)",
        ),
        (
            {"date": "%d/%m/%Y"},
            "2020-02-01",
            "evidenced_on: '2020-02-01' is not a date in the configured format DD/MM/YYYY (%d/%m/%Y)",
        ),
        (
            {"date": "iso"},
            "01/02/2020",
            "evidenced_on: '01/02/2020' is not a date: expected YYYY-MM-DD (ISO 8601, a time may follow)",
        ),
        (
            {"date": "excel"},
            "soon",
            "evidenced_on: 'soon' is not a spreadsheet date serial: expected a day number such as 45352",
        ),
        (
            {"date": "excel"},
            -4,
            "evidenced_on: '-4' is not a spreadsheet date serial: expected a day number such as 45352",
        ),
        (
            {"date": "iso"},
            None,
            (
                "evidenced_on: no value at ON, and the field is required: "
                "fill it in the source or read another column"
            ),
        ),
    ],
)
def test_a_date_that_does_not_fit_its_format_is_quarantined_naming_field_and_format(
    rule: dict[str, Any], value: Any, reason: str
) -> None:
    fields = {"evidenced_on": {"path": "ON", **rule}}
    assert quarantine_reason("evidence", fields, an_evidence_row(ON=value)) == reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T09:30:00", datetime(2024, 3, 1, 9, 30, tzinfo=UTC)),  # GMT
        ("2024-07-01T09:30:00", datetime(2024, 7, 1, 8, 30, tzinfo=UTC)),  # BST
        ("2024-07-01T09:30:00+00:00", datetime(2024, 7, 1, 9, 30, tzinfo=UTC)),
        (datetime(2024, 7, 1, 9, 30), datetime(2024, 7, 1, 8, 30, tzinfo=UTC)),
        ("2024-07-01", datetime(2024, 6, 30, 23, 0, tzinfo=UTC)),
    ],
)
def test_datetimes_are_read_as_source_local_time_and_kept_in_utc(value: Any, expected: datetime) -> None:
    rule = {"path": "UPDATED", "datetime": "iso"}
    mapping = compiled(a_spec(evidence={"fields": {"source_updated_at": rule}}))
    assert mapped_value(mapping, "evidence", an_evidence_row(UPDATED=value), "source_updated_at") == expected


def test_the_source_time_zone_is_configurable() -> None:
    spec = a_spec(evidence={"fields": {"source_updated_at": {"path": "UPDATED", "datetime": "iso"}}})
    spec["timezone"] = "UTC"
    row = an_evidence_row(UPDATED="2024-07-01T09:30:00")
    assert mapped_value(compiled(spec), "evidence", row, "source_updated_at") == datetime(
        2024, 7, 1, 9, 30, tzinfo=UTC
    )


ELEMENT_PATTERNS = [
    {"match": "Danger Statement*", "element": "danger_statement"},
    {"regex": "^SoS Map", "element": "mapping"},
    {"match": "*three houses*", "element": "work_with_children"},
    {"match": "*", "element": "safety_plan"},
]


@pytest.mark.parametrize(
    ("template", "element"),
    [
        ("Danger Statement", "danger_statement"),
        ("danger statement (v2)", "danger_statement"),  # globs ignore case
        ("SoS Mapping", "mapping"),
        ("sos mapping", "safety_plan"),  # regexes do not, unless they say (?i)
        ("CP: Three Houses", "work_with_children"),
        ("Danger Statement - Three Houses", "danger_statement"),  # the first match wins
        ("Chronology", "safety_plan"),
    ],
)
def test_patterns_pick_the_element_of_the_first_matching_pattern(template: str, element: str) -> None:
    rule = {"path": "TEMPLATE", "patterns": ELEMENT_PATTERNS}
    mapping = compiled(a_spec(evidence={"fields": {"element": rule}}))
    assert mapped_value(mapping, "evidence", an_evidence_row(TEMPLATE=template), "element") == element


def test_a_template_no_element_pattern_matches_is_not_practice_evidence() -> None:
    rule = {"path": "TEMPLATE", "patterns": ELEMENT_PATTERNS[:2]}
    mapping = compiled(a_spec(evidence={"fields": {"element": rule}}))
    outcome = only(mapping.map_batch("evidence", [an_evidence_row(TEMPLATE="Chronology", ON="not a date")]))
    assert outcome == NotPracticeEvidence(source_id="F1", source_type="Chronology", source_rows=1)


def test_a_step_type_the_element_map_does_not_know_is_not_practice_evidence() -> None:
    rule = {"path": "STEP_TYPE", "map": {"1201": "danger_statement"}}
    mapping = compiled(a_spec(evidence={"fields": {"element": rule}}))
    outcome = only(mapping.map_batch("evidence", [an_evidence_row(STEP_TYPE=77)]))
    assert isinstance(outcome, NotPracticeEvidence)
    assert outcome.source_type == "77"


def test_an_element_default_catches_every_other_type() -> None:
    rule = {"path": "TEMPLATE", "patterns": ELEMENT_PATTERNS[:1], "default": "mapping"}
    mapping = compiled(a_spec(evidence={"fields": {"element": rule}}))
    assert mapped_value(mapping, "evidence", an_evidence_row(TEMPLATE="Other"), "element") == "mapping"


def test_a_record_with_no_type_to_decide_its_element_by_is_quarantined() -> None:
    rule = {"path": "TEMPLATE", "patterns": ELEMENT_PATTERNS[:1]}
    reason = quarantine_reason("evidence", {"element": rule}, an_evidence_row())
    assert reason == (
        "element: no value at TEMPLATE, and the field is required: "
        "fill it in the source or read another column"
    )


@pytest.mark.parametrize(
    ("template", "kind"),
    [
        ("Direct work - Three Houses", "three_houses"),
        ("Wizards and Fairies", "wizards_and_fairies"),
        ("Safety House tool", "safety_house"),
        ("Danger Statement", None),  # not a children's tool: no kind, and no problem
    ],
)
def test_value_patterns_name_the_childrens_tool_used(template: str, kind: str | None) -> None:
    rule = {
        "path": "TEMPLATE",
        "patterns": [
            {"match": "*Three Houses*", "value": "three_houses"},
            {"regex": "(?i)wizards? (and|&) fairies", "value": "wizards_and_fairies"},
            {"match": "*safety house*", "value": "safety_house"},
        ],
    }
    assert kind_of(rule, TEMPLATE=template) == kind
