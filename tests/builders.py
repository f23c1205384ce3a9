"""Builders for schema records, so tests state only what matters to them."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from mapping.schema import Audit, Case, CaseEpisode, CaseType, EpisodeKind, Evidence, EvidenceState

_ids = itertools.count(1)


def a_case(**overrides: Any) -> Case:
    values: dict[str, Any] = {
        "authority": "test-la",
        "case_ref": "C1",
        "team": "Team North",
        "case_type": CaseType.CP,
        "opened_on": date(2026, 1, 5),
        "cp_plan_start": date(2026, 1, 20),
    }
    values.update(overrides)
    return Case(**values)


def evidence(
    element: str, on: date, state: EvidenceState = EvidenceState.COMPLETED, **overrides: Any
) -> Evidence:
    values: dict[str, Any] = {
        "authority": "test-la",
        "source_id": f"E{next(_ids)}",
        "case_ref": "C1",
        "element": element,
        "state": state,
        "evidenced_on": on,
    }
    values.update(overrides)
    return Evidence(**values)


def an_audit(**overrides: Any) -> Audit:
    values: dict[str, Any] = {
        "authority": "test-la",
        "source_id": f"A{next(_ids)}",
        "case_ref": "C1",
        "audited_on": date(2026, 2, 10),
        "grade": "good",
        "grade_words": "Good",
        "grade_rank": 2,
        "meets_good_line": True,
        "participants": ("practitioner", "parent"),
        "area_grades": {"danger_statements": "requires_improvement"},
    }
    values.update(overrides)
    return Audit(**values)


def an_episode(**overrides: Any) -> CaseEpisode:
    values: dict[str, Any] = {
        "authority": "test-la",
        "source_id": f"P{next(_ids)}",
        "case_ref": "C1",
        "kind": EpisodeKind.CP_PLAN,
        "started_on": date(2026, 1, 20),
        "previous_cp_plans": 1,
    }
    values.update(overrides)
    return CaseEpisode(**values)
