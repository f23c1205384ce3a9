"""The guards a staged run must pass before it is published: pure judgements of measured numbers.

Each guard names what it saw in words an operator can act on, and never a record's values. A
run past any guard is refused: nothing it read reaches what dashboards show until an admin
accepts it or a later run publishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.authority import Guards
from mapping.checks import PRACTICE_RECORDS
from store.write.publish import Measures, StreamMeasure

_NONE = StreamMeasure()


@dataclass(frozen=True)
class StreamRead:
    """What one stream's read met, besides the rows it staged."""

    read: int
    quarantined: int
    not_evidence: int
    superseded: int


@dataclass(frozen=True)
class Trip:
    """A guard the staged run did not pass."""

    guard: str
    message: str


def share_of(part: int, whole: int) -> str:
    """A part of a whole as guards say it: "3 of 20 (15%)"."""
    return f"{part:,} of {whole:,} ({part / whole:.0%})" if whole else f"{part:,}"


def judge(
    measures: Measures,
    reads: Mapping[str, StreamRead],
    guards: Guards,
    *,
    deletion_guard: float,
    allow_deletions: bool,
) -> list[Trip]:
    """Every guard the staged whole trips, in the order an operator should look at them."""
    trips: list[Trip] = []
    for stream, read in sorted(reads.items()):
        candidates = read.read - read.not_evidence - read.superseded
        if candidates >= guards.min_records and read.quarantined > guards.quarantine * candidates:
            trips.append(
                Trip(
                    "quarantine",
                    f"{share_of(read.quarantined, candidates)} {stream} records could not be mapped, more "
                    f"than the quarantine guard of {guards.quarantine:.0%}; see `sofs-sync quarantine` for "
                    "the reasons (often a column the mapping names that the source does not return)",
                )
            )
    for stream, measure in sorted(measures.streams.items()):
        if measure.keys >= guards.min_records and measure.conflicting > guards.duplicates * measure.keys:
            trips.append(
                Trip(
                    "duplicates",
                    f"{share_of(measure.conflicting, measure.keys)} {stream} keys came more than once with "
                    f"different content, more than the duplicates guard of {guards.duplicates:.0%}; check "
                    f"that the {stream} mapping's key names one record (a case reference, a form id)",
                )
            )
    practice = [measures.streams[s] for s in PRACTICE_RECORDS if s in measures.streams]
    keys = sum(m.keys for m in practice)
    orphaned = sum(m.orphaned for m in practice)
    if practice and keys >= guards.min_records and orphaned > guards.orphans * keys:
        # Evidence, audits and episodes are weighed together: practice records naming unknown cases.
        kinds = [s for s in PRACTICE_RECORDS if measures.streams.get(s, _NONE).keys]
        what = "practice evidence" if kinds in ([], ["evidence"]) else "practice (" + ", ".join(kinds) + ")"
        trips.append(
            Trip(
                "orphans",
                f"{share_of(orphaned, keys)} {what} records name a case the "
                f"store does not have, more than the orphans guard of {guards.orphans:.0%}; check that the "
                f"cases and {' and '.join(kinds or ['evidence'])} mappings take case_ref from matching "
                "columns (see `sofs-sync check`)",
            )
        )
    vanished = sum(m.vanished for m in measures.streams.values())
    live = sum(m.authority_live for m in measures.streams.values())
    if vanished > deletion_guard * live and not allow_deletions:
        trips.append(
            Trip(
                "deletions",
                f"this resync would mark {share_of(vanished, live)} live records deleted, more than its "
                f"deletion guard of {deletion_guard:.0%}. Check the connector settings first (a page key, a "
                "filter, a query); if the source really no longer has them, resync again with "
                "--allow-deletions",
            )
        )
    return trips
