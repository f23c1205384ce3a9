"""Audits and episodes as the generic templates' sources hold them (the `sql` template's views, the
`rest` template's API), and the store queries a first sync's two other measurements are read back by."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any


def on_sqlite(text: str) -> str:
    """The ssd template's episodes query as its LA: note has it for a SQLite without CONCAT."""
    return re.sub(r"CONCAT\('(\w+-)', ([\w.]+)\)", r"'\1' || \2", text)


def stored(folder: Path, query: str) -> list[tuple[Any, ...]]:
    """Rows of the newcomer's store (the settings' default SQLite file), for the two measurements the
    whiteboard's JSON does not carry."""
    with closing(sqlite3.connect(folder / "sofs" / "sofs-sync.db")) as db:
        return db.execute(query).fetchall()


AUDITS = """SELECT case_ref, audited_on, grade, grade_words, meets_good_line, family_participation,
    participants, area_grades FROM audits ORDER BY case_ref, audited_on"""


def stored_audits(folder: Path) -> list[tuple[Any, ...]]:
    """The stored audits, each per-area grade as its code (its words and good line follow from the
    scale, and are held by the write side's own tests)."""
    return [
        (*row[:-1], json.dumps({area: grade["grade"] for area, grade in json.loads(row[-1]).items()}))
        for row in stored(folder, AUDITS)
    ]


EPISODES = """SELECT case_ref, kind, started_on, ended_on, end_reason, previous_cp_plans
    FROM case_episodes ORDER BY case_ref, started_on"""
SQL_MEASURE_TABLES = """
CREATE TABLE sos_case_audits (audit_id TEXT, person_ref TEXT, audited_on DATE, overall_grade TEXT,
    family_participation TEXT, attendee_roles TEXT, grade_danger_statements TEXT,
    grade_safety_planning TEXT, updated_at DATETIME);
CREATE TABLE sos_case_episodes (episode_id TEXT, person_ref TEXT, episode_type TEXT, start_date DATE,
    end_date DATE, end_reason TEXT, previous_cp_plans INTEGER)
"""


def sql_measure_rows() -> dict[str, list[dict[str, Any]]]:
    def episode(
        episode_id: str, person: str, kind: str, start: str, end: str | None = None, **more: Any
    ) -> dict[str, Any]:
        return {"episode_id": episode_id, "person_ref": person, "episode_type": kind, "start_date": start,
                "end_date": end, "end_reason": None, "previous_cp_plans": None, **more}  # fmt: skip

    return {
        "sos_case_audits": [
            {
                "audit_id": "A1",
                "person_ref": "P1",
                "audited_on": "2026-01-20",
                "overall_grade": "Good",
                "family_participation": "Partly",
                "attendee_roles": "Social worker; Parent;",
                "grade_danger_statements": "Requires improvement",
                "grade_safety_planning": None,
                "updated_at": "2026-01-20 16:00:00",
            }
        ],
        "sos_case_episodes": [
            episode("R0", "P1", "REF", "2024-02-01", "2024-09-30", end_reason="RC7"),
            episode("C0", "P1", "CPP", "2024-03-01", "2024-08-01", previous_cp_plans=0),
            episode("R1", "P1", "REF", "2025-12-01"),
            episode("C1", "P1", "CPP", "2025-12-10", previous_cp_plans=1),
            episode("R2", "P2", "REF", "2025-11-01"),
        ],
    }


REST_AUDITS = [
    {
        "audit_id": 7001,
        "person_id": "P2",
        "audit_date": "2026-01-15",
        "grade": "INADEQUATE",
        "family_participation": "NONE",
        "attendees": ["SOCIAL_WORKER", "TEAM_MANAGER"],
        "area_grades": {"danger_statements": "INADEQUATE", "safety_planning": "GOOD"},
        "updated_at": "2026-01-15T16:00:00Z",
    }
]
REST_EPISODES = [
    {"episode_id": "E1", "person_id": "P1", "type": "REFERRAL", "start_date": "2025-12-01",
     "updated_at": "2026-01-01T09:00:00Z"},
    {"episode_id": "E2", "person_id": "P1", "type": "CP_PLAN", "start_date": "2025-12-10",
     "previous_cp_plans": 2, "updated_at": "2026-01-01T09:00:00Z"},
    {"episode_id": "E3", "person_id": "P2", "type": "REFERRAL", "start_date": "2024-05-01",
     "end_date": "2024-11-30", "end_reason": "RC8", "updated_at": "2024-11-30T09:00:00Z"},
    {"episode_id": "E4", "person_id": "P2", "type": "REFERRAL", "start_date": "2025-11-01",
     "updated_at": "2026-01-01T09:00:00Z"},
]  # fmt: skip


# What a first sync stores from the rows above.
SQL_AUDITS_STORED = [
    ("P1", "2026-01-20", "good", "Good", 1, "partly", '["practitioner", "parent"]',
     '{"danger_statements": "requires_improvement"}'),
]  # fmt: skip
SQL_EPISODES_STORED = [
    ("P1", "referral", "2024-02-01", "2024-09-30", "RC7", None),
    ("P1", "cp_plan", "2024-03-01", "2024-08-01", None, 0),
    ("P1", "referral", "2025-12-01", None, None, None),
    ("P1", "cp_plan", "2025-12-10", None, None, 1),
    ("P2", "referral", "2025-11-01", None, None, None),
]
REST_AUDITS_STORED = [
    ("P2", "2026-01-15", "inadequate", "Inadequate", 0, "did_not_take_part",
     '["practitioner", "team_manager"]', '{"danger_statements": "inadequate", "safety_planning": "good"}'),
]  # fmt: skip
REST_EPISODES_STORED = [
    ("P1", "referral", "2025-12-01", None, None, None),
    ("P1", "cp_plan", "2025-12-10", None, None, 2),
    ("P2", "referral", "2024-05-01", "2024-11-30", "RC8", None),
    ("P2", "referral", "2025-11-01", None, None, None),
]
