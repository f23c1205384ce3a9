"""Queries over the read model for the CLI and dashboards: plain dicts, ready for JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, text

from mapping.elements import DEFAULT_ELEMENT_KEYS
from store.read import status_read
from store.schema.tables import CASES, CHANGES, POSITIONS, QUARANTINE, STATUSES, SYNC_RUNS
from store.schema.views import NO_TEAM

Row = dict[str, Any]

_RUN_COLUMNS = status_read.RUN_COLUMNS


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _run_dict(run: Any) -> Row:
    return {name: _plain(getattr(run, name)) for name in _RUN_COLUMNS}


def runs(engine: Engine, authority: str | None = None, limit: int = 50) -> list[Row]:
    query = select(SYNC_RUNS).order_by(SYNC_RUNS.c.id.desc()).limit(limit)
    if authority:
        query = query.where(SYNC_RUNS.c.authority == authority)
    return [_run_dict(r) for r in _rows(engine, query)]


def run_authority(engine: Engine, run_id: int) -> tuple[str, str | None] | None:
    """The authority a run belongs to and where its staged read stands; None for no such run."""
    with engine.connect() as conn:
        found = conn.execute(
            select(SYNC_RUNS.c.authority, SYNC_RUNS.c.stage).where(SYNC_RUNS.c.id == run_id)
        ).first()
    return None if found is None else (str(found[0]), found[1])


def last_runs(engine: Engine) -> dict[str, Row]:
    """The latest run of each authority, and its latest successful one's finish time."""
    with engine.connect() as conn:
        return status_read.last_runs(conn.connection)


def quarantine(engine: Engine, authority: str | None = None, include_resolved: bool = False) -> list[Row]:
    q = QUARANTINE.c
    query = select(QUARANTINE).order_by(q.id)
    if authority:
        query = query.where(q.authority == authority)
    if not include_resolved:
        query = query.where(q.resolved_at.is_(None))
    columns = (
        "id",
        "run_id",
        "authority",
        "stream",
        "source_id",
        "reason",
        "record_hash",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    )
    return [{c: _plain(getattr(q, c)) for c in columns} for q in _rows(engine, query)]


def quarantine_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return status_read.quarantine_counts(conn.connection)


ORPHAN_ALERT_SHARE = status_read.ORPHAN_ALERT_SHARE


def orphan_counts(engine: Engine) -> dict[str, tuple[int, int]]:
    """Per authority: live evidence naming a case the store does not hold, and all live evidence."""
    with engine.connect() as conn:
        return status_read.orphan_counts(conn.connection)


def positions(engine: Engine, authority: str) -> dict[str, Row]:
    rows = _rows(engine, select(POSITIONS).where(POSITIONS.c.authority == authority))
    return {p.stream: {"position": p.position, "updated_at": _plain(p.updated_at)} for p in rows}


def whiteboard(engine: Engine, authority: str | None = None, team: str | None = None) -> list[Row]:
    """Open cases with each element's status: the `whiteboard` view, which has a column per element
    of the default catalogue, plus the statuses of elements an authority added to its catalogue."""
    cases = _view("whiteboard", engine, authority, team, order_by="authority, team, case_ref")
    if not cases:
        return cases
    statuses = STATUSES.c
    added = select(statuses.authority, statuses.case_ref, statuses.element, statuses.status).where(
        statuses.element.not_in(DEFAULT_ELEMENT_KEYS)
    )
    if authority:
        added = added.where(statuses.authority == authority)
    by_case = {(c["authority"], c["case_ref"]): c for c in cases}
    with engine.connect() as conn:
        for code, case_ref, element, status in conn.execute(added):
            case = by_case.get((code, case_ref))
            if case is not None:
                case[element] = status
    return cases


def team_summary(engine: Engine, authority: str | None = None, team: str | None = None) -> list[Row]:
    """Per authority, team and element: open cases by status, from the `team_summary` view."""
    return _view("team_summary", engine, authority, team, order_by="authority, team, element")


_CHANGE_COLUMNS = ("authority", "case_ref", "element", "status", "from_date", "to_date", "run_id")


def _change_history(authority: str) -> Any:
    """An authority's status change rows, each with the status it replaced (null for a case
    element's first) and whether a later row followed it."""
    c = CHANGES.c
    key = (c.authority, c.case_ref, c.element)
    return (
        select(
            *(getattr(c, name) for name in _CHANGE_COLUMNS),
            c.id.label("change_id"),
            func.lag(c.status).over(partition_by=key, order_by=c.id).label("previous_status"),
            func.lead(c.id).over(partition_by=key, order_by=c.id).label("next_id"),
        )
        .where(c.authority == authority)
        .subquery()
    )


def case_status_changes(engine: Engine, authority: str, case_ref: str) -> list[Row]:
    """One case's status history (its stored reference: the pseudonym where the authority uses
    them), element by element, oldest first: `status` held from `from_date` until `to_date` (null
    while current), set by sync run `run_id` (null when the daily recompute moved it with the date),
    with `previous_status` (null for the element's first status)."""
    history = _change_history(authority)
    query = (
        select(history).where(history.c.case_ref == case_ref).order_by(history.c.element, history.c.change_id)
    )
    with engine.connect() as conn:
        return [
            {name: _plain(row._mapping[name]) for name in (*_CHANGE_COLUMNS, "previous_status")}
            for row in conn.execute(query)
        ]


def status_changes_since(engine: Engine, authority: str, since: date, team: str | None = None) -> list[Row]:
    """What changed on or after `since` (e.g. the last supervision), one event per change, oldest
    first: `on`, the case and its team ("(no team)" when it has none), `element`, `previous_status`
    (null for a case element's first status), `status` (null when the status ended because its case
    or the element went) and the `run_id` that made it (null for the daily recompute and for an end).
    `team` keeps one team's cases.
    """
    history = _change_history(authority)
    team_name = func.coalesce(CASES.c.team, NO_TEAM)
    ended = history.c.next_id.is_(None) & history.c.to_date.is_not(None)
    query = (
        select(history, team_name.label("team"))
        .join(CASES, (CASES.c.authority == history.c.authority) & (CASES.c.case_ref == history.c.case_ref))
        .where((history.c.from_date >= since) | (ended & (history.c.to_date >= since)))
        .order_by(history.c.change_id)
    )
    if team is not None:
        query = query.where(team_name == team)
    events: list[Row] = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            change = {name: row._mapping[name] for name in ("authority", "case_ref", "team", "element")}
            if row.from_date >= since:
                events.append(
                    {
                        "on": row.from_date,
                        **change,
                        "previous_status": row.previous_status,
                        "status": row.status,
                        "run_id": row.run_id,
                    }
                )
            if row.next_id is None and row.to_date is not None and row.to_date >= since:
                end = {"previous_status": row.status, "status": None, "run_id": None}
                events.append({"on": row.to_date, **change, **end})
    events.sort(key=lambda e: e["on"])
    return [{k: _plain(v) for k, v in e.items()} for e in events]


def _view(view: str, engine: Engine, authority: str | None, team: str | None, order_by: str) -> list[Row]:
    filters = {"authority": authority, "team": team}
    clauses = [f"{column} = :{column}" for column, value in filters.items() if value]
    if team == NO_TEAM and view == "whiteboard":
        # The whiteboard keeps a missing team as NULL; the summary view already says NO_TEAM.
        clauses = [c for c in clauses if not c.startswith("team")] + ["team IS NULL"]
        filters["team"] = None
    where = " AND ".join(clauses) or "1 = 1"
    sql = text(f"SELECT * FROM {view} WHERE {where} ORDER BY {order_by}")  # nosec B608  # names are ours, values bound
    with engine.connect() as conn:
        rows = conn.execute(sql, {k: v for k, v in filters.items() if v})
        return [{k: _plain(v) for k, v in row._mapping.items()} for row in rows]


def case_element_statuses(engine: Engine, authority: str | None = None) -> list[Row]:
    """Each case's element statuses with their dates, as the status rules last computed them."""
    query = select(STATUSES).order_by(STATUSES.c.authority, STATUSES.c.case_ref)
    if authority:
        query = query.where(STATUSES.c.authority == authority)
    columns = (
        "authority",
        "case_ref",
        "element",
        "status",
        "first_evidenced_on",
        "last_evidenced_on",
        "due_on",
        "evidence_count",
        "latest_scale_value",
        "computed_on",
    )
    return [{c: _plain(getattr(r, c)) for c in columns} for r in _rows(engine, query)]


def open_case_count(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return status_read.open_case_count(conn.connection)


def _rows(engine: Engine, query: Any) -> list[Any]:
    """The rows of a query on the Core tables; each reads its columns by name, as the listings ask."""
    with engine.connect() as conn:
        return list(conn.execute(query))


def stored_authorities(engine: Engine) -> dict[str, str]:
    """Authorities the store holds data for, by code, with the name they were synced under."""
    with engine.connect() as conn:
        return status_read.stored_authorities(conn.connection)
