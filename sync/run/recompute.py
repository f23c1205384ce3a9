"""Settling element statuses from what the store holds: once per run for the cases its batches
touched, and daily for every open case, because overdue and review due move with the date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import Connection, Engine

from mapping.status_rows import CaseStatusRows, StatusRow
from mapping.timeliness import TimelinessRules
from store.write import statuses, writer
from store.write.lease import StoreLease

SETTLE_CHUNK = 1000
"""Cases per transaction: small enough to keep each commit short, large enough to batch the SQL."""


@dataclass(frozen=True)
class StatusRules:
    """What a status is computed from besides the records: the catalogue, the LA's rules, the date."""

    elements: Sequence[str]
    rules: TimelinessRules
    today: date

    @cached_property
    def case_status_rows(self) -> CaseStatusRows:
        """The rules taken once for every case settled under them."""
        return CaseStatusRows(self.elements, self.rules, self.today)


def recompute_cases(
    conn: Connection, authority: str, case_refs: Iterable[str], how: StatusRules, run_id: int | None
) -> int:
    """Recompute these cases' statuses, write what changed and forget them as touched; returns how
    many cases the store holds among them.

    A case not (yet) in the store gets no statuses: its evidence waits and counts once the case comes.
    """
    writer.commit_without_waiting_for_disk(conn)
    refs = sorted(set(case_refs))
    cases = {c.case_ref: c for c in statuses.load_cases(conn, authority, refs)}
    evidence = statuses.load_evidence(conn, authority, cases)
    status_rows = how.case_status_rows
    # A change takes effect on the day it is seen, but never before its case opens: a case that the
    # source already holds with a later opening date gets its first statuses from that date.
    by_day: dict[date, tuple[list[str], list[StatusRow]]] = {}
    for ref in refs:
        case = cases.get(ref)
        day = how.today if case is None else max(how.today, case.opened_on)
        refs_of_day, rows = by_day.setdefault(day, ([], []))
        refs_of_day.append(ref)
        if case is not None:
            rows.extend(status_rows.of_case(ref, case, evidence.get(ref, ())))
    for day, (refs_of_day, rows) in sorted(by_day.items()):
        statuses.apply_statuses(conn, authority, refs_of_day, rows, day, run_id)
    return len(cases)


def settle(
    engine: Engine,
    lease: StoreLease,
    authority: str,
    how: StatusRules,
    run_id: int | None,
    also: Iterable[str] = (),
) -> int:
    """Recompute every touched case of the authority (and `also` these), chunk by chunk, each chunk
    in its own transaction that confirms the lease; returns how many cases were recomputed.

    Touched cases left by a run that crashed are drained here too. The touched cases are read a
    chunk at a time in the chunk's own transaction, so memory does not grow with the caseload.
    """
    done = 0
    named = sorted(set(also))
    for start in range(0, len(named), SETTLE_CHUNK):
        with engine.begin() as conn:
            lease.confirm(conn)
            done += recompute_cases(conn, authority, named[start : start + SETTLE_CHUNK], how, run_id)
    after = ""
    while True:
        with engine.begin() as conn:
            lease.confirm(conn)
            refs = statuses.touched_case_refs(conn, authority, after=after, limit=SETTLE_CHUNK)
            if not refs:
                return done
            done += recompute_cases(conn, authority, refs, how, run_id)
        after = refs[-1]


def settle_within(conn: Connection, authority: str, how: StatusRules, run_id: int | None) -> int:
    """Recompute every touched case of the authority inside the caller's transaction, a chunk of
    cases at a time; returns how many were recomputed. Publishing a run settles this way, so its
    records and their statuses reach dashboards together."""
    done = 0
    after = ""
    while refs := statuses.touched_case_refs(conn, authority, after=after, limit=SETTLE_CHUNK):
        done += recompute_cases(conn, authority, refs, how, run_id)
        after = refs[-1]
    return done
