"""The guards a sync would trip, judged on `check`'s samples: the thresholds of the authority's
`guards:` block applied to the sampled shares, named as a sync names them.

A share is judged once the stream gave a full sample (it holds at least that many records) or the
guard's `min_records`, so a check never fails what a sync of a small stream would publish.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from config.authority import Guards
from mapping.checks import PRACTICE_RECORDS
from mapping.outcomes import Mapped, NotPracticeEvidence, Quarantined
from sync.run.guards import Trip, share_of
from sync.run.sample_join import CasesFound, SampledRecord


@dataclass(frozen=True)
class StreamSample:
    """One stream's sample as a sync would map it."""

    records: Sequence[SampledRecord]
    rejected: int = 0
    """Records the connector could not read: a sync quarantines them."""
    full: bool = False
    """The sample is as large as asked: the stream holds at least that many records."""

    @property
    def candidates(self) -> int:
        """Records that are practice evidence or a case, mapped or not: what the quarantine share is of."""
        return self.rejected + sum(not isinstance(r.outcomes[0], NotPracticeEvidence) for r in self.records)

    @property
    def quarantined(self) -> int:
        return self.rejected + sum(isinstance(r.outcomes[0], Quarantined) for r in self.records)

    def mapped(self) -> list[Mapped]:
        return [o for r in self.records for o in r.outcomes if isinstance(o, Mapped)]


@dataclass(frozen=True)
class SampleJudgement:
    trips: list[Trip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What could not be tried on the sample, named so it is tried another way."""
    orphans: dict[str, object] = field(default_factory=dict)
    """How many sampled practice evidence records name a case not found, and where cases were read."""


def judge_sample(samples: Mapping[str, StreamSample], found: CasesFound, guards: Guards) -> SampleJudgement:
    """Every guard a sync of these samples would trip, in the order a sync names them."""
    judgement = SampleJudgement()
    for stream, sample in sorted(samples.items()):
        candidates = sample.candidates
        if _judged(sample, candidates, guards) and sample.quarantined > guards.quarantine * candidates:
            judgement.trips.append(
                Trip(
                    "quarantine",
                    f"{share_of(sample.quarantined, candidates)} sampled {stream} records could not be "
                    f"mapped, more than the quarantine guard of {guards.quarantine:.0%}; the reasons are "
                    "below (often a column the mapping names that the source does not return)",
                )
            )
    for stream, sample in sorted(samples.items()):
        keys, conflicting = _keys(stream, sample.mapped())
        if _judged(sample, keys, guards) and conflicting > guards.duplicates * keys:
            judgement.trips.append(
                Trip(
                    "duplicates",
                    f"{share_of(conflicting, keys)} sampled {stream} keys came more than once with "
                    f"different content, more than the duplicates guard of {guards.duplicates:.0%}; check "
                    f"that the {stream} mapping's key names one record (a case reference, a form id)",
                )
            )
    practice = [samples[name] for name in PRACTICE_RECORDS if name in samples]
    if practice:
        # Evidence, audits and episodes are weighed together, as a sync's orphans guard weighs them.
        together = StreamSample(
            [r for sample in practice for r in sample.records],
            sum(sample.rejected for sample in practice),
            all(sample.full for sample in practice),
        )
        _judge_orphans(judgement, together, found, guards)
    return judgement


def _judged(sample: StreamSample, whole: int, guards: Guards) -> bool:
    return whole > 0 and (sample.full or whole >= guards.min_records)


def _keys(stream: str, mapped: Sequence[Mapped]) -> tuple[int, int]:
    """Distinct keys among the mapped rows, and how many of them came with different content."""
    contents: dict[str, set[str]] = {}
    for outcome in mapped:
        record = outcome.record
        key = record.case_ref if stream == "cases" else getattr(record, "source_id", outcome.source_id)
        contents.setdefault(key, set()).add(outcome.content_hash)
    return len(contents), sum(len(hashes) > 1 for hashes in contents.values())


def _judge_orphans(
    judgement: SampleJudgement, evidence: StreamSample, found: CasesFound, guards: Guards
) -> None:
    rows = {getattr(o.record, "source_id", o.source_id): o.record.case_ref for o in evidence.mapped()}
    orphaned = sum(case_ref not in found.held for case_ref in rows.values())
    judgement.orphans.update(practice_evidence=len(rows), orphaned=orphaned, cases_read=found.read)
    if found.failure is not None:
        judgement.notes.append(
            f"orphans guard could not be tried: the cases could not be read: {found.failure}"
        )
        return
    if not _judged(evidence, len(rows), guards) or orphaned <= guards.orphans * len(rows):
        return
    said = (
        f"{share_of(orphaned, len(rows))} sampled practice evidence records name a case not found in "
        f"{found.read}"
    )
    if found.complete:
        judgement.trips.append(
            Trip(
                "orphans",
                f"{said}, more than the orphans guard of {guards.orphans:.0%}; check that the cases and "
                "evidence mappings take case_ref from columns holding the same reference",
            )
        )
    else:
        judgement.notes.append(
            f"orphans guard could not be tried: {said}, and the cases stream has no case filter to ask "
            "for them; a first sync's orphaned count is its test (or configure the stream's case filter)"
        )
