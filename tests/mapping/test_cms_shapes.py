"""End to end: rows shaped like the three CMS reporting databases, mapped by typical LA configs."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from mapping.identifiers import IdentifierPolicy
from mapping.mapper import CompiledMapping
from mapping.outcomes import Mapped, NotPracticeEvidence, OutcomeCounts, Quarantined, RecordOutcome
from mapping.schema import Case, CaseType, Evidence, EvidenceState, is_unlisted_team
from tests.mapping.builders import KEY
from tests.mapping.builders import compiled as compile_spec

TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "templates"


def compiled(name: str, **options: Any) -> CompiledMapping:
    """The shipped template's own mapping and audit scale, so rows are mapped as a newcomer's would be."""
    document = yaml.safe_load((TEMPLATES / f"{name}.yaml").read_text())
    return compile_spec(document["mapping"], audit_scale=document["audit_scale"], **options)


# Liquidlogic LCS: HDM.Child_Social FACT_FORMS joined with FACT_FORM_ANSWERS -----------------------

_answer_ids = itertools.count(90001)


def liquidlogic_form(
    form_id: int, template: str, answers: dict[str, Any], ended: bool = True, person: int = 1001
) -> list[dict[str, Any]]:
    """A form's rows as the template's evidence query yields them: one per FACT_FORM_ANSWERS row."""
    end = datetime(2024, 3, 4, 15, 20) if ended else None
    return [
        {
            "FACT_FORM_ID": form_id,
            "DIM_PERSON_ID": person,
            "FACT_FORM_ANSWER_ID": next(_answer_ids),
            "ANSWER_NO": question,
            "ANSWER": answer,
            "DIM_ASSESSMENT_TEMPLATE_ID_DESC": template,
            "FORM_STATE": "COMPLETE" if ended else "DRAFT",
            "FORM_END_DTTM": end,
            "FORM_ANSWERED_DTTM": datetime(2024, 3, 5, 9, 0),
        }
        for question, answer in answers.items()
    ]


def liquidlogic_case(**columns: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "FACT_REFERRAL_ID": 5512,
        "DIM_PERSON_ID": 1001,
        "TEAM_NAME": "Safeguarding North",
        "TEAM_CODE": 11,
        "WORKER_ID": 42,
        "CASE_TYPE": "CP",
        "REFRL_START_DTTM": datetime(2024, 1, 8, 9, 0),
        "REFRL_END_DTTM": None,
        "CP_START_DTTM": datetime(2024, 1, 29, 14, 0),
    }
    row.update(columns)
    return row


def records(outcomes: list[RecordOutcome]) -> list[Case | Evidence]:
    return [o.record for o in outcomes if isinstance(o, Mapped)]


def test_liquidlogic_cases_map_with_pseudonymised_workers() -> None:
    mapping = compiled("liquidlogic", identifiers=IdentifierPolicy(key_env="LA_KEY"), key=KEY)
    (case,) = records(mapping.map_batch("cases", [liquidlogic_case()]))
    assert isinstance(case, Case)
    assert (case.case_ref, case.team, case.case_type) == ("1001", "Safeguarding North", CaseType.CP)
    assert (case.opened_on, case.closed_on, case.cp_plan_start) == (date(2024, 1, 8), None, date(2024, 1, 29))
    assert case.worker is not None
    assert case.worker.startswith("p_")
    assert "42" not in case.worker


def test_liquidlogic_department_missing_from_the_department_table_is_kept_as_unlisted() -> None:
    mapping = compiled("liquidlogic")
    (case,) = records(mapping.map_batch("cases", [liquidlogic_case(TEAM_NAME=None, TEAM_CODE=77)]))
    assert isinstance(case, Case)
    assert case.team is not None
    assert case.team.startswith("77")
    assert is_unlisted_team(case.team)


def test_liquidlogic_forms_map_to_elements_with_their_form_end_date() -> None:
    rows = [
        *liquidlogic_form(501, "Danger Statement", {"DS1": "If nothing changes...", "SAFETY_SCALE": "4"}),
        *liquidlogic_form(502, "Family Safety Plan", {"P1": "plan"}, ended=False),
        *liquidlogic_form(503, "Chronology", {"C1": "x", "C2": "y"}),
        *liquidlogic_form(504, "Direct work - Three Houses", {"H1": "house of worries"}),
    ]
    outcomes = compiled("liquidlogic").map_batch("evidence", rows)
    assert OutcomeCounts.of(outcomes) == OutcomeCounts(
        records=4, mapped=3, not_practice_evidence=1, quarantined=0, source_rows=6
    )
    danger, draft_plan, not_evidence, houses = outcomes
    assert isinstance(danger, Mapped)
    assert isinstance(danger.record, Evidence)
    assert (danger.record.element, danger.record.state, danger.record.scale_value) == (
        "danger_statement",
        EvidenceState.COMPLETED,
        4,
    )
    assert danger.record.evidenced_on == date(2024, 3, 4)  # the FormEndDate answer's time
    assert danger.source_rows == 2
    assert isinstance(draft_plan, Mapped)
    assert isinstance(draft_plan.record, Evidence)
    assert (draft_plan.record.state, draft_plan.record.evidenced_on) == (
        EvidenceState.DRAFT,
        date(2024, 3, 5),
    )
    assert not_evidence == NotPracticeEvidence(source_id="503", source_type="Chronology", source_rows=2)
    assert isinstance(houses, Mapped)
    assert (houses.record.element, houses.record.kind, houses.record.state) == (  # type: ignore[union-attr]
        "work_with_children",
        "three_houses",
        EvidenceState.COMPLETED,
    )


def test_liquidlogic_answer_ids_rewritten_overnight_do_not_change_the_content_hash() -> None:
    mapping = compiled("liquidlogic")
    before = mapping.map_batch("evidence", liquidlogic_form(501, "Danger Statement", {"SAFETY_SCALE": "4"}))
    after = mapping.map_batch("evidence", liquidlogic_form(501, "Danger Statement", {"SAFETY_SCALE": "4"}))
    assert [o.content_hash for o in before] == [o.content_hash for o in after]  # type: ignore[union-attr]


# Mosaic: dm_workflow_steps_people_vw joined with DM_CACHED_FORM_ANSWERS ----------------------------


def mosaic_step(
    step_id: int,
    step_type: int,
    status: str,
    answers: dict[str, Any],
    completed_on: datetime | None = None,
    person: int = 3077,
) -> list[dict[str, Any]]:
    """A step's rows for one child; a step without answers is one row with empty answer columns."""
    step = {
        "STEP_SUBJECT_ID": step_id * 1_000_000_000 + person,
        "WORKFLOW_STEP_ID": step_id,
        "PERSON_ID": person,
        "WORKFLOW_STEP_TYPE_ID": step_type,
        "STEP_STATUS": status,
        "INCOMING_ON": datetime(2024, 2, 1, 8, 0),
        "STARTED_ON": datetime(2024, 2, 2, 10, 0),
        "COMPLETED_ON": completed_on,
        "STEP_CHANGED_ON": completed_on or datetime(2024, 2, 2, 10, 0),
    }
    empty = {"FORM_ANSWER_ROW_ID": None, "QUESTION_USER_CODE": None, "TEXT_ANSWER": None, "DATE_ANSWER": None}
    return [
        {
            **step,
            "FORM_ANSWER_ROW_ID": step_id * 100 + n,
            "QUESTION_USER_CODE": question,
            "TEXT_ANSWER": answer if isinstance(answer, str) else None,
            "DATE_ANSWER": answer if isinstance(answer, datetime) else None,
        }
        for n, (question, answer) in enumerate(answers.items())
    ] or [{**step, **empty}]


def test_mosaic_steps_map_by_step_type_with_their_step_status() -> None:
    rows = [
        *mosaic_step(11, 1201, "COMPLETED", {"SAFETY_SCALE": "6", "DS": "..."}, datetime(2024, 2, 9, 16, 0)),
        *mosaic_step(12, 1203, "STARTED", {"MET": datetime(2024, 2, 3)}),
        *mosaic_step(13, 4444, "COMPLETED", {"X": "y"}),
        *mosaic_step(14, 1202, "REOPENED", {"SAFETY_SCALE": "6.5"}),
    ]
    danger, houses, other, bad_scale = compiled("mosaic").map_batch("evidence", rows)
    assert isinstance(danger, Mapped)
    assert isinstance(danger.record, Evidence)
    assert (
        danger.record.element,
        danger.record.state,
        danger.record.scale_value,
        danger.record.evidenced_on,
    ) == ("danger_statement", EvidenceState.COMPLETED, 6, date(2024, 2, 9))
    assert danger.record.case_ref == "3077"
    assert isinstance(houses, Mapped)
    assert isinstance(houses.record, Evidence)
    assert (houses.record.kind, houses.record.state, houses.record.evidenced_on) == (
        "three_houses",
        EvidenceState.DRAFT,
        date(2024, 2, 2),  # not completed: the date it was started, recorded as a draft
    )
    assert other == NotPracticeEvidence(source_id="13000003077", source_type="4444", source_rows=1)
    assert isinstance(bad_scale, Quarantined)
    assert bad_scale.reason == "scale_value: '6.5' is not a whole number"


def test_mosaic_completed_step_without_answer_rows_still_evidences() -> None:
    (outcome,) = compiled("mosaic").map_batch(
        "evidence", mosaic_step(16, 1202, "COMPLETED", {}, datetime(2024, 2, 12, 9, 0))
    )
    assert isinstance(outcome, Mapped)
    assert isinstance(outcome.record, Evidence)
    assert (outcome.record.element, outcome.record.state, outcome.record.evidenced_on) == (
        "safety_plan",
        EvidenceState.COMPLETED,
        date(2024, 2, 12),
    )


def test_mosaic_unknown_step_status_is_quarantined_not_guessed() -> None:
    (outcome,) = compiled("mosaic").map_batch("evidence", mosaic_step(15, 1201, "SUSPENDED", {"DS": "x"}))
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
    danger, network, other = compile_spec(ECLIPSE).map_batch("evidence", rows)
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
