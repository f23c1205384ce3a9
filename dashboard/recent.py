"""What moved in a team's cases lately, for supervision: status changes and safety scale moves per
case, newest first, from the status change log and the source records.

A status the log holds no earlier spell for is said as first seen by the sync, never as a change
from nothing; a case whose every move is a first sighting is one line ("new to the board").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dashboard.changes import StatusChange, spells
from dashboard.timeline import STATUS_WORDS
from mapping.schema import EvidenceState

BETTER, WORSE, LEVEL, FIRST = "better", "worse", "level", "first"
"""The words `dashboard.since` uses too, so a move reads the same on the page and in the terminal."""
ARROWS = {BETTER: "▲", WORSE: "▼", LEVEL: "=", FIRST: "+"}
WINDOWS = (7, 14, 28)
"""The panel's choices, in days; the page holds the widest, the reader narrows it."""


@dataclass(frozen=True)
class Move:
    element: str
    on: date
    words: str
    """`not started → overdue`, `4 → 6` (a scale), `first seen by the sync: overdue`."""
    direction: str

    @property
    def arrow(self) -> str:
        return ARROWS[self.direction]


@dataclass(frozen=True)
class CaseMoves:
    case_ref: str
    moves: tuple[Move, ...]
    """Newest first."""

    @property
    def latest(self) -> date:
        return self.moves[0].on

    @property
    def only_first_sightings(self) -> bool:
        return all(m.direction == FIRST for m in self.moves)


def recent_moves(
    case_refs: Sequence[str],
    changes: Mapping[str, Iterable[StatusChange]],
    records: Mapping[str, Iterable[Mapping[str, Any]]],
    on: date,
    days: int = WINDOWS[-1],
) -> list[CaseMoves]:
    """Per case (by reference), its moves in the `days` up to `on`; cases with none left out, the
    most recently moved first."""
    found = []
    for ref in case_refs:
        moves = _status_moves(changes.get(ref, ()), on, days) + scale_moves(records.get(ref, ()), on, days)
        if moves:
            moves.sort(key=lambda m: (m.on, m.direction != FIRST), reverse=True)
            found.append(CaseMoves(ref, tuple(moves)))
    found.sort(key=lambda c: c.latest, reverse=True)
    return found


def _within(day: date, on: date, days: int) -> bool:
    return 0 <= (on - day).days < days


def _status_moves(changes: Iterable[StatusChange], on: date, days: int) -> list[Move]:
    moves = []
    for history in spells(changes).values():
        for n, spell in enumerate(history):
            if not _within(spell.from_date, on, days):
                continue
            after = STATUS_WORDS.get(spell.status.value, spell.status.value)
            if n == 0:
                moves.append(Move(spell.element, spell.from_date, f"first seen by the sync: {after}", FIRST))
                continue
            before = history[n - 1].status
            if before == spell.status:
                continue
            direction = LEVEL if before.rank == spell.status.rank else BETTER
            if spell.status.rank < before.rank:
                direction = WORSE
            words = f"{STATUS_WORDS.get(before.value, before.value)} → {after}"
            moves.append(Move(spell.element, spell.from_date, words, direction))
    return moves


def scale_moves(records: Iterable[Mapping[str, Any]], on: date, days: int) -> list[Move]:
    """Each completed scaling judgement in the window against the one before it."""
    judged = sorted(
        (
            (date.fromisoformat(str(r["evidenced_on"])[:10]), int(r["scale_value"]), str(r["source_id"]), r)
            for r in records
            if r.get("scale_value") is not None
            and not r.get("deleted_on")
            and str(r["state"]) in COUNTED
            and date.fromisoformat(str(r["evidenced_on"])[:10]) <= on
        ),
        key=lambda j: (j[0], j[1], j[2]),
    )
    moves = []
    for n, (day, value, _, record) in enumerate(judged):
        if not _within(day, on, days):
            continue
        if n == 0:
            moves.append(Move(str(record["element"]), day, f"first judged {value}", FIRST))
            continue
        before = judged[n - 1][1]
        direction = BETTER if value > before else WORSE if value < before else LEVEL
        moves.append(Move(str(record["element"]), day, f"{before} → {value}", direction))
    return moves


COUNTED = frozenset(s.value for s in EvidenceState if s.counts_as_evidence)
