"""Demo authority 2: a case management system's JSON API, read by the `rest` connector.

Mosaic-flavoured: practice lives in workflow steps with a step type code, a status (`STARTED`,
`REOPENED`, `COMPLETED`, `CANCELLED`) and nested coded answers. The records are kept as JSON files
in the demo folder and served by `demo.server`, behind OAuth2 client credentials.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from demo import rest_measures
from demo.measures import Measures
from demo.population import Caseload, DemoCase, PracticeRecord, Profile, Team

PROFILE = Profile(
    code="eastbridge",
    teams=(
        Team("Family Safeguarding A", 1.1, (("safety_goal", 1.2), ("words_and_pictures", 0.6))),
        Team("Family Safeguarding B", 0.92, (("mapping", 0.85), ("work_with_children", 1.25))),
        Team("Family Safeguarding C", 0.78, (("danger_statement", 0.7), ("safety_plan", 0.8))),
        Team("Looked After Children", 0.95, (("safety_network", 1.3),), looked_after_only=True),
    ),
    case_mix=(("cin", 0.4), ("cp", 0.35), ("looked_after", 0.25)),
    worker_prefix="EB-",
    books_ahead=True,
)

STEP_TYPES = {
    "mapping": "SOS_MAPPING",
    "harm_statement": "SOS_HARM",
    "danger_statement": "SOS_DANGER",
    "safety_goal": "SOS_GOAL",
    "safety_scale": "SOS_SCALE",
    "work_with_children": "SOS_DIRECT_WORK",
    "words_and_pictures": "SOS_WORDS_PICTURES",
    "safety_network": "SOS_NETWORK",
    "safety_plan": "SOS_SAFETY_PLAN",
    "case_note": "CASE_NOTE",
    "statutory_visit": "STAT_VISIT",
    "chronology": "CHRONOLOGY",
    "assessment": "CF_ASSESSMENT",
}
TOOLS = {
    "three_houses": "THREE_HOUSES",
    "wizards_and_fairies": "WIZARDS_FAIRIES",
    "safety_house": "SAFETY_HOUSE",
}
LEGAL_STATUS = {"cin": "CIN", "cp": "CP", "looked_after": "LAC"}
LONDON = ZoneInfo("Europe/London")

CASES_FILE = "cases.json"
STEPS_FILE = "workflow-steps.json"


def person_ref(case: DemoCase) -> str:
    return f"EB{480_000 + case.number * 11:06d}"


def _utc(moment: datetime) -> str:
    """The API speaks UTC with a Z, as most do; the population's times are London local."""
    return moment.replace(tzinfo=LONDON).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def case_record(case: DemoCase) -> dict[str, Any]:
    return {
        "person_id": person_ref(case),
        "legal_status": LEGAL_STATUS[case.case_type],
        "team": {"code": "".join(w[0] for w in (case.team or "").split()), "name": case.team},
        "allocated_worker": {"id": case.worker},
        "episode": {"start_date": _day(case.opened_on), "end_date": _day(case.closed_on)},
        "cp_plan": {"start_date": _day(case.cp_plan_start)} if case.cp_plan_start else None,
        "updated_at": _utc(case.updated_at),
    }


def step_record(record: PracticeRecord) -> dict[str, Any]:
    status = {"completed": "COMPLETED", "cancelled": "CANCELLED", "draft": "STARTED"}[record.state]
    if record.state == "draft" and record.number % 4 == 0:
        status = "REOPENED"
    answers: dict[str, Any] = {}
    if record.tool:
        answers["tool"] = TOOLS[record.tool]
    if record.scale is not None:
        answers["scale"] = record.scale
    return {
        "step_id": 700_000 + record.number,
        "step_type": {"code": STEP_TYPES[record.form]},
        "person_id": person_ref(record.case),
        "status": status,
        "started_on": _day(record.started_at.date()),
        "completed_on": _day(record.completed_at.date()) if record.completed_at else None,
        "answers": answers,
        "updated_at": _utc(record.updated_at),
    }


def build(folder: Path, caseload: Caseload, measures: Measures) -> None:
    """Write the API's records as JSON files, in the order the API serves them (by change time)."""
    cases = [case_record(c) for c in caseload.cases]
    steps = [step_record(r) for r in caseload.records]
    _flaws(cases, steps, caseload)
    folder.mkdir(parents=True, exist_ok=True)
    measured = rest_measures.collections(measures, caseload, person_ref)
    for name, records, key in (
        (CASES_FILE, cases, "person_id"),
        (STEPS_FILE, steps, "step_id"),
        (rest_measures.EPISODES_FILE, measured[rest_measures.EPISODES_FILE], "episode_id"),
        (rest_measures.AUDITS_FILE, measured[rest_measures.AUDITS_FILE], "audit_id"),
    ):
        ordered = sorted(records, key=lambda r: (r.get("updated_at") or "", str(r[key])))
        (folder / name).write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")


def _flaws(cases: list[dict[str, Any]], steps: list[dict[str, Any]], caseload: Caseload) -> None:
    """Records a real API returns now and then; each must end in quarantine with its reason."""
    if not caseload.cases:
        return
    yesterday = datetime.combine(caseload.as_of - timedelta(days=1), time(14))
    person = person_ref(caseload.cases[len(caseload.cases) // 3])
    base: dict[str, Any] = {
        "person_id": person,
        "started_on": _day(yesterday.date()),
        "completed_on": None,
        "answers": {},
    }
    steps.extend(
        [
            # A status this authority's mapping does not know.
            {
                **base,
                "step_id": 799_001,
                "step_type": {"code": "SOS_GOAL"},
                "status": "PENDING_APPROVAL",
                "updated_at": _utc(yesterday),
            },
            # A scale typed as free text.
            {
                **base,
                "step_id": 799_002,
                "step_type": {"code": "SOS_SCALE"},
                "status": "COMPLETED",
                "completed_on": _day(yesterday.date()),
                "answers": {"scale": "8/10"},
                "updated_at": _utc(yesterday),
            },
            # No change time, so no watermark can cover it.
            {
                **base,
                "step_id": 799_003,
                "step_type": {"code": "SOS_DANGER"},
                "status": "COMPLETED",
                "updated_at": None,
            },
        ]
    )
    cases.append(
        {
            **case_record(caseload.cases[0]),
            "person_id": "EB479999",
            "legal_status": "S47",  # an enquiry, not a case type the whiteboard knows
            "updated_at": _utc(yesterday),
        }
    )


def load(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The records the API serves, by collection path."""
    return {
        "/api/v1/cases": json.loads((folder / CASES_FILE).read_text(encoding="utf-8")),
        "/api/v1/workflow-steps": json.loads((folder / STEPS_FILE).read_text(encoding="utf-8")),
        "/api/v1/episodes": json.loads((folder / rest_measures.EPISODES_FILE).read_text(encoding="utf-8")),
        "/api/v1/case-audits": json.loads((folder / rest_measures.AUDITS_FILE).read_text(encoding="utf-8")),
    }


AUTHORITY_YAML = Template("""\
# Demo authority: a case management system's JSON API with OAuth2 client credentials.
# The API runs on loopback: `sofs-sync demo serve --dir $root` keeps it up for the daemon.
# Generated by `sofs-sync demo`; edits are overwritten.
code: eastbridge
name: Eastbridge City Council (demo, REST API)

schedule:
  interval: {minutes: 15}
  timezone: Europe/London

connector:
  type: rest
  base_url: "$base_url"
  timeouts: {connect: 2, read: 10}
  retry: {budget_seconds: 20, max_attempts: 3}
  auth:
    type: oauth2_client_credentials
    token_url: "$base_url/oauth2/token"
    client_id: $client_id
    client_secret_file: "$client_secret_file"
  streams:
    cases:
      path: /api/v1/cases
      records_path: data
      pagination: {type: next_link, next_link_path: links.next}
      params: {page_size: 25}
      incremental: {cursor_field: updated_at, param: updated_since, lookback: {minutes: 30}}
      case_filter: {param: person_id}
    evidence:
      path: /api/v1/workflow-steps
      records_path: data
      pagination: {type: next_link, next_link_path: links.next}
      params: {page_size: 50}
      incremental: {cursor_field: updated_at, param: updated_since, lookback: {minutes: 30}}
      case_filter: {param: person_id}
    audits:
      path: /api/v1/case-audits
      records_path: data
      pagination: {type: next_link, next_link_path: links.next}
      params: {page_size: 50}
      incremental: {cursor_field: updated_at, param: updated_since, lookback: {minutes: 30}}
      case_filter: {param: person_id}
    episodes:
      path: /api/v1/episodes
      records_path: data
      pagination: {type: next_link, next_link_path: links.next}
      params: {page_size: 50}
      incremental: {cursor_field: updated_at, param: updated_since, lookback: {minutes: 30}}
      case_filter: {param: person_id}

identifiers: {case_ref: keep, worker: pseudonymise, key_file: "$key_file"}

mapping:
  cases:
    source_id: {path: person_id}
    fields:
      case_ref: {path: person_id}
      team: {path: team.name}
      worker: {path: allocated_worker.id}
      case_type: {path: legal_status, map: {CIN: cin, CP: cp, LAC: looked_after}}
      opened_on: {path: episode.start_date, date: iso}
      closed_on: {path: episode.end_date, date: iso}
      cp_plan_start: {path: cp_plan.start_date, date: iso}
      source_updated_at: {path: updated_at, datetime: iso}
  evidence:
    source_id: {path: step_id}
    fields:
      case_ref: {path: person_id}
      # Step types that are not Signs of Safety practice (case notes, visits) map to nothing.
      element:
        path: step_type.code
        map:
          SOS_MAPPING: mapping
          SOS_HARM: harm_statement
          SOS_DANGER: danger_statement
          SOS_GOAL: safety_goal
          SOS_SCALE: safety_scale
          SOS_DIRECT_WORK: work_with_children
          SOS_WORDS_PICTURES: words_and_pictures
          SOS_NETWORK: safety_network
          SOS_SAFETY_PLAN: safety_plan
      kind:
        path: answers.tool
        map: {THREE_HOUSES: three_houses, WIZARDS_FAIRIES: wizards_and_fairies, SAFETY_HOUSE: safety_house}
        default: null
      state:
        path: status
        map: {STARTED: draft, REOPENED: draft, PROPOSED: draft, COMPLETED: completed, CANCELLED: cancelled}
      evidenced_on: {first_of: [completed_on, started_on], date: iso}
      scale_value: {path: answers.scale, number: true}
      source_updated_at: {path: updated_at, datetime: iso}
  audits:
    source_id: {path: audit_id}
    fields:
      case_ref: {path: person_id}
      audited_on: {path: audit_date, date: iso}
      grade: {path: overall_score}
      family_participation:
        path: family_involvement
        map: {FULL: took_part, PARTIAL: partly, NONE: did_not_take_part}
      participants:
        path: attendees
        map:
          SOCIAL_WORKER: practitioner
          TEAM_MANAGER: team_manager
          PARENT: parent
          CHILD: child
          NETWORK_MEMBER: network_member
          PRACTICE_LEAD: practice_lead
      area.danger_statements: {path: area_scores.danger_statements}
      area.safety_goals: {path: area_scores.safety_goals}
      area.safety_planning: {path: area_scores.safety_planning}
      source_updated_at: {path: updated_at, datetime: iso}
  episodes:
    source_id: {path: episode_id}
    fields:
      case_ref: {path: person_id}
      kind: {path: type, map: {REFERRAL: referral, CP_PLAN: cp_plan, CARE: looked_after}}
      started_on: {path: start_date, date: iso}
      ended_on: {path: end_date, date: iso}
      end_reason: {path: end_reason}
      previous_cp_plans: {path: previous_cp_plans, number: true}
      source_updated_at: {path: updated_at, datetime: iso}

# Audits are scored 0 to 10 overall and per practice area; 7 and above meets the good line.
audit_scale: {numeric: {lowest: 0, highest: 10}, good_line: 7}

timeliness:
  mapping: {due: {days: 15, working: true, after: opened}, review_every_days: 120}
  safety_scale: {review_every_days: 56}
  safety_plan: {due: {days: 10, working: true, after: cp_plan_start}, case_types: [cp], review_every_days: 90}
  work_with_children: {due: {days: 30, after: opened}, case_types: [cp, looked_after], review_every_days: 90}
""")


def authority_yaml(
    root: Path, base_url: str, client_id: str, client_secret_file: Path, key_file: Path
) -> str:
    return AUTHORITY_YAML.substitute(
        root=root,
        base_url=base_url,
        client_id=client_id,
        client_secret_file=client_secret_file,
        key_file=key_file,
    )
