"""Queries behind cells, case timelines and caseloads: status rows, source records and who holds a case.

Plain dicts ready for JSON. The worker column is only ever compared with a pseudonym the caller
worked out; it is never returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    String,
    Table,
    and_,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.engine.cursor import CursorFetchStrategy

from mapping.schema import EvidenceState
from store.schema.keys import among
from store.schema.tables import CASES, CHANGES, EVIDENCE, STATUSES
from store.schema.views import NO_TEAM

Row = dict[str, Any]

# The tables' columns, named for the rows they describe.
CaseRow, CaseElementStatusRow, EvidenceRow, StatusChange = CASES.c, STATUSES.c, EVIDENCE.c, CHANGES.c

_CASE_COLUMNS = (
    CaseRow.authority,
    CaseRow.case_ref,
    CaseRow.team,
    CaseRow.case_type,
    CaseRow.opened_on,
    CaseRow.closed_on,
    CaseRow.cp_plan_start,
    CaseRow.deleted_on,
)
_STATUS_COLUMNS = (
    CaseElementStatusRow.authority,
    CaseElementStatusRow.case_ref,
    CaseElementStatusRow.element,
    CaseElementStatusRow.status,
    CaseElementStatusRow.first_evidenced_on,
    CaseElementStatusRow.last_evidenced_on,
    CaseElementStatusRow.due_on,
    CaseElementStatusRow.evidence_count,
    CaseElementStatusRow.latest_scale_value,
    CaseElementStatusRow.computed_on,
)
_EVIDENCE_COLUMNS = (
    EvidenceRow.authority,
    EvidenceRow.case_ref,
    EvidenceRow.source_id,
    EvidenceRow.element,
    EvidenceRow.kind,
    EvidenceRow.state,
    EvidenceRow.evidenced_on,
    EvidenceRow.scale_value,
    EvidenceRow.deleted_on,
)
_CHANGE_COLUMNS = (
    StatusChange.id,
    StatusChange.authority,
    StatusChange.case_ref,
    StatusChange.element,
    StatusChange.status,
    StatusChange.from_date,
    StatusChange.to_date,
    StatusChange.run_id,
)
_OPEN = and_(CaseRow.closed_on.is_(None), CaseRow.deleted_on.is_(None))


def case(engine: Engine, authority: str, case_ref: str) -> Row | None:
    """One case's skeleton, open or closed, without its worker."""
    query = select(*_CASE_COLUMNS).where(CaseRow.authority == authority, CaseRow.case_ref == case_ref)
    rows = _rows(engine, query)
    return rows[0] if rows else None


def open_statuses(engine: Engine, authority: str | None = None, team: str | None = None) -> list[Row]:
    """Every `case_element_status` row of the open cases, optionally of one authority or team."""
    return _rows(engine, _scoped(_of_open_cases(CaseElementStatusRow, *_STATUS_COLUMNS), authority, team))


def open_evidence(engine: Engine, authority: str | None = None, team: str | None = None) -> list[Row]:
    """Every source record of the open cases, deleted ones included (they say so)."""
    return _rows(engine, _scoped(_of_open_cases(EvidenceRow, *_EVIDENCE_COLUMNS), authority, team))


def open_cases(engine: Engine, authority: str | None = None, team: str | None = None) -> list[Row]:
    """The open cases as the `whiteboard` view starts each row (authority, reference, team, type,
    opened and plan dates, as ISO text), in its order: authority, team, reference."""
    c = CaseRow
    query = select(c.authority, c.case_ref, c.team, c.case_type, *_as_text(c.opened_on, c.cp_plan_start))
    query = _scoped(query.where(_OPEN), authority, team).order_by(c.authority, c.team, c.case_ref)
    keys = ("authority", "case_ref", "team", "case_type", "opened_on", "cp_plan_start")
    return [dict(zip(keys, row, strict=True)) for row in _tuples(engine, query, (4, 5))]


def status_tuples(
    engine: Engine,
    authority: str | None = None,
    team: str | None = None,
    case_keys: Iterable[tuple[str, str]] | None = None,
) -> list[tuple[Any, ...]]:
    """The open cases' status rows as plain tuples, dates as ISO text: authority, case reference,
    element, status, due, first and last evidenced dates, evidence count. The whiteboard reads one
    per cell, so nothing is converted value by value on the way. `case_keys`: only those cases'."""
    s = CaseElementStatusRow
    dates = _as_text(s.due_on, s.first_evidenced_on, s.last_evidenced_on)
    query = _of_open_cases(s, s.authority, s.case_ref, s.element, s.status, *dates, s.evidence_count)
    return _tuples(engine, _scoped(query, authority, team), (4, 5, 6), (s.authority, s.case_ref), case_keys)


def status_words(
    engine: Engine, authority: str | None = None, team: str | None = None
) -> list[tuple[Any, ...]]:
    """The open cases' statuses alone, as plain tuples: authority, case reference, element, status,
    last evidenced date as ISO text; all a grid and its team summary need of the cases whose cells
    are not shown."""
    s = CaseElementStatusRow
    query = _of_open_cases(s, s.authority, s.case_ref, s.element, s.status, *_as_text(s.last_evidenced_on))
    return _tuples(engine, _scoped(query, authority, team), (4,))


def live_evidence_tuples(
    engine: Engine,
    authority: str | None = None,
    team: str | None = None,
    case_keys: Iterable[tuple[str, str]] | None = None,
) -> list[tuple[Any, ...]]:
    """The open cases' live source records (neither deleted nor cancelled) as plain tuples, dates
    as ISO text: authority, case reference, element, state, date, scale value, source id; what a
    cell's scale, draft and plan come from. `case_keys`: only those cases' records."""
    e = EvidenceRow
    columns = (
        e.authority,
        e.case_ref,
        e.element,
        e.state,
        *_as_text(e.evidenced_on),
        e.scale_value,
        e.source_id,
    )
    live = and_(e.deleted_on.is_(None), e.state != EvidenceState.CANCELLED.value)
    if engine.dialect.name == "sqlite":
        # Order does not matter: a cell's summary sorts its element's records.
        rowid = row_id(EVIDENCE)
        found = _scoped(_of_open_cases(e, rowid).where(e.deleted_on.is_(None)), authority, team)
        query = select(*columns).where(rowid.in_(found), live)
    else:
        query = _scoped(_of_open_cases(e, *columns).where(live), authority, team)
    return _tuples(engine, query, (4,), (e.authority, e.case_ref), case_keys)


def row_id(table: Table) -> ColumnElement[int]:
    """SQLite's row id of `table`. Rows found through an index and then read by their row ids come
    in table order; read in the index's order, each is a jump to another page of the table, about
    twice the time for an authority's thousands of records."""
    return literal_column(f"{table.name}.rowid", Integer)


def _of_open_cases(model: Any, *columns: Any) -> Any:
    """`columns` of a table keyed by authority and case reference, for the open cases only."""
    on_case = and_(CaseRow.authority == model.authority, CaseRow.case_ref == model.case_ref)
    return select(*columns).join(CASES, on_case).where(_OPEN)


def _as_text(*columns: Any) -> tuple[Any, ...]:
    # Read as the driver hands them: ISO text on SQLite, with no date parsing and printing back.
    return tuple(type_coerce(c, String).label(c.key) for c in columns)


def _tuples(
    engine: Engine,
    query: Any,
    dates: tuple[int, ...],
    key: tuple[Any, Any] | None = None,
    case_keys: Iterable[tuple[str, str]] | None = None,
) -> list[tuple[Any, ...]]:
    """Fast twin of store.read.history._rows; held equal by tests/store/test_read_model.py.

    The rows of `query` as the driver's own tuples; with `case_keys`, only those cases' rows,
    found through `key` (the authority and case reference columns) a chunk of references at a time."""
    rows: list[tuple[Any, ...]] = []
    with engine.connect() as conn:
        queries = [query]
        if case_keys is not None and key is not None:
            refs: dict[str, list[str]] = {}
            for code, ref in case_keys:
                refs.setdefault(code, []).append(ref)
            queries = [
                query.where(key[0] == code, refs_among)
                for code, found in sorted(refs.items())
                for refs_among in among(conn, key[1], found)
            ]
        for each in queries:
            result = conn.execute(each)
            if type(result.cursor_strategy) is CursorFetchStrategy:
                # Straight from the cursor: no row object per row. The columns read need no result
                # processing (text, integers, dates coerced to text), so the values are the same.
                rows.extend(result.cursor.fetchall())
                result.close()
            else:
                rows.extend(tuple(r) for r in result)
    if engine.dialect.name == "sqlite":
        return rows
    return [_text_dates(r, dates) for r in rows]


def _text_dates(row: tuple[Any, ...], positions: tuple[int, ...]) -> tuple[Any, ...]:
    """A row whose driver returned dates as dates (PostgreSQL) with them as ISO text, as SQLite has them."""
    values = list(row)
    for i in positions:
        if isinstance(values[i], date):
            values[i] = values[i].isoformat()
    return tuple(values)


def case_statuses(engine: Engine, authority: str, case_ref: str) -> list[Row]:
    query = select(*_STATUS_COLUMNS).where(
        CaseElementStatusRow.authority == authority, CaseElementStatusRow.case_ref == case_ref
    )
    return _rows(engine, query)


def case_evidence(engine: Engine, authority: str, case_ref: str) -> list[Row]:
    """One case's source records, oldest first, deleted ones included."""
    query = (
        select(*_EVIDENCE_COLUMNS)
        .where(EvidenceRow.authority == authority, EvidenceRow.case_ref == case_ref)
        .order_by(EvidenceRow.evidenced_on, EvidenceRow.source_id)
    )
    return _rows(engine, query)


def worker_case_refs(engine: Engine, authority: str, worker: str) -> set[str]:
    """The open cases held by a worker, given the worker reference as the store holds it."""
    query = select(CaseRow.case_ref).where(CaseRow.authority == authority, CaseRow.worker == worker, _OPEN)
    with engine.connect() as conn:
        return {ref for (ref,) in conn.execute(query)}


def cases(engine: Engine, authority: str | None, case_refs: Iterable[str] | None = None) -> list[Row]:
    """Case skeletons of an authority (every one, or these references), closed ones included."""
    query = select(*_CASE_COLUMNS)
    if authority:
        query = query.where(CaseRow.authority == authority)
    return _rows(engine, query, CaseRow.case_ref, case_refs)


def _scoped(query: Any, authority: str | None, team: str | None) -> Any:
    if authority:
        query = query.where(CaseRow.authority == authority)
    if team == NO_TEAM:
        query = query.where(CaseRow.team.is_(None))
    elif team:
        query = query.where(CaseRow.team == team)
    return query


def _rows(
    engine: Engine, query: Select[Any] | Any, key: Any = None, keys: Iterable[str] | None = None
) -> list[Row]:
    """The rows of `query`; with `keys`, only those whose `key` column is one of them."""
    found: list[Row] = []
    with engine.connect() as conn:
        for each in [query] if keys is None else [query.where(c) for c in among(conn, key, keys)]:
            result = conn.execute(each)
            names = list(result.keys())
            # Plain tuples zipped with the keys once: a row's mapping view costs more than its values.
            found.extend(dict(zip(names, map(_plain, row), strict=True)) for row in result)
    return found


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def status_changes(
    engine: Engine, authority: str, case_refs: Iterable[str] | None = None, since: date | None = None
) -> list[Row]:
    """Rows of the status change log for an authority (or these cases): spells still held on `since`
    or begun after it; every row when `since` is None."""
    query = select(*_CHANGE_COLUMNS).where(StatusChange.authority == authority)
    if since is not None:
        query = query.where(or_(StatusChange.to_date.is_(None), StatusChange.to_date > since))
    return _rows(engine, query, StatusChange.case_ref, case_refs)


def due_dates(engine: Engine, authority: str) -> list[tuple[Any, ...]]:
    """Every due date the store holds for an authority's cases, closed ones included (a past week
    counts the cases open then): case reference, element, due date as ISO text."""
    s = CaseElementStatusRow
    on_case = and_(CaseRow.authority == s.authority, CaseRow.case_ref == s.case_ref)
    query = (
        select(s.case_ref, s.element, *_as_text(s.due_on))
        .join(CASES, on_case)
        .where(s.authority == authority, s.due_on.is_not(None), CaseRow.deleted_on.is_(None))
    )
    return _tuples(engine, query, (2,))
