"""Case histories written as tables, so a test of the outcome rules reads like the history it works.

    id   kind      started     ended       reason  previous
    R1   referral  2024-01-10  2024-04-15  RC7
    R2   referral  2025-04-14  -

`-` or a missing cell is empty: an open episode, no reason, no count of previous plans.
"""

from __future__ import annotations

from datetime import date

from mapping.course import Outcome, OutcomeKind, case_outcomes
from mapping.schema import CaseEpisode, EpisodeKind

COLUMNS = ("id", "kind", "started", "ended", "reason", "previous")


def history(table: str, authority: str = "la1", case_ref: str = "C1") -> list[CaseEpisode]:
    """The episodes of one case from a table with a heading line of COLUMNS (trailing ones optional)."""
    lines = [line.split() for line in table.strip().splitlines()]
    heading, rows = lines[0], lines[1:]
    assert tuple(heading) == COLUMNS[: len(heading)], f"heading must be {COLUMNS}"
    episodes = []
    for row in rows:
        cells: dict[str, str] = {name: cell for name, cell in zip(heading, row, strict=False) if cell != "-"}
        ended, previous = cells.get("ended"), cells.get("previous")
        episodes.append(
            CaseEpisode(
                authority=authority,
                source_id=cells["id"],
                case_ref=case_ref,
                kind=EpisodeKind(cells["kind"]),
                started_on=date.fromisoformat(cells["started"]),
                ended_on=date.fromisoformat(ended) if ended else None,
                end_reason=cells.get("reason"),
                previous_cp_plans=int(previous) if previous else None,
            )
        )
    return episodes


def outcomes(table: str, today: str = "2026-03-31") -> list[Outcome]:
    return case_outcomes(history(table), date.fromisoformat(today))


def of_kind(table: str, kind: OutcomeKind, today: str = "2026-03-31") -> list[tuple[str, str]]:
    """The outcomes of one kind as (day, sentence) pairs, the shape a hand-worked answer is written in."""
    return [(o.on.isoformat(), o.sentence) for o in outcomes(table, today) if o.kind is kind]


def kinds_on(table: str, today: str = "2026-03-31") -> list[tuple[str, str]]:
    """Every outcome as (day, kind): the course at a glance."""
    return [(o.on.isoformat(), o.kind.value) for o in outcomes(table, today)]
