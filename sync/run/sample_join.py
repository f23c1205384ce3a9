"""The cases `check`'s sampled practice evidence names, read from the source as a sync would find them.

A sample of cases and a sample of evidence taken independently rarely name the same child in a
real source, so `check` takes the cases for the sampled evidence instead: by case reference where
the cases stream has a case filter, else from a longer read of the cases stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connectors.base import Connector, Record
from connectors.errors import ConnectorError
from mapping.mapper import CompiledMapping, CompiledStream
from mapping.outcomes import Mapped, RecordOutcome

CASES_READ_LIMIT = 5_000
"""Cases records read, at most, looking for the sampled evidence's cases where none can be asked for."""


@dataclass(frozen=True)
class SampledRecord:
    """One source record of a sample, its outcomes, and the case reference it names as the source
    holds it (before any pseudonym): what a connector's case filter is asked for."""

    outcomes: list[RecordOutcome]
    source_case_ref: str | None = None


@dataclass(frozen=True)
class CasesFound:
    """The case references (as stored) of the cases records that map, and how they were looked for."""

    held: frozenset[str]
    read: str
    """Where they were looked for, in words: "the cases stream read by case reference"."""
    complete: bool
    """Every case the evidence names was looked for where a sync would find it."""
    failure: str | None = None
    """Why the cases could not be read, when they could not."""


def sampled_records(stream: CompiledStream, rows: Sequence[Record]) -> list[SampledRecord]:
    """The sample's source records (gathered forms count once) with their outcomes."""
    case_ref = dict(stream.readers).get("case_ref")
    sampled = []
    for record, source_rows in stream.source_records(rows):
        outcomes = stream.map_record(record, source_rows)
        source_ref = None
        if case_ref is not None and isinstance(outcomes[0], Mapped):
            value = case_ref(record)
            source_ref = None if value is None else str(value)
        sampled.append(SampledRecord(outcomes, source_ref))
    return sampled


def mapped_case_refs(compiled: CompiledMapping, rows: Iterable[Record]) -> set[str]:
    """The stored case references of the cases records that map (a quarantined case is not held)."""
    return {o.record.case_ref for o in compiled.map_batch("cases", list(rows)) if isinstance(o, Mapped)}


def cases_for(
    connector: Connector,
    compiled: CompiledMapping,
    evidence: Sequence[SampledRecord],
    cases_sample: Sequence[Record],
    *,
    limit: int = CASES_READ_LIMIT,
) -> CasesFound:
    """The cases the sampled practice evidence names, read without moving any stream position."""
    held = mapped_case_refs(compiled, cases_sample)
    wanted = {o.record.case_ref for r in evidence for o in r.outcomes if isinstance(o, Mapped)}
    asked = sorted({r.source_case_ref for r in evidence if r.source_case_ref is not None})
    if wanted <= held:
        return CasesFound(frozenset(held), "the cases sample", complete=True)
    try:
        if connector.supports_case_filter("cases"):
            for ref in asked:
                for batch in connector.read_case("cases", ref):
                    held |= mapped_case_refs(compiled, batch.records)
            return CasesFound(frozenset(held), "the cases stream read by case reference", complete=True)
        read = 0
        for batch in connector.read("cases", None):
            read += len(batch.records)
            held |= mapped_case_refs(compiled, batch.records)
            if wanted <= held:
                return CasesFound(frozenset(held), f"the first {read:,} cases records", complete=True)
            if read >= limit:
                return CasesFound(frozenset(held), f"the first {read:,} cases records", complete=False)
        return CasesFound(frozenset(held), f"the whole cases stream ({read:,} records)", complete=True)
    except ConnectorError as exc:
        return CasesFound(frozenset(held), "the cases sample", complete=False, failure=str(exc))
