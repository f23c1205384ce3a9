"""A child's case from its latest episode, whatever order the return lists the episodes in; or, with
`records: episodes`, every episode as history.

Statutory returns (SSDA903, the CIN census) hold a row per episode, and a child's case is the state
of the latest one: taking whichever row came last made a child with an open plan listed before an
older closed one a closed case. The latest is the one that started last; on the same start date an
open episode (no end date) beats a closed one, then the later row. The others are superseded: read,
counted as such, never written.

Read as history, each episode is one flat record with the same keys whatever the return:
`episode_id`, `episode_kind`, `start`, `end`, `end_reason`, beside the return's own child reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from connectors.base import Record, Rejected
from mapping.outcomes import canonical_hash

RETURN_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
"""SSDA903 writes dates as DD/MM/YYYY, the CIN census as YYYY-MM-DD."""


RecordsOption = Literal["children", "episodes"]
RECORDS_FIELD: Any = Field(
    default="children",
    description=(
        "children: one record per child, from its latest episode (the cases stream); "
        "episodes: one record per episode, each kept as the case's history (the episodes stream)"
    ),
)


@dataclass
class LatestEpisodes:
    records: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    superseded: int = 0


def return_date(value: object) -> date | None:
    """A return's date, or None when the value is not one."""
    if not isinstance(value, str):
        return None
    for pattern in RETURN_DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def not_a_date(start: str, episode: Record) -> Rejected:
    """Why an episode is not read: its start cannot be placed among the child's other episodes."""
    return Rejected(
        f"an episode whose {start} is not a date: expected DD/MM/YYYY or YYYY-MM-DD",
        source_id=episode.get("episode_id"),
        raw_hash=canonical_hash(episode),
    )


def dated_history(episodes: Iterable[tuple[str, Record]]) -> LatestEpisodes:
    """Every episode whose start is a date, in the return's order; the others rejected, each naming
    the return's own field (given beside the record) that should have held the date."""
    result = LatestEpisodes()
    for start, episode in episodes:
        if return_date(episode.get("start")) is None:
            result.rejected.append(not_a_date(start, episode))
        else:
            result.records.append(episode)
    return result


def latest_episodes(episodes: Iterable[Record], *, child: str, start: str, end: str) -> LatestEpisodes:
    """One record per child, its latest episode; an episode whose start is not a date is rejected,
    since it cannot be placed among the others."""
    result = LatestEpisodes()
    chosen: dict[str, tuple[tuple[date, bool], Record]] = {}
    for episode in episodes:
        started = return_date(episode.get(start))
        if started is None:
            result.rejected.append(not_a_date(start, episode))
            continue
        rank = (started, not episode.get(end))
        held = chosen.get(episode[child])
        if held is not None:
            result.superseded += 1
            if rank < held[0]:
                continue
        chosen[episode[child]] = (rank, episode)
    result.records = [episode for _, episode in chosen.values()]
    return result
