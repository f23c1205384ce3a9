"""Recomputing element statuses from what the store holds: after a batch, and daily for the date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Connection

from mapping.schema import ElementStatus, Evidence
from mapping.status import case_statuses
from mapping.timeliness import TimelinessRules
from store import lookups, writer


def recompute_cases(
    conn: Connection,
    authority: str,
    case_refs: Iterable[str],
    elements: Sequence[str],
    rules: TimelinessRules,
    today: date,
) -> int:
    """Recompute and store the statuses of these cases; returns how many cases had statuses written.

    A case not (yet) in the store gets no statuses: its evidence waits and counts once the case comes.
    """
    refs = sorted(set(case_refs))
    if not refs:
        return 0
    cases = {c.case_ref: c for c in lookups.load_cases(conn, authority, refs)}
    evidence: dict[str, list[Evidence]] = {}
    for record in lookups.load_evidence(conn, authority, cases):
        evidence.setdefault(record.case_ref, []).append(record)
    statuses: dict[str, list[ElementStatus]] = {
        ref: case_statuses(cases[ref], evidence.get(ref, []), elements, rules, today) if ref in cases else []
        for ref in refs
    }
    writer.replace_statuses(conn, authority, statuses, today)
    return len(cases)
