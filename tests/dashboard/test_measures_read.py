"""The read side of audits, episodes and scale values gives live rows only, in the order people read
them, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from store.read import measures
from tests.dashboard.measures_rows import (
    AUTHORITY,
    a_scale,
    a_stored_case,
    an_audit,
    an_authority,
    an_episode,
)

ON = date(2026, 6, 1)


def _history(engine: Engine) -> None:
    an_authority(engine)
    a_stored_case(engine, "C1")
    a_stored_case(engine, "C2", team=None, closed_on=date(2026, 3, 1))
    a_stored_case(engine, "GONE", deleted_on=date(2026, 5, 1))
    an_audit(engine, "C1", date(2026, 2, 3), "requires_improvement", source_id="A-old")
    an_audit(
        engine,
        "C1",
        date(2026, 5, 4),
        "good",
        source_id="A-new",
        area_grades={"danger_statements": "requires_improvement"},
    )
    an_audit(
        engine, "C1", date(2026, 5, 20), "outstanding", source_id="A-deleted", deleted_on=date(2026, 5, 30)
    )
    an_audit(engine, "C2", date(2026, 1, 10), "inadequate", source_id="A-c2")
    an_audit(engine, "ORPHAN", date(2026, 1, 10), "good", source_id="A-orphan")
    an_audit(engine, "GONE", date(2026, 1, 10), "good", source_id="A-gone")
    an_episode(
        engine, "C1", "cp_plan", date(2025, 3, 1), date(2025, 9, 1), source_id="E2", previous_cp_plans=1
    )
    an_episode(engine, "C1", "referral", date(2025, 1, 6), source_id="E1")
    an_episode(engine, "C1", "looked_after", date(2025, 10, 1), source_id="E3", deleted_on=date(2026, 1, 1))
    a_scale(engine, "C1", date(2026, 4, 1), 6)
    a_scale(engine, "C1", date(2026, 2, 1), 3)
    a_scale(engine, "C1", date(2026, 3, 1), 9, state="draft")
    a_scale(engine, "C1", date(2026, 3, 2), 1, deleted_on=date(2026, 3, 3))
    a_scale(engine, "C1", date(2026, 7, 1), 8)  # dated ahead of ON: planned
    a_scale(engine, "C2", date(2026, 1, 5), 4, state="authorised")


def _reads(engine: Engine) -> dict[str, object]:
    return {
        "audits": [(r["source_id"], r["audited_on"]) for r in measures.case_audits(engine, AUTHORITY, "C1")],
        "area": measures.case_audits(engine, AUTHORITY, "C1")[0]["area_grades"],
        "participants": measures.case_audits(engine, AUTHORITY, "C1")[0]["participants"],
        "episodes": [(r["source_id"], r["kind"]) for r in measures.case_episodes(engine, AUTHORITY, "C1")],
        "scale": measures.case_scale_values(engine, AUTHORITY, "C1", ON),
        "team_audits": [(r["source_id"], r["team"]) for r in measures.team_audits(engine, AUTHORITY)],
        "north_audits": [r["source_id"] for r in measures.team_audits(engine, AUTHORITY, "North")],
        "no_team_audits": [r["source_id"] for r in measures.team_audits(engine, AUTHORITY, "(no team)")],
        "team_episodes": [r["source_id"] for r in measures.team_episodes(engine, AUTHORITY)],
        "team_scales": measures.team_scale_values(engine, AUTHORITY, ON),
    }


EXPECTED = {
    "audits": [("A-new", date(2026, 5, 4)), ("A-old", date(2026, 2, 3))],
    "area": {
        "danger_statements": {
            "grade": "requires_improvement",
            "words": "Requires improvement",
            "meets_good_line": False,
        }
    },
    "participants": ["practitioner", "team_manager"],
    "episodes": [("E1", "referral"), ("E2", "cp_plan")],
    "scale": [(date(2026, 2, 1), 3), (date(2026, 4, 1), 6)],
    "team_audits": [("A-c2", "(no team)"), ("A-old", "North"), ("A-new", "North")],
    "north_audits": ["A-old", "A-new"],
    "no_team_audits": ["A-c2"],
    "team_episodes": ["E1", "E2"],
    "team_scales": {
        ("North", "C1"): [(date(2026, 2, 1), 3), (date(2026, 4, 1), 6)],
        ("(no team)", "C2"): [(date(2026, 1, 5), 4)],
    },
}


def test_a_case_reads_its_live_audits_latest_first_and_its_live_episodes_by_start(
    sqlite_store: Engine,
) -> None:
    _history(sqlite_store)
    assert _reads(sqlite_store) == EXPECTED


@pytest.mark.postgres
def test_postgres_reads_the_same_as_sqlite(postgres_store: Engine) -> None:
    _history(postgres_store)
    assert _reads(postgres_store) == EXPECTED


def test_a_case_with_nothing_recorded_reads_empty(sqlite_store: Engine) -> None:
    an_authority(sqlite_store)
    a_stored_case(sqlite_store, "C9")
    assert measures.case_audits(sqlite_store, AUTHORITY, "C9") == []
    assert measures.case_episodes(sqlite_store, AUTHORITY, "C9") == []
    assert measures.case_scale_values(sqlite_store, AUTHORITY, "C9", ON) == []


@pytest.mark.parametrize(
    "backend", ["sqlite_store", pytest.param("postgres_store", marks=pytest.mark.postgres)]
)
def test_a_teams_scale_values_are_its_own_authoritys_in_a_shared_store(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """SQLite finds an authority's records through its index and reads them in table order; a
    neighbour's records with the same case reference stay out."""
    engine: Engine = request.getfixturevalue(backend)
    _history(engine)
    an_authority(engine, "neighbour", "Neighbour LA")
    a_stored_case(engine, "C1", authority="neighbour")
    a_scale(engine, "C1", date(2026, 1, 2), 2, authority="neighbour")
    assert measures.team_scale_values(engine, AUTHORITY, ON) == EXPECTED["team_scales"]
    assert measures.team_scale_values(engine, "neighbour", ON) == {("North", "C1"): [(date(2026, 1, 2), 2)]}
