"""The demo's audits and case histories: drawn from the seed beside the caseload, never changing it,
and holding every course the outcome rules read (re-referrals inside and outside twelve months,
repeat and long CP plans, step downs, entries to care)."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import date
from pathlib import Path

import pytest

from connectors.formats import CinCensusFormat
from demo import filedrop, liquidlogic, rest_records
from demo.measures import Episode, Measures, build_measures
from demo.population import Caseload, Profile, build_caseload

AS_OF = date(2026, 3, 2)
PROFILES = [liquidlogic.PROFILE, rest_records.PROFILE, filedrop.PROFILE]


def measured(profile: Profile, size: int = 200, seed: int = 7) -> tuple[Caseload, Measures]:
    caseload = build_caseload(profile, size, seed, AS_OF)
    return caseload, build_measures(profile, caseload, seed)


def by_case(measures: Measures) -> dict[int, list[Episode]]:
    course: dict[int, list[Episode]] = {}
    for episode in measures.episodes:
        course.setdefault(episode.case.number, []).append(episode)
    return course


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.code)
def test_the_measures_are_the_same_for_the_same_seed_and_leave_the_caseload_alone(profile: Profile) -> None:
    caseload, measures = measured(profile)

    assert measured(profile) == (caseload, measures)
    assert caseload == build_caseload(profile, 200, 7, AS_OF)
    assert measured(profile, seed=8)[1] != measures


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.code)
def test_earlier_episodes_end_before_the_current_referral_which_is_the_case_as_it_stands(
    profile: Profile,
) -> None:
    caseload, measures = measured(profile)

    for case in caseload.cases:
        course = by_case(measures)[case.number]
        current = [e for e in course if e.started_on >= case.opened_on]
        assert (current[0].kind, current[0].started_on, current[0].ended_on) == (
            "referral",
            case.opened_on,
            case.closed_on,
        )
        assert all(e.ended_on is not None and e.ended_on < case.opened_on for e in course if e not in current)
        assert all(e.ended_on is None or e.started_on <= e.ended_on for e in course)


def test_the_courses_hold_every_outcome_the_rules_read() -> None:
    _, measures = measured(liquidlogic.PROFILE)
    courses = by_case(measures).values()

    def gaps(course: list[Episode]) -> list[int]:
        referrals = [e for e in course if e.kind == "referral"]
        return [(b.started_on - a.ended_on).days for a, b in itertools.pairwise(referrals) if a.ended_on]

    all_gaps = [gap for course in courses for gap in gaps(course)]
    assert any(gap < 365 for gap in all_gaps)
    assert any(gap > 366 for gap in all_gaps)
    plans = [e for e in measures.episodes if e.kind == "cp_plan"]
    assert any(p.previous_cp_plans and p.previous_cp_plans >= 1 for p in plans)  # repeat plans
    assert any(p.ended_on and (p.ended_on - p.started_on).days >= 730 for p in plans)  # long plans
    referral_ends = {(e.case.number, e.ended_on) for e in measures.episodes if e.kind == "referral"}
    assert any(p.ended_on and (p.case.number, p.ended_on) not in referral_ends for p in plans)  # step downs
    assert any(e.kind == "looked_after" for e in measures.episodes)


def test_audits_fall_within_their_case_and_before_today() -> None:
    _, measures = measured(rest_records.PROFILE)

    assert measures.audits
    for audit in measures.audits:
        assert audit.case.opened_on < audit.audited_on < AS_OF
        assert audit.case.closed_on is None or audit.audited_on <= audit.case.closed_on
        assert {"practitioner", "team_manager"} <= set(audit.participants)
        assert 0 <= audit.quality <= 1


def test_westvales_census_returns_read_as_history_give_back_its_episodes(tmp_path: Path) -> None:
    caseload, measures = measured(filedrop.PROFILE, size=40)
    filedrop.build(tmp_path, caseload, measures)

    census = CinCensusFormat(type="cin_census", records="episodes")
    returns = [census.parse([path]) for path in sorted(tmp_path.glob(filedrop.HISTORY_GLOB))]

    expected = {
        (filedrop.child_id(e.case), e.kind, e.started_on.isoformat(), e.ended_on and e.ended_on.isoformat())
        for e in measures.episodes
    }
    records = [r for parsed in returns for r in parsed.records]
    read = {(r["LAchildID"], r["episode_kind"], r["start"], r["end"]) for r in records}
    assert expected <= read
    # Beside them only the child whose closure comes before its referral: the mapping quarantines
    # it; the child without an LAchildID is rejected as it reads.
    assert len(read - expected) == 1
    assert len(records) == len(read), "each episode is in one return only"
    assert [r.reason for parsed in returns for r in parsed.rejected] == ["a Child without LAchildID"]
    plans = {r["episode_id"]: r["NumberOfPreviousCPP"] for r in records if r["episode_kind"] == "cp_plan"}
    assert plans
    assert all(count is not None for count in plans.values())


def test_westvales_current_return_holds_each_childs_current_referral_and_earlier_years_the_rest(
    tmp_path: Path,
) -> None:
    caseload, measures = measured(filedrop.PROFILE, size=40)
    filedrop.build(tmp_path, caseload, measures)

    (current,) = tmp_path.glob(filedrop.CENSUS_GLOB)
    parsed = CinCensusFormat(type="cin_census").parse([current])
    earlier = sorted(p.name for p in tmp_path.glob("cin/earlier/*.xml"))

    assert parsed.superseded == 0  # the cases stream reads one referral per child
    assert {r["CINreferralDate"] for r in parsed.records} >= {c.opened_on.isoformat() for c in caseload.cases}
    # AS_OF is in the census year ending 31 March 2026: earlier referrals are filed in 2025 or before.
    assert earlier
    assert all(name[len("CIN_Census_") :][:4] <= "2025" for name in earlier)


def test_westvales_qa_spreadsheet_has_one_row_per_audit_and_one_off_the_scale(tmp_path: Path) -> None:
    caseload, measures = measured(filedrop.PROFILE, size=40)
    filedrop.build(tmp_path, caseload, measures)

    (sheet,) = tmp_path.glob("qa/*.csv")
    rows = list(csv.DictReader(sheet.open(encoding="utf-8", newline="")))

    assert len(rows) == len(measures.audits) + 1
    assert {r["Overall grade"] for r in rows} - {"Good", "Requires improvement", "Inadequate"} == {"Adequate"}
    assert all(r["Attendees"].startswith("Social worker; Team manager") for r in rows[:-1])


def test_eastbridges_api_serves_episodes_and_audits_scored_out_of_ten(tmp_path: Path) -> None:
    caseload, measures = measured(rest_records.PROFILE, size=40)
    rest_records.build(tmp_path, caseload, measures)

    served = rest_records.load(tmp_path)

    assert len(served["/api/v1/episodes"]) == len(measures.episodes)
    scores = [a["overall_score"] for a in served["/api/v1/case-audits"]]
    assert len(scores) == len(measures.audits) + 1
    assert [s for s in scores if not 0 <= s <= 10] == [12]  # the one the mapping must quarantine
    assert json.dumps(served).count("SOCIAL_WORKER") == len(scores)
