"""Reads behind the second and third measurements: a case's collaborative case audits (how good the
practice is), its episodes (the course its outcomes are read from) and its safety scale values, and
the same for every case of an authority or team, for the team against its own past.

Live rows only: an audit or episode a resync found gone from its source is left out, as are rows
naming a case the store does not hold (or holds as deleted) in the team reads. Plain dicts with
dates as `date`; participants and per-area grades as the JSON columns hold them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, func, select

from mapping.schema import EvidenceState
from store.read.history import row_id
from store.schema.tables import AUDITS, CASE_EPISODES, CASES, EVIDENCE
from store.schema.views import NO_TEAM

Row = dict[str, Any]

_AUDIT_COLUMNS = (
    AUDITS.c.source_id,
    AUDITS.c.case_ref,
    AUDITS.c.audited_on,
    AUDITS.c.grade,
    AUDITS.c.grade_words,
    AUDITS.c.grade_rank,
    AUDITS.c.meets_good_line,
    AUDITS.c.family_participation,
    AUDITS.c.participants,
    AUDITS.c.area_grades,
)
_EPISODE_COLUMNS = (
    CASE_EPISODES.c.source_id,
    CASE_EPISODES.c.case_ref,
    CASE_EPISODES.c.kind,
    CASE_EPISODES.c.started_on,
    CASE_EPISODES.c.ended_on,
    CASE_EPISODES.c.end_reason,
    CASE_EPISODES.c.previous_cp_plans,
)
_COUNTING = [s.value for s in EvidenceState if s.counts_as_evidence]
_TEAM = func.coalesce(CASES.c.team, NO_TEAM).label("team")


def case_audits(engine: Engine, authority: str, case_ref: str) -> list[Row]:
    """One case's live audits, latest first."""
    a = AUDITS.c
    query = (
        select(*_AUDIT_COLUMNS)
        .where(a.authority == authority, a.case_ref == case_ref, a.deleted_on.is_(None))
        .order_by(a.audited_on.desc(), a.source_id.desc())
    )
    return _rows(engine, query)


def case_episodes(engine: Engine, authority: str, case_ref: str) -> list[Row]:
    """One case's live episodes, by start."""
    e = CASE_EPISODES.c
    query = (
        select(*_EPISODE_COLUMNS)
        .where(e.authority == authority, e.case_ref == case_ref, e.deleted_on.is_(None))
        .order_by(e.started_on, e.source_id)
    )
    return _rows(engine, query)


def case_scale_values(engine: Engine, authority: str, case_ref: str, on: date) -> list[tuple[date, int]]:
    """One case's safety scale values, oldest first: live completed or authorised records dated on
    or before `on` (a record dated ahead is planned, not yet a judgement)."""
    e = EVIDENCE.c
    query = (
        select(e.evidenced_on, e.scale_value)
        .where(e.authority == authority, e.case_ref == case_ref, *_scale_filter(on))
        .order_by(e.evidenced_on, e.source_id)
    )
    with engine.connect() as conn:
        return [(on_day, int(value)) for on_day, value in conn.execute(query)]


def team_audits(engine: Engine, authority: str, team: str | None = None) -> list[Row]:
    """Live audits of an authority's stored cases (or one team's), each with its case's team, oldest
    first. Closed cases' audits are kept: a past period counts them."""
    a = AUDITS.c
    query = (
        select(*_AUDIT_COLUMNS, _TEAM)
        .join(CASES, _of_stored_case(a))
        .where(a.authority == authority, a.deleted_on.is_(None))
        .order_by(a.audited_on, a.source_id)
    )
    return _rows(engine, _team(query, team))


def team_episodes(engine: Engine, authority: str, team: str | None = None) -> list[Row]:
    """Live episodes of an authority's stored cases (or one team's), each with its case's team, by
    case and start."""
    e = CASE_EPISODES.c
    query = (
        select(*_EPISODE_COLUMNS, _TEAM)
        .join(CASES, _of_stored_case(e))
        .where(e.authority == authority, e.deleted_on.is_(None))
        .order_by(e.case_ref, e.started_on, e.source_id)
    )
    return _rows(engine, _team(query, team))


def team_scale_values(
    engine: Engine, authority: str, on: date, team: str | None = None
) -> dict[tuple[str, str], list[tuple[date, int]]]:
    """Per stored case of an authority (or one team), keyed by (team, case reference), its safety
    scale values, oldest first, as `case_scale_values` gives one case's."""
    e = EVIDENCE.c
    of_authority: Any = e.authority == authority
    if engine.dialect.name == "sqlite":
        # Found through the authority's index, read in table order: the filters need every record.
        rowid = row_id(EVIDENCE)
        of_authority = rowid.in_(select(rowid).where(of_authority, e.deleted_on.is_(None)))
    query = (
        select(_TEAM, e.case_ref, e.evidenced_on, e.scale_value)
        .join(CASES, _of_stored_case(e))
        .where(of_authority, *_scale_filter(on))
        .order_by(e.case_ref, e.evidenced_on, e.source_id)
    )
    found: dict[tuple[str, str], list[tuple[date, int]]] = {}
    with engine.connect() as conn:
        for team_name, case_ref, on_day, value in conn.execute(_team(query, team)):
            found.setdefault((str(team_name), str(case_ref)), []).append((on_day, int(value)))
    return found


def _scale_filter(on: date) -> tuple[Any, ...]:
    e = EVIDENCE.c
    return (
        e.deleted_on.is_(None),
        e.state.in_(_COUNTING),
        e.scale_value.is_not(None),
        e.evidenced_on <= on,
    )


def _of_stored_case(columns: Any) -> Any:
    return and_(
        CASES.c.authority == columns.authority,
        CASES.c.case_ref == columns.case_ref,
        CASES.c.deleted_on.is_(None),
    )


def _team(query: Any, team: str | None) -> Any:
    if team == NO_TEAM:
        return query.where(CASES.c.team.is_(None))
    if team is not None:
        return query.where(CASES.c.team == team)
    return query


def _rows(engine: Engine, query: Any) -> list[Row]:
    with engine.connect() as conn:
        result = conn.execute(query)
        names = list(result.keys())
        return [dict(zip(names, row, strict=True)) for row in result]
