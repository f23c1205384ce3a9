"""End to end: rows shaped like the three CMS reporting databases, mapped by typical LA configs."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mapping.identifiers import IdentifierPolicy
from mapping.outcomes import Mapped, NotPracticeEvidence, OutcomeCounts, Quarantined, RecordOutcome
from mapping.schema import Case, CaseType, Evidence, EvidenceState
from tests.mapping.builders import KEY, compiled

# Liquidlogic LCS: HDM.Child_Social FACT_FORMS joined with FACT_FORM_ANSWERS -----------------------

LIQUIDLOGIC = """
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
    system_fields: [FACT_FORM_ANSWER_ID]
    fields:
      case_ref: {path: DIM_PERSON_ID}
      element:
        path: DIM_ASSESSMENT_TEMPLATE_ID_DESC
        patterns:
          - {match: "Danger Statement*", element: danger_statement}
          - {regex: "^SoS Map", element: mapping}
          - {match: "*Three Houses*", element: work_with_children}
      kind:
        path: DIM_ASSESSMENT_TEMPLATE_ID_DESC
        patterns: [{match: "*Three Houses*", value: three_houses}]
      state: {path: SUBSTATUS, map: {D: draft, X: cancelled}, default: completed}
      evidenced_on: {path: ANSWERED_DTTM, datetime: iso}
      scale_value: {path: answers.SAFETY_SCALE, number: true}
"""

_answer_ids = itertools.count(90001)


def liquidlogic_form(
    form_id: int, template: str, answers: dict[str, Any], substatus: str | None = None, person: int = 1001
) -> list[dict[str, Any]]:
    """A form's FACT_FORM_ANSWERS rows joined with its FACT_FORMS row, as the SQL connector yields them."""
    return [
        {
            "FACT_FORM_ID": form_id,
            "DIM_PERSON_ID": person,
            "DIM_LOOKUP_FORM_TYPE_ID_CODE": "ASS",
            "FACT_FORM_ANSWER_ID": next(_answer_ids),
            "ANSWER_NO": question,
            "ANSWER": answer,
            "ANSWERED_DTTM": datetime(2024, 3, 4, 15, 20),
            "DIM_ASSESSMENT_TEMPLATE_ID_DESC": template,
            "SUBSTATUS": substatus,
        }
        for question, answer in answers.items()
    ]


def liquidlogic_case(**columns: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ROW_ID": 5512,
        "DIM_PERSON_ID": 1001,
        "DEPARTMENT_NAME": "Safeguarding North",
        "WORKER_ID": "WK0042",
        "CASE_TYPE": "CP",
        "START_DTTM": datetime(2024, 1, 8, 9, 0),
        "END_DTTM": None,
        "CP_START_DTTM": datetime(2024, 1, 29, 14, 0),
        "UPDATED_DTTM": datetime(2024, 3, 4, 2, 0),
    }
    row.update(columns)
    return row


def records(outcomes: list[RecordOutcome]) -> list[Case | Evidence]:
    return [o.record for o in outcomes if isinstance(o, Mapped)]


def test_liquidlogic_cases_map_with_pseudonymised_workers() -> None:
    mapping = compiled(LIQUIDLOGIC, identifiers=IdentifierPolicy(key_env="LA_KEY"), key=KEY)
    (case,) = records(mapping.map_batch("cases", [liquidlogic_case()]))
    assert isinstance(case, Case)
    assert (case.case_ref, case.team, case.case_type) == ("1001", "Safeguarding North", CaseType.CP)
    assert (case.opened_on, case.closed_on, case.cp_plan_start) == (date(2024, 1, 8), None, date(2024, 1, 29))
    assert case.worker is not None
    assert case.worker.startswith("p_")
    assert "WK0042" not in case.worker


def test_liquidlogic_forms_map_to_elements_with_their_substatus() -> None:
    rows = [
        *liquidlogic_form(501, "Danger Statement", {"DS1": "If nothing changes...", "SAFETY_SCALE": "4"}),
        *liquidlogic_form(502, "SoS Mapping", {"M1": "worries"}, substatus="D"),
        *liquidlogic_form(503, "Chronology", {"C1": "x", "C2": "y"}),
        *liquidlogic_form(504, "Direct work - Three Houses", {"H1": "house of worries"}, substatus="X"),
    ]
    outcomes = compiled(LIQUIDLOGIC).map_batch("evidence", rows)
    assert OutcomeCounts.of(outcomes) == OutcomeCounts(
        records=4, mapped=3, not_practice_evidence=1, quarantined=0, source_rows=6
    )
    danger, draft_map, not_evidence, houses = outcomes
    assert isinstance(danger, Mapped)
    assert isinstance(danger.record, Evidence)
    assert (danger.record.element, danger.record.state, danger.record.scale_value) == (
        "danger_statement",
        EvidenceState.COMPLETED,
        4,
    )
    assert danger.record.evidenced_on == date(2024, 3, 4)
    assert danger.source_rows == 2
    assert isinstance(draft_map, Mapped)
    assert draft_map.record.state is EvidenceState.DRAFT  # type: ignore[union-attr]
    assert not_evidence == NotPracticeEvidence(source_id="503", source_type="Chronology", source_rows=2)
    assert isinstance(houses, Mapped)
    assert (houses.record.element, houses.record.kind, houses.record.state) == (  # type: ignore[union-attr]
        "work_with_children",
        "three_houses",
        EvidenceState.CANCELLED,
    )


def test_liquidlogic_answer_ids_rewritten_overnight_do_not_change_the_content_hash() -> None:
    mapping = compiled(LIQUIDLOGIC)
    before = mapping.map_batch("evidence", liquidlogic_form(501, "Danger Statement", {"SAFETY_SCALE": "4"}))
    after = mapping.map_batch("evidence", liquidlogic_form(501, "Danger Statement", {"SAFETY_SCALE": "4"}))
    assert [o.content_hash for o in before] == [o.content_hash for o in after]  # type: ignore[union-attr]


# Mosaic: dm_workflow_steps joined with dm_cached_form_answers --------------------------------------

MOSAIC = """
mapping:
  cases:
    source_id: {path: person_id}
    fields:
      case_ref: {path: person_id}
      case_type: {path: involvement_type, map: {CIN: cin, CPP: cp, CLA: looked_after}}
      opened_on: {path: start_date, date: iso}
  evidence:
    gather:
      by: workflow_step_id
      question: question_user_code
      answer: [text_answer, number_answer, date_answer]
    source_id: {path: workflow_step_id}
    fields:
      case_ref: {path: subject_person_id}
      element:
        path: workflow_step_type_id
        map: {1201: danger_statement, 1202: safety_plan, 1300: work_with_children}
      kind: {path: answers.SOS_TOOL, map: {TH: three_houses, WF: wizards_and_fairies, SH: safety_house}}
      state:
        path: step_status
        map: {PROPOSED: draft, STARTED: draft, REOPENED: draft, COMPLETED: completed, CANCELLED: cancelled}
      evidenced_on: {first_of: [completed_on, started_on, incoming_on], date: iso}
      scale_value: {path: answers.SOS_SCALE, number: true}
"""


def mosaic_step(
    step_id: int, step_type: int, status: str, answers: dict[str, Any], completed_on: datetime | None = None
) -> list[dict[str, Any]]:
    step = {
        "workflow_step_id": step_id,
        "workflow_step_type_id": step_type,
        "step_status": status,
        "incoming_on": datetime(2024, 2, 1, 8, 0),
        "started_on": datetime(2024, 2, 2, 10, 0),
        "completed_on": completed_on,
    }
    return [
        {
            **step,
            "form_answer_row_id": step_id * 100 + n,
            "form_id": step_id + 7000,
            "subject_person_id": "P77",
            "question_user_code": question,
            "text_answer": answer if isinstance(answer, str) else None,
            "number_answer": answer if isinstance(answer, Decimal) else None,
            "date_answer": answer if isinstance(answer, datetime) else None,
        }
        for n, (question, answer) in enumerate(answers.items())
    ]


def test_mosaic_steps_map_by_step_type_with_their_step_status() -> None:
    rows = [
        *mosaic_step(
            11, 1201, "COMPLETED", {"SOS_SCALE": Decimal("6"), "DS": "..."}, datetime(2024, 2, 9, 16, 0)
        ),
        *mosaic_step(12, 1300, "STARTED", {"SOS_TOOL": "WF", "MET": datetime(2024, 2, 3)}),
        *mosaic_step(13, 4444, "COMPLETED", {"X": "y"}),
        *mosaic_step(14, 1202, "REOPENED", {"SOS_SCALE": Decimal("6.5")}),
    ]
    danger, tool, other, bad_scale = compiled(MOSAIC).map_batch("evidence", rows)
    assert isinstance(danger, Mapped)
    assert isinstance(danger.record, Evidence)
    assert (
        danger.record.element,
        danger.record.state,
        danger.record.scale_value,
        danger.record.evidenced_on,
    ) == (
        "danger_statement",
        EvidenceState.COMPLETED,
        6,
        date(2024, 2, 9),
    )
    assert isinstance(tool, Mapped)
    assert isinstance(tool.record, Evidence)
    assert (tool.record.kind, tool.record.state, tool.record.evidenced_on) == (
        "wizards_and_fairies",
        EvidenceState.DRAFT,
        date(2024, 2, 2),  # not completed: the date it was started, recorded as a draft
    )
    assert other == NotPracticeEvidence(source_id="13", source_type="4444", source_rows=1)
    assert isinstance(bad_scale, Quarantined)
    assert bad_scale.reason == "scale_value: '6.5' is not a whole number"


def test_mosaic_unknown_step_status_is_quarantined_not_guessed() -> None:
    (outcome,) = compiled(MOSAIC).map_batch("evidence", mosaic_step(15, 1201, "SUSPENDED", {"DS": "x"}))
    assert isinstance(outcome, Quarantined)
    assert (
        outcome.reason
        == "state: 'SUSPENDED' is not in the map: add it to the field's map or give the rule a default"
    )


# Eclipse: FORMANSWERPERSONVIEW ---------------------------------------------------------------------

DANGER_DESIGN = "6f1c2a9e-1b7d-4c55-9a43-0e2f7d1c9b10"
NETWORK_DESIGN = "0d9e8f7a-2c3b-4d5e-8f90-1a2b3c4d5e6f"

ECLIPSE = f"""
mapping:
  cases:
    source_id: {{path: PERSONID}}
    fields:
      case_ref: {{path: PERSONID}}
      case_type: {{const: cin}}
      opened_on: {{path: STARTDATE, date: iso}}
  evidence:
    gather: {{by: INSTANCEID, question: CONTROLNAME, answer: [ANSWERVALUE, DATEANSWERVALUE]}}
    source_id: {{path: INSTANCEID}}
    fields:
      case_ref: {{path: ANSWERFORSUBJECTID}}
      element:
        path: DESIGNGUID
        map: {{"{DANGER_DESIGN}": danger_statement, "{NETWORK_DESIGN}": safety_network}}
      state: {{path: INSTANCESTATE, map: {{COMPLETE: completed}}, default: draft}}
      evidenced_on: {{first_of: [DATECOMPLETED, answers.meetingDate], datetime: iso}}
"""


def eclipse_form(
    instance: str, design: str, state: str, answers: dict[str, Any], completed: str | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "INSTANCEID": instance,
            "DESIGNGUID": design,
            "DESIGNSUBNAME": "Signs of Safety",
            "INSTANCESTATE": state,
            "CONTROLNAME": control,
            "ANSWERVALUE": None if control.endswith("Date") else answer,
            "DATEANSWERVALUE": answer if control.endswith("Date") else None,
            "ANSWERFORSUBJECTID": "E-3141",
            "DATECOMPLETED": completed,
        }
        for control, answer in answers.items()
    ]


def test_eclipse_form_instances_map_by_their_design_guid() -> None:
    rows = [
        *eclipse_form("I-1", DANGER_DESIGN, "COMPLETE", {"statement": "..."}, "2024-04-02T11:00:00+01:00"),
        *eclipse_form("I-2", NETWORK_DESIGN, "INPROGRESS", {"meetingDate": "2024-04-05", "members": "4"}),
        *eclipse_form("I-3", "ffffffff-0000-0000-0000-000000000000", "COMPLETE", {"x": "y"}),
    ]
    danger, network, other = compiled(ECLIPSE).map_batch("evidence", rows)
    assert isinstance(danger, Mapped)
    assert isinstance(danger.record, Evidence)
    assert (danger.record.element, danger.record.state, danger.record.evidenced_on) == (
        "danger_statement",
        EvidenceState.COMPLETED,
        date(2024, 4, 2),
    )
    assert isinstance(network, Mapped)
    assert isinstance(network.record, Evidence)
    assert (network.record.element, network.record.state, network.record.evidenced_on) == (
        "safety_network",
        EvidenceState.DRAFT,
        date(2024, 4, 5),
    )
    assert network.source_rows == 2
    assert isinstance(other, NotPracticeEvidence)
