"""How well a mapping covers a sample of source records, for `sofs-sync check`.

Ops staff writing a mapping need to see which source types (form templates, step types, form
designs) reach which element, which reach none, and why records would be quarantined.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mapping.identifiers import WORKER_NAME_REASON
from mapping.mapper import CompiledMapping, CompiledStream
from mapping.outcomes import Mapped, NotPracticeEvidence, OutcomeCounts, Quarantined
from mapping.rules import NoElement
from mapping.schema import is_unlisted_team
from mapping.values import RuleFailure

MAX_REASONS = 5
_QUOTED = re.compile(r"'[^']*'")


@dataclass(frozen=True)
class SourceTypeCoverage:
    """One source type value and the element it maps to; `element` None means no element."""

    source_type: str | None
    element: str | None
    records: int
    quarantined: int = 0


@dataclass(frozen=True)
class StreamCoverage:
    stream: str
    counts: OutcomeCounts
    source_types: list[SourceTypeCoverage] = field(default_factory=list)
    """Empty for streams with no element rule (cases)."""
    quarantine_reasons: list[str] = field(default_factory=list)
    """A few examples, one per kind of reason (reasons differing only in quoted values are one kind)."""
    unlisted_teams: int = 0
    """Cases whose team code the source's team list lacks (shown as '(team not in the team list)')."""
    worker_names: int = 0
    """Records refused because their worker value looks like a person's name."""


@dataclass(frozen=True)
class CoverageReport:
    authority: str
    streams: list[StreamCoverage]
    unreached_elements: list[str] = field(default_factory=list)
    """Catalogue elements no rule of the mapping gives: they can never be evidenced."""
    unmapped_streams: list[str] = field(default_factory=list)
    """Streams the connector offers that the mapping does not map: read by nothing."""


def coverage(mapping: CompiledMapping, samples: Mapping[str, Sequence[Mapping[str, Any]]]) -> CoverageReport:
    """Map the sample records of each mapped stream and summarise; `dataclasses.asdict` makes it JSON.

    Samples of streams the mapping does not map are named, not mapped: nothing would sync them.
    """
    return CoverageReport(
        mapping.authority,
        [
            _stream_coverage(mapping.stream(name), records)
            for name, records in samples.items()
            if name in mapping.streams
        ],
        unreached_elements=[
            e
            for e in mapping.catalogue
            if mapping.reachable_elements is not None and e not in mapping.reachable_elements
        ],
        unmapped_streams=sorted(name for name in samples if name not in mapping.streams),
    )


def _stream_coverage(stream: CompiledStream, rows: Sequence[Mapping[str, Any]]) -> StreamCoverage:
    outcomes = []
    firsts = []
    seen: dict[tuple[str | None, str | None], list[int]] = {}
    for record, source_rows in stream.source_records(rows):
        mapped = stream.map_record(record, source_rows)
        outcomes.extend(mapped)
        firsts.append(mapped[0])
        if stream.element is None:
            continue
        tally = seen.setdefault((stream.source_type(record), _element_of(stream, record, mapped)), [0, 0])
        tally[0] += 1
        tally[1] += isinstance(mapped[0], Quarantined)
    types = [SourceTypeCoverage(t, e, n, q) for (t, e), (n, q) in seen.items()]
    types.sort(key=lambda c: (-c.records, c.source_type or ""))
    unlisted = sum(
        isinstance(o, Mapped) and is_unlisted_team(getattr(o.record, "team", None)) for o in outcomes
    )
    names = sum(isinstance(o, Quarantined) and WORKER_NAME_REASON in o.reason for o in outcomes)
    # Counted by source record: a form evidencing two elements is one sampled record, not two.
    return StreamCoverage(
        stream.name, OutcomeCounts.of(firsts), types, _sample_reasons(outcomes), unlisted, names
    )


def _element_of(stream: CompiledStream, record: Mapping[str, Any], outcomes: Sequence[object]) -> str | None:
    """The element (or elements, joined) a source record reaches."""
    if all(isinstance(o, Mapped) for o in outcomes):
        return ", ".join(getattr(o.record, "element", "") for o in outcomes if isinstance(o, Mapped))
    if any(isinstance(o, NotPracticeEvidence) for o in outcomes) or stream.element is None:
        return None
    # Quarantined: the element can still be known even if, say, a date did not parse.
    try:
        value = stream.element.evaluate(record)
    except (RuleFailure, NoElement):
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value if isinstance(value, str) else None


def _sample_reasons(outcomes: Sequence[object]) -> list[str]:
    kinds: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for outcome in outcomes:
        if isinstance(outcome, Quarantined):
            for reason in outcome.reason.split("; "):
                kind = _QUOTED.sub("'…'", reason)
                kinds[kind] += 1
                examples.setdefault(kind, reason)
    return [examples[kind] for kind, _ in kinds.most_common(MAX_REASONS)]
