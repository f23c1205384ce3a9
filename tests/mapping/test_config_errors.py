"""Mistakes in a mapping are found before any record is read, and named by their key path."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mapping.checks import MappingConfigError, mapping_problems
from mapping.elements import DEFAULT_ELEMENT_KEYS
from mapping.identifiers import IdentifierPolicy
from mapping.spec import AuthorityMapping
from tests.mapping.builders import KEY, a_spec, compiled


def shape_errors(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(key path, message) of each error the spec models report."""
    with pytest.raises(ValidationError) as caught:
        AuthorityMapping.model_validate(spec)
    return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in caught.value.errors()]


def meaning_problems(spec: dict[str, Any], elements: tuple[str, ...] = DEFAULT_ELEMENT_KEYS) -> list[str]:
    return [str(p) for p in mapping_problems(AuthorityMapping.model_validate(spec), elements)]


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        ({"path": "X", "mapp": {}}, "evidence.fields.kind.mapp", "Extra inputs are not permitted"),
        (
            {"path": "X", "patterns": [{"regex": "(unclosed", "value": "x"}]},
            "evidence.fields.kind.patterns.0.regex",
            "is not a valid regular expression",
        ),
        (
            {"path": "X", "patterns": [{"match": "a", "regex": "b", "value": "x"}]},
            "evidence.fields.kind.patterns.0",
            "exactly one of match: (a glob) or regex:",
        ),
        (
            {"path": "X", "patterns": [{"match": "a"}]},
            "evidence.fields.kind.patterns.0",
            "exactly one of element: or value:",
        ),
        (
            {"path": "X", "patterns": [{"match": "a", "bogus": 1, "value": "x"}]},
            "evidence.fields.kind.patterns.0.bogus",
            "Extra inputs are not permitted",
        ),
        ({"path": "X", "date": "dd/mm/yyyy"}, "evidence.fields.kind.date", "is not a date format"),
        ({"path": "X", "date": "%m/%Y"}, "evidence.fields.kind.date", "needs a year (%Y or %y) and a day"),
        (
            {"path": "X", "datetime": "%d/%m/%Y %Q"},
            "evidence.fields.kind.datetime",
            "not a valid strftime pattern",
        ),
        ({"path": "a..b"}, "evidence.fields.kind.path", "is not a field path"),
        ({"path": "X", "const": "y"}, "evidence.fields.kind", "exactly one of path:, first_of: or const:"),
        ({}, "evidence.fields.kind", "exactly one of path:, first_of: or const:"),
        ({"path": "X", "map": {"a": "b"}, "number": True}, "evidence.fields.kind", "at most one of map:"),
        ({"const": "y", "default": "z"}, "evidence.fields.kind", "const: is the value itself"),
        ({"path": "X", "map": {True: "y"}}, "evidence.fields.kind.map", "quote the key"),
        ({"first_of": []}, "evidence.fields.kind.first_of", "at least 1 item"),
        ({"path": True}, "evidence.fields.kind.path", "unquoted yes/no/on/off/null; quote the path"),
    ],
)
def test_a_malformed_rule_is_reported_at_its_key_path(rule: dict[str, Any], path: str, message: str) -> None:
    errors = shape_errors(a_spec(evidence={"fields": {"kind": rule}}))
    assert any(loc == path and message in msg for loc, msg in errors), errors


def test_an_unknown_time_zone_is_reported() -> None:
    spec = a_spec()
    spec["timezone"] = "Europe/Londn"
    assert shape_errors(spec) == [
        ("timezone", "Value error, unknown time zone 'Europe/Londn'; expected a name like Europe/London")
    ]


def test_an_unknown_key_beside_the_streams_is_reported() -> None:
    spec = a_spec()
    spec["case"] = {}
    assert ("case", "Extra inputs are not permitted") in shape_errors(spec)


@pytest.mark.parametrize(
    ("streams", "problem"),
    [
        (
            {"evidence": {"fields": {"element": {"const": "danger_statment"}}}},
            "evidence.fields.element.const: unknown element 'danger_statment'",
        ),
        (
            {
                "evidence": {
                    "fields": {"element": {"path": "T", "patterns": [{"match": "*", "element": "nope"}]}}
                }
            },
            "evidence.fields.element.patterns.0.element: unknown element 'nope'",
        ),
        (
            {"evidence": {"fields": {"element": {"path": "T", "map": {"12": "nope"}}}}},
            "evidence.fields.element.map.12: unknown element 'nope'",
        ),
        (
            {
                "evidence": {
                    "fields": {"kind": {"path": "T", "patterns": [{"match": "*", "element": "mapping"}]}}
                }
            },
            "evidence.fields.kind.patterns.0.element: only the element rule's patterns give element:",
        ),
        (
            {"cases": {"fields": {"case_type": {"path": "T", "map": {"CP": "cpp"}}}}},
            "cases.fields.case_type.map.CP: 'cpp' is not a valid case_type: "
            "Input should be 'early_help', 'cin', 'cp', 'looked_after' or 'care_leaver'",
        ),
        (
            {"evidence": {"fields": {"state": {"path": "S", "map": {"D": "draft"}, "default": "done"}}}},
            "evidence.fields.state.default: 'done' is not a valid state",
        ),
        (
            {"evidence": {"fields": {"scale_value": {"path": "S", "map": {"high": 12}}}}},
            "evidence.fields.scale_value.map.high: 12 is not a valid scale_value",
        ),
        (
            {"cases": {"fields": {"team": {"path": "T", "date": "iso"}}}},
            "cases.fields.team.date: team holds text, so it takes no date format",
        ),
        (
            {"cases": {"fields": {"team": {"path": "T", "number": True}}}},
            "cases.fields.team.number: team holds text, not a number",
        ),
        ({"cases": {"fields": {"teams": {"path": "T"}}}}, "cases.fields.teams: Case has no field 'teams'"),
        ({"cases": {"fields": {"authority": {"const": "x"}}}}, "cases.fields.authority: Case has no field"),
        (
            {"evidence": {"fields": {"source_id": {"path": "ID"}}}},
            "evidence.fields.source_id: the source id is set by the stream's source_id:, not under fields",
        ),
        (
            {"cases": {"source_id": {"const": "x"}}},
            "cases.source_id: the source id must come from the record",
        ),
        (
            {"cases": {"source_id": {"path": "ROW_ID"}, "system_fields": ["ROW_ID"]}},
            "cases.source_id: ROW_ID is in system_fields (the source rewrites it); "
            "a record's identity must be stable",
        ),
    ],
)
def test_a_rule_that_contradicts_the_schema_or_catalogue_is_reported_at_its_key_path(
    streams: dict[str, Any], problem: str
) -> None:
    problems = meaning_problems(a_spec(**streams))
    assert any(p.startswith(problem) for p in problems), problems


def test_a_field_the_schema_requires_but_no_rule_maps_is_reported() -> None:
    spec = a_spec()
    del spec["cases"]["fields"]["opened_on"]
    del spec["evidence"]["fields"]["state"]
    assert meaning_problems(spec) == [
        "cases.fields: opened_on is required by the Case schema but has no rule",
        "evidence.fields: state is required by the Evidence schema but has no rule",
    ]


def test_elements_are_checked_against_the_authoritys_own_catalogue() -> None:
    spec = a_spec(evidence={"fields": {"element": {"const": "family_meeting"}}})
    assert meaning_problems(spec, (*DEFAULT_ELEMENT_KEYS, "family_meeting")) == []
    assert meaning_problems(spec)  # not in the default catalogue


def test_compiling_reports_every_problem_with_paths_from_the_top_of_the_authority_file() -> None:
    spec = a_spec(evidence={"fields": {"element": {"const": "nope"}, "teem": {"path": "T"}}})
    with pytest.raises(MappingConfigError) as caught:
        compiled(spec)
    assert [".".join(map(str, p.path)) for p in caught.value.problems] == [
        "mapping.evidence.fields.element.const",
        "mapping.evidence.fields.teem",
    ]
    assert str(caught.value).startswith("mapping.evidence.fields.element.const: unknown element 'nope'")


def test_pseudonymising_without_a_key_is_a_config_error_that_says_how_to_fix_it() -> None:
    with pytest.raises(MappingConfigError, match=r"^identifiers: .*set key_env or key_file"):
        compiled(identifiers=IdentifierPolicy(), key=None)


def test_a_short_pseudonym_key_is_a_config_error() -> None:
    with pytest.raises(MappingConfigError, match="at least 16"):
        compiled(identifiers=IdentifierPolicy(key_env="LA_KEY"), key=b"short")


def test_the_brief_example_mapping_compiles() -> None:
    compiled(EXAMPLE_YAML, identifiers=IdentifierPolicy(key_env="LA_KEY"), key=KEY)


EXAMPLE_YAML = """
mapping:
  cases:
    source_id: {path: DIM_PERSON_ID}
    fields:
      case_ref: {path: DIM_PERSON_ID}
      team: {path: DEPARTMENT_NAME}
      worker: {path: WORKER_ID}
      case_type: {path: CASE_TYPE, map: {CIN: cin, CP: cp, LAC: looked_after}, default: cin}
      opened_on: {path: START_DTTM, datetime: iso}
      closed_on: {path: END_DTTM, datetime: iso}
      cp_plan_start: {path: CP_START_DTTM, datetime: iso}
      source_updated_at: {path: UPDATED_DTTM, datetime: iso}
    system_fields: [ROW_ID]
  evidence:
    gather: {by: FACT_FORM_ID, question: ANSWER_NO, answer: ANSWER}
    source_id: {path: FACT_FORM_ID}
    fields:
      case_ref: {path: DIM_PERSON_ID}
      element:
        path: DIM_ASSESSMENT_TEMPLATE_ID_DESC
        patterns:
          - {match: "Danger Statement*", element: danger_statement}
          - {regex: "^SoS Map", element: mapping}
      kind:
        path: DIM_ASSESSMENT_TEMPLATE_ID_DESC
        patterns: [{match: "*Three Houses*", value: three_houses}]
      state: {path: SUBSTATUS, map: {D: draft, X: cancelled}, default: completed}
      evidenced_on: {path: ANSWERED_DTTM, datetime: iso}
      scale_value: {path: answers.SAFETY_SCALE, number: true}
"""
