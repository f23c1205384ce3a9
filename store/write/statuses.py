"""The derived status tables: cases waiting for a recompute, element statuses and their change log.

Statuses are derived state. A batch notes the cases it touched (`touched_cases`, in its own
transaction); a recompute reads those cases' live records, writes only the status rows that
differ from what is stored, appends every change of status to `status_changes`, and forgets the
cases it settled, all in one transaction per chunk. A crash anywhere leaves the touched set for
the next run to drain, so the result converges to an uninterrupted run's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, select, update

from mapping.schema import CaseType, EvidenceState, Status
from mapping.status import STATUS_FIELDS, StatusValues
from store.schema.keys import among
from store.schema.tables import CASES, CHANGES, EVIDENCE, STATUSES, TOUCHED
from store.write.bulk import execute_tuples
from store.write.upsert import upsert, upsert_tuples

_CASE_FIELDS = ("case_ref", "case_type", "opened_on", "closed_on", "cp_plan_start")
_EVIDENCE_FIELDS = ("case_ref", "source_id", "element", "state", "evidenced_on", "scale_value")
_STATUS_ROW = ("case_ref", "element", "status", *STATUS_FIELDS[1:])
"""A status row as `apply_statuses` writes it: the authority and the day computed are the same for all."""


class StoredCase(NamedTuple):
    """What a status is computed from of a stored case (a `StatusCase`), without a model per row."""

    case_ref: str
    case_type: CaseType
    opened_on: date
    closed_on: date | None
    cp_plan_start: date | None


class StoredEvidence(NamedTuple):
    """What a status is computed from of a stored evidence row (a `StatusEvidence`)."""

    source_id: str
    element: str
    state: EvidenceState
    evidenced_on: date
    scale_value: int | None


_OPEN_CHANGE = CHANGES.insert()
"""One statement for every chunk's change-log rows, so it is compiled once."""
_CASE_TYPES = {t.value: t for t in CaseType}
_STATUS_TEXT = {s: s.value for s in Status}
_STATES = {s.value: s for s in EvidenceState}
ElementValues = Sequence[tuple[str, StatusValues]]
"""One case's statuses: each element with its values in `STATUS_FIELDS` order."""


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


def load_evidence(
    conn: Connection, authority: str, case_refs: Iterable[str]
) -> dict[str, list[StoredEvidence]]:
    """The live evidence of these cases, by case."""
    columns = [EVIDENCE.c[f] for f in _EVIDENCE_FIELDS]
    by_case: dict[str, list[StoredEvidence]] = {}
    for refs_among in among(conn, EVIDENCE.c.case_ref, case_refs):
        query = select(*columns).where(
            EVIDENCE.c.authority == authority, EVIDENCE.c.deleted_on.is_(None), refs_among
        )
        for ref, source_id, element, state, on, scale in conn.execute(query):
            record = StoredEvidence(source_id, element, _STATES[state], on, scale)
            by_case.setdefault(ref, []).append(record)
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
    statuses: Mapping[str, ElementValues],
    on: date,
    run_id: int | None,
) -> int:
    """Fast twin of storing mapping.status.case_statuses whole; held equal by
    tests/sync/test_status_properties.py.

    Make these cases' stored statuses equal `statuses`, writing only what differs; forget them as
    touched. A case mapped to no statuses (deleted, or not in the store) loses its rows.

    Every change of status (a case's first statuses included, and a status ending because its case
    went) closes the open change-log row on `on` and, unless the status ended, opens one from `on`.
    Returns how many status rows were written or removed.
    """
    refs = sorted(statuses)
    stored = _stored(conn, authority, refs)
    rows: list[tuple[Any, ...]]  # status rows that differ from what is stored, as `_STATUS_ROW`
    moved: list[tuple[str, str, str]]  # change-log rows of statuses new or not as stored
    ended: list[tuple[str, str]] = []  # cases and elements whose open change-log row closes
    removed: list[tuple[str, str]] = []  # cases and elements that have no status any more
    if not stored:  # cases met for the first time: every status is new
        rows = [
            (ref, element, _STATUS_TEXT[values[0]], *values[1:])
            for ref, items in statuses.items()
            for element, values in items
        ]
        moved = [row[:3] for row in rows]
    else:
        rows, moved = [], []
        for ref, items in statuses.items():
            for element, values in items:
                held = stored.get((ref, element))
                if held == values:
                    continue
                text = _STATUS_TEXT[values[0]]
                rows.append((ref, element, text, *values[1:]))
                if held is None or held[0] != text:
                    moved.append((ref, element, text))
                    if held is not None:
                        ended.append((ref, element))
        wanted = {(ref, element) for ref, items in statuses.items() for element, _ in items}
        removed = [key for key in stored if key not in wanted]
    upsert_tuples(
        conn,
        STATUSES,
        _STATUS_ROW,
        rows,
        keys=["authority", "case_ref", "element"],
        constants={"authority": authority, "computed_on": on},
    )
    if removed:
        execute_tuples(
            conn,
            delete(STATUSES).where(
                STATUSES.c.authority == authority,
                STATUSES.c.case_ref == bindparam("ref"),
                STATUSES.c.element == bindparam("el"),
            ),
            ("ref", "el"),
            removed,
        )
    if ended or removed:
        execute_tuples(
            conn,
            update(CHANGES)
            .where(
                CHANGES.c.authority == authority,
                CHANGES.c.case_ref == bindparam("ref"),
                CHANGES.c.element == bindparam("el"),
                CHANGES.c.to_date.is_(None),
            )
            .values(to_date=on),
            ("ref", "el"),
            ended + removed,
        )
    execute_tuples(
        conn,
        _OPEN_CHANGE,
        ("case_ref", "element", "status"),
        moved,
        constants={"authority": authority, "from_date": on, "to_date": None, "run_id": run_id},
    )
    for refs_among in among(conn, TOUCHED.c.case_ref, refs):
        conn.execute(delete(TOUCHED).where(TOUCHED.c.authority == authority, refs_among))
    return len(rows) + len(removed)
