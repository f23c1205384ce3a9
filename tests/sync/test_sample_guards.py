"""Judging `check`'s samples with a sync's guards: the same thresholds, the same names, and never a
failure the sample cannot stand behind."""

from __future__ import annotations

from pathlib import Path

from config.authority import Guards
from config.loader import load_config
from mapping.identifiers import IdentifierPolicy
from mapping.outcomes import Mapped
from sync.run.compile import compile_for
from sync.run.runner import build_connector
from sync.run.sample_guards import StreamSample, judge_sample
from sync.run.sample_join import CasesFound, cases_for, sampled_records
from tests.mapping.builders import KEY, an_evidence_row, compiled
from tests.sources import loopback_api, rest_authority_yaml, synthetic
from tests.sync.test_never_green import write_config

EVERY_CASE = CasesFound(frozenset({"C1", "C2"}), "the cases stream read by case reference", complete=True)


def evidence_sample(rows: list[dict[str, object]], *, full: bool) -> StreamSample:
    return StreamSample(sampled_records(compiled().stream("evidence"), rows), full=full)


def test_a_small_stream_read_whole_is_judged_as_a_sync_judges_it_not_at_all_below_min_records() -> None:
    unmappable = [an_evidence_row(ID=f"F{n}", ON="31/02/2024") for n in range(5)]

    small = judge_sample({"evidence": evidence_sample(unmappable, full=False)}, EVERY_CASE, Guards())
    sampled = judge_sample({"evidence": evidence_sample(unmappable, full=True)}, EVERY_CASE, Guards())

    assert small.trips == []
    [trip] = sampled.trips
    assert trip.guard == "quarantine"
    assert trip.message.startswith("5 of 5 (100%) sampled evidence records could not be mapped")


def test_the_authority_s_own_thresholds_decide() -> None:
    rows = [an_evidence_row(ID=f"F{n}", CHILD="C1" if n < 6 else "C9") for n in range(10)]
    sample = {"evidence": evidence_sample(rows, full=True)}

    default = judge_sample(sample, EVERY_CASE, Guards())
    strict = judge_sample(sample, EVERY_CASE, Guards(orphans=0.2))

    assert default.trips == []
    assert default.orphans == {
        "practice_evidence": 10,
        "orphaned": 4,
        "cases_read": "the cases stream read by case reference",
    }
    [trip] = strict.trips
    assert trip.guard == "orphans"
    assert "4 of 10 (40%) sampled practice evidence records" in trip.message
    assert "more than the orphans guard of 20%" in trip.message


def test_orphans_that_a_longer_read_could_still_find_are_a_note_never_a_failure() -> None:
    rows = [an_evidence_row(ID=f"F{n}", CHILD="C9") for n in range(20)]
    partly = CasesFound(frozenset({"C1"}), "the first 5,000 cases records", complete=False)

    judgement = judge_sample({"evidence": evidence_sample(rows, full=True)}, partly, Guards())

    assert judgement.trips == []
    [note] = judgement.notes
    assert note.startswith("orphans guard could not be tried: 20 of 20 (100%) sampled practice evidence")


def test_one_key_sampled_twice_with_different_content_trips_the_duplicates_guard() -> None:
    rows = [an_evidence_row(ID=f"F{n}", CHILD="C1") for n in range(9)]
    rows += [an_evidence_row(ID="F1", CHILD="C1", ON="2024-04-01")]

    [trip] = judge_sample({"evidence": evidence_sample(rows, full=True)}, EVERY_CASE, Guards()).trips

    assert trip.guard == "duplicates"
    assert trip.message.startswith("1 of 9 (11%) sampled evidence keys came more than once")


def test_a_pseudonymising_authority_asks_its_source_for_the_case_by_the_source_s_own_reference() -> None:
    policy = IdentifierPolicy(case_ref="pseudonymise", worker="keep", key_env="UNUSED")
    stream = compiled(identifiers=policy, key=KEY).stream("evidence")

    [record] = sampled_records(stream, [an_evidence_row(CHILD="C1")])

    [outcome] = record.outcomes
    assert isinstance(outcome, Mapped)
    assert record.source_case_ref == "C1"
    assert outcome.record.case_ref != "C1"  # the store's pseudonym is what the cases are matched by


def test_without_a_case_filter_a_read_stopped_at_its_limit_is_not_complete(tmp_path: Path) -> None:
    cases, forms = synthetic(cases=60, forms_per_case=1)
    authority = rest_authority_yaml("la", "{url}", page_size=10).replace(
        "      case_filter: {param: case_id}\n", ""
    )
    with loopback_api(cases, forms) as url:
        settings = write_config(tmp_path / "config", "la", authority.replace("{url}", url))
        la = load_config(settings).authority("la")
        mapping = compile_for(la, load_config(settings).settings.element_keys)
        evidence = sampled_records(mapping.stream("evidence"), forms[-5:])  # the last cases' forms
        with build_connector(la) as connector:
            stopped = cases_for(connector, mapping, evidence, [], limit=10)
            whole = cases_for(connector, mapping, evidence, [], limit=1_000)

    assert (stopped.complete, stopped.read) == (False, "the first 10 cases records")
    assert whole.complete
    assert {
        r.outcomes[0].record.case_ref for r in evidence if isinstance(r.outcomes[0], Mapped)
    } <= whole.held
