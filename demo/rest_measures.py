"""Eastbridge's audits and course as its API serves them: `/api/v1/episodes` (every referral, CP plan
and care episode, earlier ones too) and `/api/v1/case-audits`, scored 0 to 10 overall and per area.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from demo.measures import CaseAudit, Episode, Measures
from demo.population import Caseload, DemoCase

EPISODES_FILE = "episodes.json"
AUDITS_FILE = "case-audits.json"
EPISODE_TYPES = {"referral": "REFERRAL", "cp_plan": "CP_PLAN", "looked_after": "CARE"}
INVOLVEMENT = {"took_part": "FULL", "partly": "PARTIAL", "did_not_take_part": "NONE"}
ROLE_CODES = {
    "practitioner": "SOCIAL_WORKER",
    "team_manager": "TEAM_MANAGER",
    "parent": "PARENT",
    "child": "CHILD",
    "network_member": "NETWORK_MEMBER",
    "practice_lead": "PRACTICE_LEAD",
}
LONDON = ZoneInfo("Europe/London")


def _utc(moment: datetime) -> str:
    return moment.replace(tzinfo=LONDON).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def episode_record(episode: Episode, person: Callable[[DemoCase], str]) -> dict[str, Any]:
    changed = episode.ended_on or episode.started_on
    return {
        "episode_id": f"EP{episode.case.number:05d}-{episode.number}",
        "person_id": person(episode.case),
        "type": EPISODE_TYPES[episode.kind],
        "start_date": _day(episode.started_on),
        "end_date": _day(episode.ended_on),
        "end_reason": episode.end_reason,
        "previous_cp_plans": episode.previous_cp_plans,
        "updated_at": _utc(datetime.combine(changed, time(18))),
    }


def audit_record(audit: CaseAudit, person: Callable[[DemoCase], str]) -> dict[str, Any]:
    return {
        "audit_id": 880_000 + audit.number,
        "person_id": person(audit.case),
        "audit_date": _day(audit.audited_on),
        "overall_score": round(audit.quality * 10),
        "family_involvement": INVOLVEMENT[audit.family],
        "attendees": [ROLE_CODES[role] for role in audit.participants],
        "area_scores": {area: round(quality * 10) for area, quality in audit.areas},
        "updated_at": _utc(audit.updated_at),
    }


def collections(
    measures: Measures, caseload: Caseload, person: Callable[[DemoCase], str]
) -> dict[str, list[dict[str, Any]]]:
    """The two collections by file name, with one audit a real API might send: a score off the scale."""
    episodes = [episode_record(e, person) for e in measures.episodes]
    audits = [audit_record(a, person) for a in measures.audits]
    if caseload.cases:
        yesterday = datetime.combine(caseload.as_of - timedelta(days=1), time(15))
        off_scale = {**audit_record(_any_audit(caseload), person), "audit_id": 889_001, "overall_score": 12}
        audits.append({**off_scale, "audit_date": _day(yesterday.date()), "updated_at": _utc(yesterday)})
    return {EPISODES_FILE: episodes, AUDITS_FILE: audits}


def _any_audit(caseload: Caseload) -> CaseAudit:
    case = caseload.cases[len(caseload.cases) // 2]
    return CaseAudit(0, case, caseload.as_of, 0.5, "partly", ("practitioner",), (), datetime.min)
