"""The derived status tables: cases waiting for a recompute, element statuses and their change log.

Statuses are derived state. A batch notes the cases it touched (`touched_cases`, in its own
transaction); a recompute reads those cases' live records, writes only the status rows that
differ from what is stored, appends every change of status to `status_changes`, and forgets the
cases it settled, all in one transaction per chunk. A crash anywhere leaves the touched set for
the next run to drain, so the result converges to an uninterrupted run's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from itertools import pairwise
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    literal,
    null,
    select,
    update,
)

from mapping.schema import CaseType, EvidenceState
from mapping.status import STATUS_FIELDS
from mapping.status_rows import EvidenceRow, StatusRow
from store.schema.keys import among
from store.schema.tables import CASES, CHANGES, EVIDENCE, STATUSES, TOUCHED
from store.write.bulk import execute_tuples
from store.write.upsert import upsert, upsert_tuples

_CASE_FIELDS = ("case_ref", "case_type", "opened_on", "closed_on", "cp_plan_start")
_EVIDENCE_FIELDS = ("case_ref", "element", "state", "evidenced_on", "scale_value", "source_id")
"""The case, then an `EvidenceRow`."""
_STATUS_ROW = ("case_ref", "element", "status", *STATUS_FIELDS[1:])
"""A status row as `apply_statuses` writes it: the authority and the day computed are the same for all."""


class StoredCase(NamedTuple):
    """What a status is computed from of a stored case (a `StatusCase`), without a model per row."""

    case_ref: str
    case_type: CaseType
    opened_on: date
    closed_on: date | None
    cp_plan_start: date | None


_OPEN_CHANGE = CHANGES.insert()
"""One statement for every chunk's change-log rows, so it is compiled once."""
_CASE_TYPES = {t.value: t for t in CaseType}
_CANCELLED = EvidenceState.CANCELLED.value


def touch_cases(conn: Connection, authority: str, case_refs: Iterable[str]) -> None:
    """Note cases whose statuses may have moved; a case already noted stays noted once."""
    rows = [{"authority": authority, "case_ref": ref} for ref in sorted(set(case_refs))]
    upsert(conn, TOUCHED, rows, keys=["authority", "case_ref"], update=[])


def touched_case_refs(
    conn: Connection, authority: str, after: str = "", limit: int | None = None
) -> list[str]:
    """Touched cases in reference order, from just past `after`: a page at a time, so settling a
    run that touched every case never holds all their references at once."""
    query = (
        select(TOUCHED.c.case_ref)
        .where(TOUCHED.c.authority == authority, TOUCHED.c.case_ref > after)
        .order_by(TOUCHED.c.case_ref)
        .limit(limit)
    )
    return list(conn.execute(query).scalars().all())


def load_cases(conn: Connection, authority: str, case_refs: Iterable[str]) -> list[StoredCase]:
    """The live cases among these refs, as the store holds them (validated when they were written)."""
    columns = [CASES.c[f] for f in _CASE_FIELDS]
    found = []
    for refs_among in among(conn, CASES.c.case_ref, case_refs):
        query = select(*columns).where(
            CASES.c.authority == authority, CASES.c.deleted_on.is_(None), refs_among
        )
        for ref, case_type, opened, closed, cp_start in conn.execute(query):
            found.append(StoredCase(ref, _CASE_TYPES[case_type], opened, closed, cp_start))
    return found


def load_evidence(conn: Connection, authority: str, case_refs: Iterable[str]) -> dict[str, list[EvidenceRow]]:
    """The live evidence of these cases that a status can depend on, by case, as rows the status
    rules read: a cancelled record never counts, nor makes an element in progress, so is left out."""
    columns = [EVIDENCE.c[f] for f in _EVIDENCE_FIELDS]
    by_case: dict[str, list[EvidenceRow]] = {}
    live = and_(EVIDENCE.c.authority == authority, EVIDENCE.c.deleted_on.is_(None))
    for refs_among in among(conn, EVIDENCE.c.case_ref, case_refs):
        query = select(*columns).where(live, EVIDENCE.c.state != _CANCELLED, refs_among)
        for ref, *record in conn.execute(query):
            by_case.setdefault(ref, []).append(tuple(record))
    return by_case


StoredStatuses = dict[tuple[str, str], tuple[Any, ...]]


def _stored(conn: Connection, authority: str, case_refs: Sequence[str]) -> StoredStatuses:
    columns = [STATUSES.c.case_ref, STATUSES.c.element, *(STATUSES.c[f] for f in STATUS_FIELDS)]
    found: StoredStatuses = {}
    for refs_among in among(conn, STATUSES.c.case_ref, case_refs):
        query = select(*columns).where(STATUSES.c.authority == authority, refs_among)
        for case_ref, element, *values in conn.execute(query):
            found[(case_ref, element)] = tuple(values)
    return found


def apply_statuses(
    conn: Connection,
    authority: str,
    case_refs: Iterable[str],
    rows: Sequence[StatusRow],
    on: date,
    run_id: int | None,
) -> int:
    """Fast twin of storing mapping.status.case_statuses whole; held equal by
    tests/sync/test_status_properties.py.

    Make these cases' stored statuses equal `rows`, writing only what differs; forget them as
    touched. A case with no rows (deleted, or not in the store) loses its statuses.

    Every change of status (a case's first statuses included, and a status ending because its case
    went) closes the open change-log row on `on` and, unless the status ended, opens one from `on`,
    in the order of `rows`. Returns how many status rows were written or removed.
    """
    refs = sorted(set(case_refs))
    stored = _stored(conn, authority, refs)
    if not stored:  # cases met for the first time: every status is new
        # No row of these cases exists to conflict with: a plain insert, without the upsert's check.
        execute_tuples(conn, _FIRST_STATUS, _STATUS_ROW, rows, {"authority": authority, "computed_on": on})
        _open_first_changes(conn, authority, refs, rows, on, run_id)
        _forget_touched(conn, authority, refs)
        return len(rows)
    changed: list[StatusRow] = []  # status rows that differ from what is stored
    moved: list[tuple[str, str, str]] = []  # change-log rows of statuses new or not as stored
    ended: list[tuple[str, str]] = []  # cases and elements whose open change-log row closes
    for row in rows:
        held = stored.pop((row[0], row[1]), None)
        if held == row[2:]:
            continue
        changed.append(row)
        if held is None or held[0] != row[2]:
            moved.append(row[:3])
            if held is not None:
                ended.append(row[:2])
    removed = list(stored)  # cases and elements that have no status any more
    _write_statuses(conn, authority, changed, on)
    if removed:
        execute_tuples(conn, _REMOVE_STATUS.where(STATUSES.c.authority == authority), ("ref", "el"), removed)
    if ended or removed:
        ending = _END_CHANGE.where(CHANGES.c.authority == authority).values(to_date=on)
        execute_tuples(conn, ending, ("ref", "el"), ended + removed)
    _open_changes(conn, authority, moved, on, run_id)
    _forget_touched(conn, authority, refs)
    return len(changed) + len(removed)


_FIRST_STATUS = STATUSES.insert()
_REMOVE_STATUS = delete(STATUSES).where(
    STATUSES.c.case_ref == bindparam("ref"), STATUSES.c.element == bindparam("el")
)
_END_CHANGE = update(CHANGES).where(
    CHANGES.c.case_ref == bindparam("ref"), CHANGES.c.element == bindparam("el"), CHANGES.c.to_date.is_(None)
)


def _write_statuses(conn: Connection, authority: str, rows: Sequence[StatusRow], on: date) -> None:
    keys = ["authority", "case_ref", "element"]
    constants = {"authority": authority, "computed_on": on}
    upsert_tuples(conn, STATUSES, _STATUS_ROW, rows, keys=keys, constants=constants)


def _open_changes(
    conn: Connection, authority: str, moved: Sequence[tuple[str, str, str]], on: date, run_id: int | None
) -> None:
    constants = {"authority": authority, "from_date": on, "to_date": None, "run_id": run_id}
    execute_tuples(conn, _OPEN_CHANGE, ("case_ref", "element", "status"), moved, constants=constants)


def _open_first_changes(
    conn: Connection,
    authority: str,
    refs: Sequence[str],
    rows: Sequence[StatusRow],
    on: date,
    run_id: int | None,
) -> None:
    """Fast twin of `_open_changes` of every row; held equal by tests/store/test_statuses_and_retire.py.

    The cases' first change-log rows, copied set-wise from the status rows just written rather than
    bound row by row: a first full sync opens one for every element of every case. Rows not in
    case and element order (the elements in the order the first case gives them) are bound as
    they come, as only that order gives the change log's ids as row by row."""
    rank: dict[str, int] = {}
    for row in rows:
        rank.setdefault(row[1], len(rank))
    keys = [(row[0], rank[row[1]]) for row in rows]
    if any(a >= b for a, b in pairwise(keys)):
        _open_changes(conn, authority, [row[:3] for row in rows], on, run_id)
        return
    s = STATUSES.c
    in_rows_order = case(rank, value=s.element, else_=len(rank))
    run = literal(run_id, Integer)
    for refs_among in among(conn, s.case_ref, refs):
        spells = (
            select(s.authority, s.case_ref, s.element, s.status, s.computed_on, null(), run)
            .where(s.authority == authority, refs_among)
            .order_by(_in_code_point_order(conn, s.case_ref), in_rows_order)
        )
        names = ["authority", "case_ref", "element", "status", "from_date", "to_date", "run_id"]
        conn.execute(CHANGES.insert().from_select(names, spells))


def _in_code_point_order(conn: Connection, column: ColumnElement[str]) -> ColumnElement[str]:
    """The column to sort by as Python sorts text: SQLite compares text by its bytes already, and
    PostgreSQL does so under the "C" collation whatever the database's own."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def _forget_touched(conn: Connection, authority: str, refs: Sequence[str]) -> None:
    for refs_among in among(conn, TOUCHED.c.case_ref, refs):
        conn.execute(delete(TOUCHED).where(TOUCHED.c.authority == authority, refs_among))
