"""The outcome rules agree with an independent reading of CIN census files.

The reading here is deliberately separate from the project's: xml.etree over the file, and the
issue's definitions applied by hand-written logic, child by child. The public samples hold one
child with a plan (`NumberOfPreviousCPP` 10) and none with a second referral, too few to exercise
the rules, so `CIN_Census_course.xml` adds hand-worked children in the same schema.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.formats import CinCensusFormat
from mapping.course import OutcomeKind, case_outcomes
from mapping.schema import CaseEpisode, EpisodeKind

CENSUS = Path(__file__).parents[1] / "fixtures" / "cin-census"
FILES = ["CIN_Census_2021.xml", "CIN_Census_2024.xml", "CIN_Census_2026.xml", "CIN_Census_course.xml"]
AFTER_EVERY_DATE = date(2030, 1, 1)
COMPARED = (OutcomeKind.RE_REFERRED, OutcomeKind.REPEAT_CP_PLAN, OutcomeKind.STEPPED_DOWN)

Found = set[tuple[str, str, date]]
"""(LAchildID, outcome kind, day)"""


@dataclass(frozen=True)
class Referral:
    start: date
    end: date | None
    reason: str | None


@dataclass(frozen=True)
class Plan:
    start: date
    end: date | None
    previous: int


@dataclass
class Child:
    referrals: list[Referral]
    plans: list[Plan]


def read_census(path: Path) -> tuple[str | None, dict[str, Child]]:
    """Each child's CINdetails and CP plans, read with xml.etree; namespaced or not."""
    root = ET.parse(path).getroot()
    lea = _text(root, "{*}Header/{*}Source/{*}LEA")
    children = {}
    for child in root.iterfind("{*}Children/{*}Child"):
        referrals, plans = [], []
        for details in child.iterfind("{*}CINdetails"):
            start = _day(details, "{*}CINreferralDate")
            assert start is not None
            referrals.append(
                Referral(start, _day(details, "{*}CINclosureDate"), _text(details, "{*}ReasonForClosure"))
            )
            for plan in details.iterfind("{*}ChildProtectionPlans"):
                begun = _day(plan, "{*}CPPstartDate")
                assert begun is not None
                plans.append(
                    Plan(begun, _day(plan, "{*}CPPendDate"), int(_text(plan, "{*}NumberOfPreviousCPP") or 0))
                )
        child_id = _text(child, "{*}ChildIdentifiers/{*}LAchildID")
        assert child_id is not None
        children[child_id] = Child(referrals, plans)
    return lea, children


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    return None if found is None or not (found.text or "").strip() else (found.text or "").strip()


def _day(element: ET.Element, path: str) -> date | None:
    text = _text(element, path)
    return None if text is None else date.fromisoformat(text)


def a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def by_hand(children: Mapping[str, Child]) -> Found:
    """The issue's definitions, applied to each child as a reader of the census would."""
    found: Found = set()
    for child_id, child in children.items():
        for referral in child.referrals:
            closures = [r.end for r in child.referrals if r.end is not None and r.end < referral.start]
            still_open = [
                r
                for r in child.referrals
                if r.start < referral.start and (r.end is None or r.end >= referral.start)
            ]
            if closures and not still_open and referral.start <= a_year_after(max(closures)):
                found.add((child_id, "re_referred", referral.start))
        for plan in child.plans:
            if plan.previous >= 1 or any(other.start < plan.start for other in child.plans):
                found.add((child_id, "repeat_cp_plan", plan.start))
            if plan.end is not None and any(
                r.start <= plan.end and (r.end is None or r.end > plan.end) for r in child.referrals
            ):
                found.add((child_id, "stepped_down", plan.end))
    return found


def flat_records(lea: str | None, children: Mapping[str, Child]) -> list[dict[str, Any]]:
    """The records of the census format with `records: episodes`, in the shape it is to give them."""
    records: list[dict[str, Any]] = []
    for child_id, child in children.items():
        for r in child.referrals:
            records.append({
                "LAchildID": child_id, "LEA": lea, "episode_kind": "referral",
                "episode_id": f"{child_id}|ref|{r.start}", "start": str(r.start),
                "end": None if r.end is None else str(r.end), "end_reason": r.reason,
            })  # fmt: skip
        for p in child.plans:
            records.append({
                "LAchildID": child_id, "LEA": lea, "episode_kind": "cp_plan",
                "episode_id": f"{child_id}|cpp|{p.start}", "start": str(p.start),
                "end": None if p.end is None else str(p.end), "NumberOfPreviousCPP": str(p.previous),
            })  # fmt: skip
    return records


def episodes_from(records: Iterable[Mapping[str, Any]]) -> dict[str, list[CaseEpisode]]:
    """What an authority's `mapping: episodes:` makes of the flat records, child by child."""
    episodes: dict[str, list[CaseEpisode]] = defaultdict(list)
    for record in records:
        previous = record.get("NumberOfPreviousCPP")
        episodes[str(record["LAchildID"])].append(
            CaseEpisode(
                authority="la201",
                source_id=str(record["episode_id"]),
                case_ref=str(record["LAchildID"]),
                kind=EpisodeKind(record["episode_kind"]),
                started_on=date.fromisoformat(str(record["start"])),
                ended_on=date.fromisoformat(str(record["end"])) if record.get("end") else None,
                end_reason=record.get("end_reason"),
                previous_cp_plans=None if previous in (None, "") else int(previous),
            )
        )
    return episodes


def by_the_rules(episodes: Mapping[str, list[CaseEpisode]]) -> Found:
    return {
        (child_id, outcome.kind.value, outcome.on)
        for child_id, course in episodes.items()
        for outcome in case_outcomes(course, AFTER_EVERY_DATE)
        if outcome.kind in COMPARED
    }


def test_the_hand_worked_census_children_read_as_worked() -> None:
    _, children = read_census(CENSUS / "CIN_Census_course.xml")
    day = date.fromisoformat
    assert by_hand(children) == {
        ("DfEX0000101", "re_referred", day("2024-04-14")),  # a day inside 12 months of 15 April 2023
        ("DfEX0000103", "re_referred", day("2022-09-12")),
        ("DfEX0000103", "re_referred", day("2024-02-01")),
        ("DfEX0000103", "repeat_cp_plan", day("2022-10-03")),
        ("DfEX0000103", "repeat_cp_plan", day("2024-02-20")),  # the third plan; the census says 2 before
        ("DfEX0000103", "stepped_down", day("2023-06-30")),
        ("DfEX0000104", "stepped_down", day("2023-12-04")),
        ("DfEX0000106", "repeat_cp_plan", day("2024-07-01")),  # only the census knows the earlier plans
        ("DfEX0000107", "re_referred", day("2025-02-28")),  # 12 months from 29 February 2024
    }
    # DfEX0000102 (a day past 12 months) and DfEX0000105 (plan and episode closed together) have none.


@pytest.mark.parametrize("name", FILES)
def test_the_rules_give_what_an_independent_reading_of_the_census_gives(name: str) -> None:
    lea, children = read_census(CENSUS / name)
    expected = by_hand(children)
    assert expected, f"{name} exercises no rule"
    assert by_the_rules(episodes_from(flat_records(lea, children))) == expected


@pytest.mark.parametrize("name", FILES)
def test_the_census_format_read_as_episodes_gives_the_same_outcomes(name: str) -> None:
    census = CinCensusFormat.model_validate({"type": "cin_census", "records": "episodes"})
    path = CENSUS / name
    parsed = census.parse([path])
    assert parsed.rejected == []
    _, children = read_census(path)
    assert by_the_rules(episodes_from(parsed.records)) == by_hand(children)


def test_a_year_after_29_february_is_28_february() -> None:
    assert a_year_after(date(2024, 2, 29)) == date(2025, 2, 28)
    assert a_year_after(date(2023, 4, 15)) == date(2024, 4, 15)
