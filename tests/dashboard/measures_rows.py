"""Rows of the store's audits, episodes, cases and evidence tables, put in directly through the Core
tables, so the read side's tests state only the histories that matter to them."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert

from store.schema.tables import AUDITS, AUTHORITIES, CASE_EPISODES, CASES, EVIDENCE

AUTHORITY = "test-la"
SYNCED = datetime(2026, 6, 1, 9, tzinfo=UTC)
_ids = itertools.count(1)


def an_authority(engine: Engine, code: str = AUTHORITY, name: str = "Test LA") -> None:
    with engine.begin() as conn:
        conn.execute(insert(AUTHORITIES).values(code=code, name=name, updated_at=SYNCED))


def a_stored_case(engine: Engine, case_ref: str, **values: Any) -> None:
    row = {
        "authority": AUTHORITY,
        "case_ref": case_ref,
        "team": "North",
        "case_type": "cin",
        "opened_on": date(2025, 1, 6),
        "content_hash": "h",
        "synced_at": SYNCED,
    } | values
    with engine.begin() as conn:
        conn.execute(insert(CASES).values(**row))


def an_audit(engine: Engine, case_ref: str, audited_on: date, grade: str = "good", **values: Any) -> str:
    """A stored audit on a four-grade scale whose good line is `good`."""
    ranks = {"outstanding": 3, "good": 2, "requires_improvement": 1, "inadequate": 0}
    words = {
        "outstanding": "Outstanding",
        "good": "Good",
        "requires_improvement": "Requires improvement",
        "inadequate": "Inadequate",
    }
    source_id = str(values.pop("source_id", f"A{next(_ids)}"))
    areas = {
        area: {"grade": code, "words": words[code], "meets_good_line": ranks[code] >= 2}
        for area, code in values.pop("area_grades", {}).items()
    }
    row = {
        "authority": AUTHORITY,
        "source_id": source_id,
        "case_ref": case_ref,
        "audited_on": audited_on,
        "grade": grade,
        "grade_words": words[grade],
        "grade_rank": ranks[grade],
        "meets_good_line": ranks[grade] >= 2,
        "family_participation": "took_part",
        "participants": ["practitioner", "team_manager"],
        "area_grades": areas,
        "content_hash": "h",
        "synced_at": SYNCED,
    } | values
    with engine.begin() as conn:
        conn.execute(insert(AUDITS).values(**row))
    return source_id


def an_episode(
    engine: Engine, case_ref: str, kind: str, started_on: date, ended_on: date | None = None, **values: Any
) -> str:
    source_id = str(values.pop("source_id", f"P{next(_ids)}"))
    row = {
        "authority": AUTHORITY,
        "source_id": source_id,
        "case_ref": case_ref,
        "kind": kind,
        "started_on": started_on,
        "ended_on": ended_on,
        "content_hash": "h",
        "synced_at": SYNCED,
    } | values
    with engine.begin() as conn:
        conn.execute(insert(CASE_EPISODES).values(**row))
    return source_id


def a_scale(
    engine: Engine, case_ref: str, on: date, value: int, state: str = "completed", **values: Any
) -> None:
    row = {
        "authority": AUTHORITY,
        "source_id": values.pop("source_id", f"S{next(_ids)}"),
        "case_ref": case_ref,
        "element": "safety_scale",
        "state": state,
        "evidenced_on": on,
        "scale_value": value,
        "content_hash": "h",
        "synced_at": SYNCED,
    } | values
    with engine.begin() as conn:
        conn.execute(insert(EVIDENCE).values(**row))
