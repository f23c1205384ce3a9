"""Audits are graded on the authority's own scale, never guessed at; episodes keep a case's course.

A grade the scale does not have, an area grade off the scale, or an attendee the map does not know
quarantines the audit with a reason a person can act on; words, rank and the good line come from
the scale, not the source.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from config.authority import AuthorityFile
from mapping.audit_scale import AuditScale
from mapping.checks import MappingConfigError
from mapping.elements import DEFAULT_ELEMENT_KEYS
from mapping.mapper import CompiledMapping, compile_mapping
from mapping.outcomes import Mapped, Quarantined
from mapping.schema import Audit, CaseEpisode, EpisodeKind, FamilyParticipation
from mapping.spec import AuthorityMapping
from tests.mapping.builders import KEEP_ALL, a_spec, only

WORDED = {
    "grades": [
        {"code": "outstanding", "words": "Outstanding"},
        {"code": "good", "words": "Good"},
        {"code": "requires_improvement", "words": "Requires improvement"},
        {"code": "inadequate", "words": "Inadequate"},
    ],
    "good_line": "good",
}
GRADES = {
    "Outstanding": "outstanding",
    "Good": "good",
    "RI": "requires_improvement",
    "Inadequate": "inadequate",
}

AUDITS: dict[str, Any] = {
    "source_id": {"path": "AUDIT_ID"},
    "fields": {
        "case_ref": {"path": "PERSON_ID"},
        "audited_on": {"path": "AUDIT_DATE", "date": "%Y-%m-%d"},
        "grade": {"path": "OVERALL_GRADE", "map": GRADES},
        "family_participation": {
            "path": "FAMILY",
            "map": {"Yes": "took_part", "Partly": "partly", "No": "did_not_take_part"},
        },
        "participants": {
            "path": "ATTENDEES",
            "split": ";",
            "map": {"Social worker": "practitioner", "Team manager": "team_manager", "Parent": "parent"},
        },
        "area.danger_statements": {"path": "GRADE_DANGER", "map": GRADES},
    },
}
EPISODES: dict[str, Any] = {
    "source_id": {"path": "EPISODE_ID"},
    "fields": {
        "case_ref": {"path": "PERSON_ID"},
        "kind": {"path": "EPISODE_TYPE", "map": {"REF": "referral", "CPP": "cp_plan", "LAC": "looked_after"}},
        "started_on": {"path": "START", "date": "%Y-%m-%d"},
        "ended_on": {"path": "END", "date": "%Y-%m-%d"},
        "end_reason": {"path": "REASON"},
        "previous_cp_plans": {"path": "PREVIOUS_PLANS", "number": True},
    },
}


def with_streams(**streams: dict[str, Any]) -> dict[str, Any]:
    """The base mapping with whole streams added or replaced."""
    return {**a_spec(), **streams}


def with_measures(
    audits: dict[str, Any] | None = None, scale: dict[str, Any] | None = None
) -> CompiledMapping:
    spec = with_streams(audits=audits or AUDITS, episodes=EPISODES)
    return compile_mapping(
        AuthorityMapping.model_validate(spec),
        authority="test-la",
        elements=DEFAULT_ELEMENT_KEYS,
        identifiers=KEEP_ALL,
        audit_scale=AuditScale.model_validate(scale or WORDED),
    )


def an_audit_row(**columns: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "AUDIT_ID": "AU1",
        "PERSON_ID": "C1",
        "AUDIT_DATE": "2025-03-03",
        "OVERALL_GRADE": "Good",
        "FAMILY": "Partly",
        "ATTENDEES": "Social worker; Parent;; Team manager ",
        "GRADE_DANGER": "RI",
    }
    row.update(columns)
    return row


def audit_of(mapping: CompiledMapping, row: dict[str, Any]) -> Audit:
    outcome = only(mapping.map_batch("audits", [row]))
    assert isinstance(outcome, Mapped), outcome
    assert isinstance(outcome.record, Audit)
    return outcome.record


def reason_of(mapping: CompiledMapping, stream: str, row: dict[str, Any]) -> str:
    outcome = only(mapping.map_batch(stream, [row]))
    assert isinstance(outcome, Quarantined), outcome
    return outcome.reason


def test_an_audit_takes_its_grades_words_rank_and_good_line_from_the_scale() -> None:
    audit = audit_of(with_measures(), an_audit_row())
    assert (audit.grade, audit.grade_words, audit.grade_rank, audit.meets_good_line) == (
        "good",
        "Good",
        2,
        True,
    )
    assert audit.audited_on == date(2025, 3, 3)
    assert audit.family_participation is FamilyParticipation.PARTLY
    assert audit.participants == ("practitioner", "parent", "team_manager")
    assert audit.area_grades == {"danger_statements": "requires_improvement"}


def test_a_grade_below_the_good_line_does_not_meet_it() -> None:
    audit = audit_of(with_measures(), an_audit_row(OVERALL_GRADE="RI"))
    assert (audit.grade_words, audit.grade_rank, audit.meets_good_line) == ("Requires improvement", 1, False)


def test_a_numeric_scale_reads_a_grade_as_so_many_of_the_highest() -> None:
    audits = {**AUDITS, "fields": {**AUDITS["fields"], "grade": {"path": "SCORE"}}}
    del audits["fields"]["area.danger_statements"]
    mapping = with_measures(audits, {"numeric": {"lowest": 0, "highest": 10}, "good_line": 7})
    seven = audit_of(mapping, an_audit_row(SCORE=7))
    assert (seven.grade, seven.grade_words, seven.grade_rank, seven.meets_good_line) == (
        "7",
        "7 of 10",
        7,
        True,
    )
    assert audit_of(mapping, an_audit_row(SCORE="6")).meets_good_line is False
    assert "not a grade on the authority's audit scale (10, 9, 8" in reason_of(
        mapping, "audits", an_audit_row(SCORE=11)
    )


def test_a_grade_not_on_the_scale_is_quarantined_naming_the_scales_codes() -> None:
    audits = {**AUDITS, "fields": {**AUDITS["fields"], "grade": {"path": "OVERALL_GRADE"}}}
    reason = reason_of(with_measures(audits), "audits", an_audit_row(OVERALL_GRADE="Gud"))
    assert reason == (
        "grade: 'Gud' is not a grade on the authority's audit scale "
        "(outstanding, good, requires_improvement, inadequate): map the source's grade to one of these codes"
    )


def test_an_area_grade_not_on_the_scale_is_quarantined_and_names_its_area() -> None:
    audits = {**AUDITS, "fields": {**AUDITS["fields"], "area.danger_statements": {"path": "GRADE_DANGER"}}}
    reason = reason_of(with_measures(audits), "audits", an_audit_row(GRADE_DANGER="RI"))
    assert reason.startswith("area.danger_statements: 'RI' is not a grade on the authority's audit scale")


def test_an_attendee_the_map_does_not_know_is_quarantined_without_quoting_it() -> None:
    reason = reason_of(with_measures(), "audits", an_audit_row(ATTENDEES="Social worker; Jo Bloggs"))
    assert "Jo Bloggs" not in reason
    assert reason.startswith("participants: an item is not in the map")


def test_default_null_leaves_attendees_the_map_does_not_know_out() -> None:
    rule = {**AUDITS["fields"]["participants"], "default": None}
    audits = {**AUDITS, "fields": {**AUDITS["fields"], "participants": rule}}
    audit = audit_of(with_measures(audits), an_audit_row(ATTENDEES="Social worker; Jo Bloggs"))
    assert audit.participants == ("practitioner",)


def test_a_list_at_the_path_is_taken_as_it_is_and_no_attendees_are_none() -> None:
    mapping = with_measures()
    assert audit_of(mapping, an_audit_row(ATTENDEES=["Parent", "Team manager"])).participants == (
        "parent",
        "team_manager",
    )
    assert audit_of(mapping, an_audit_row(ATTENDEES="")).participants == ()


def test_an_episode_keeps_its_dates_reason_and_earlier_plans() -> None:
    row = {
        "EPISODE_ID": "E1",
        "PERSON_ID": "C1",
        "EPISODE_TYPE": "CPP",
        "START": "2024-05-02",
        "END": "2025-01-10",
        "REASON": "RC1",
        "PREVIOUS_PLANS": "2",
    }
    outcome = only(with_measures().map_batch("episodes", [row]))
    assert isinstance(outcome, Mapped)
    assert outcome.record == CaseEpisode(
        authority="test-la",
        source_id="E1",
        case_ref="C1",
        kind=EpisodeKind.CP_PLAN,
        started_on=date(2024, 5, 2),
        ended_on=date(2025, 1, 10),
        end_reason="RC1",
        previous_cp_plans=2,
    )


def test_an_episode_that_ends_before_it_starts_is_quarantined() -> None:
    row = {
        "EPISODE_ID": "E1",
        "PERSON_ID": "C1",
        "EPISODE_TYPE": "REF",
        "START": "2025-02-01",
        "END": "2025-01-01",
    }
    assert "ended_on is before started_on" in reason_of(with_measures(), "episodes", row)


def test_the_mapping_is_unchanged_by_the_measures_for_cases_and_evidence() -> None:
    plain = compile_mapping(
        AuthorityMapping.model_validate(a_spec()),
        authority="test-la",
        elements=DEFAULT_ELEMENT_KEYS,
        identifiers=KEEP_ALL,
    )
    row = {"ID": "F1", "CHILD": "C1", "ON": "2024-03-01"}
    assert plain.map_batch("evidence", [row]) == with_measures().map_batch("evidence", [row])
    assert sorted(plain.streams) == ["cases", "evidence"]


# Config mistakes, each named by its key path before any record is read.


def authority_file(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": "la",
        "name": "An authority",
        "connector": {"type": "files"},
        "mapping": with_streams(audits=AUDITS),
        "audit_scale": WORDED,
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def errors_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        AuthorityFile.model_validate(document)
    return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in caught.value.errors()]


def test_an_audits_stream_needs_the_authoritys_scale() -> None:
    ((_, message),) = errors_of(authority_file(audit_scale=None))
    assert "audit_scale: required when the mapping has an audits stream" in message


def test_the_good_line_must_be_on_the_scale() -> None:
    ((path, message),) = errors_of(authority_file(audit_scale={**WORDED, "good_line": "fine"}))
    assert path == "audit_scale"
    assert "good_line: 'fine' is not on the scale" in message


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        ({"good_line": "good"}, "exactly one of grades: or numeric:"),
        ({**WORDED, "numeric": {"lowest": 0, "highest": 10}}, "exactly one of grades: or numeric:"),
        ({"numeric": {"lowest": 5, "highest": 5}, "good_line": 5}, "highest must be above lowest"),
        ({"grades": [{"code": "good", "words": "Good"}] * 2, "good_line": "good"}, "a code is listed twice"),
    ],
)
def test_a_malformed_scale_is_reported(scale: dict[str, Any], message: str) -> None:
    assert any(message in text for _, text in errors_of(authority_file(audit_scale=scale)))


def problems_of(audits: dict[str, Any]) -> list[str]:
    with pytest.raises(MappingConfigError) as caught:
        with_measures(audits)
    return [str(p) for p in caught.value.problems]


def test_a_grade_map_giving_a_code_off_the_scale_is_a_config_error() -> None:
    rule = {"path": "OVERALL_GRADE", "map": {**GRADES, "Gud": "gud"}}
    assert problems_of({**AUDITS, "fields": {**AUDITS["fields"], "grade": rule}}) == [
        "mapping.audits.fields.grade.map.Gud: 'gud' is not a grade on the audit scale; expected one of "
        "['outstanding', 'good', 'requires_improvement', 'inadequate']"
    ]


@pytest.mark.parametrize(
    ("field", "rule", "message"),
    [
        (
            "participants",
            {"path": "ATTENDEES", "split": ";"},
            "holds role codes, never names: give it a map:",
        ),
        ("end_reason", {"path": "R", "split": ";"}, None),
        ("area.Danger Statements", {"path": "G", "map": GRADES}, "is not a practice area name"),
        ("area.safety_goals", {"path": "G", "date": "iso"}, "an area grade is a grade code"),
        ("grade_words", {"const": "Good"}, "Audit has no field 'grade_words'"),
    ],
)
def test_a_rule_the_audit_schema_cannot_take_is_reported(
    field: str, rule: dict[str, Any], message: str | None
) -> None:
    if message is None:  # a field that is not a list takes no split:
        with pytest.raises(MappingConfigError) as caught:
            compile_mapping(
                AuthorityMapping.model_validate(
                    with_streams(episodes={**EPISODES, "fields": {**EPISODES["fields"], field: rule}})
                ),
                authority="test-la",
                elements=DEFAULT_ELEMENT_KEYS,
                identifiers=KEEP_ALL,
            )
        assert "mapping.episodes.fields.end_reason.split: end_reason holds text, not a list" in str(
            caught.value
        )
        return
    problems = problems_of({**AUDITS, "fields": {**AUDITS["fields"], field: rule}})
    assert any(message in p and f"mapping.audits.fields.{field}" in p for p in problems), problems


def test_split_takes_a_map_or_nothing() -> None:
    with pytest.raises(ValidationError, match="split: reads a list from the record"):
        AuthorityMapping.model_validate(
            with_streams(
                audits={
                    **AUDITS,
                    "fields": {
                        **AUDITS["fields"],
                        "participants": {"path": "A", "split": ";", "number": True},
                    },
                }
            )
        )


def test_a_duplicate_rule_of_an_audit_orders_by_its_dates_only() -> None:
    with pytest.raises(
        ValidationError, match=r"audits\.latest_by: 'evidenced_on' is not a date of the audits schema"
    ):
        AuthorityMapping.model_validate(with_streams(audits={**AUDITS, "latest_by": "evidenced_on"}))
    spec = AuthorityMapping.model_validate(with_streams(audits={**AUDITS, "latest_by": "audited_on"}))
    assert spec.audits is not None
    assert spec.audits.latest_by == "audited_on"
