"""Westvale's Children in Need census returns: this year's, with each child's current referral, and
the returns of earlier years, which hold the children's earlier referrals and CP plans.

A census return lists the referrals open at some time in its collection year (1 April to 31 March).
The demo files each earlier referral in the return of the year it closed in, and no later than last
year's: the current return then holds one referral per child, its cases stream supersedes nothing,
and the episodes stream reads every return, earlier years' too, as the children's history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from xml.sax.saxutils import escape  # nosec B406  # escapes text it writes; parses nothing

from demo.measures import Episode, Measures
from demo.population import Caseload, DemoCase

ChildId = Callable[[DemoCase], str]
EARLIER_FOLDER = "earlier"
"""Earlier years' returns sit in a folder of their own beside this year's."""


def collection_year(day: date) -> int:
    """The census year a day falls in, named by the year it ends (1 April 2025 to 31 March 2026 is 2026)."""
    return day.year + 1 if day.month >= 4 else day.year


def census_xml(caseload: Caseload, measures: Measures, child_id: ChildId) -> str:
    """This year's return: one Child per case with its current referral and CP plan, and two flawed
    children (an identifier lost in the extract, a closure before the referral)."""
    current = _by_case(e for e in measures.episodes if e.started_on >= e.case.opened_on)
    children = [_child(child_id(case), case, current.get(case.number, ())) for case in caseload.cases]
    if caseload.cases:
        children.append(_child(None, caseload.cases[0]))
        last = caseload.cases[-1]
        inverted = DemoCase(
            number=len(caseload.cases) + 1,
            team=None,
            worker=last.worker,
            case_type="cin",
            opened_on=caseload.as_of - timedelta(days=30),
            closed_on=caseload.as_of - timedelta(days=45),
            cp_plan_start=None,
            updated_at=last.updated_at,
        )
        children.append(_child(child_id(inverted), inverted))
    return _return(caseload.as_of, children)


def earlier_returns(caseload: Caseload, measures: Measures, child_id: ChildId) -> dict[int, str]:
    """Earlier years' returns by census year, each with the referrals (and their plans) filed in it."""
    this_year = collection_year(caseload.as_of)
    filed: dict[int, list[Episode]] = {}
    spell_year: dict[tuple[int, int], int] = {}
    for episode in measures.episodes:
        if episode.started_on >= episode.case.opened_on:
            continue
        if episode.kind == "referral":
            closed = episode.ended_on or episode.started_on
            spell_year[episode.case.number, episode.number] = min(collection_year(closed), this_year - 1)
            year = spell_year[episode.case.number, episode.number]
        else:  # a plan goes with the referral before it
            year = spell_year[episode.case.number, episode.number - 1]
        filed.setdefault(year, []).append(episode)
    cases = {case.number: case for case in caseload.cases}
    returns = {}
    for year, episodes in sorted(filed.items()):
        by_case = _by_case(episodes)
        children = [_child(child_id(cases[n]), cases[n], course) for n, course in sorted(by_case.items())]
        returns[year] = _return(date(year, 3, 31), children)
    return returns


def _by_case(episodes: Iterable[Episode]) -> dict[int, list[Episode]]:
    course: dict[int, list[Episode]] = {}
    for episode in episodes:
        course.setdefault(episode.case.number, []).append(episode)
    return course


def _return(reference: date, children: list[str]) -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<Message>",
        "  <Header>",
        "    <CollectionDetails><Collection>CIN</Collection>"
        f"<Year>{reference.year}</Year><ReferenceDate>{reference.isoformat()}</ReferenceDate>"
        "</CollectionDetails>",
        "    <Source><SourceLevel>L</SourceLevel><LEA>990</LEA><SoftwareCode>Demo</SoftwareCode>"
        "<Release>1</Release><SerialNo>001</SerialNo>"
        f"<DateTime>{reference.isoformat()}T02:00:00</DateTime></Source>",
        "  </Header>",
        "  <Children>",
        *children,
        "  </Children>",
        "</Message>",
        "",
    ]
    return "\n".join(lines)


def _child(la_child_id: str | None, case: DemoCase, course: Sequence[Episode] = ()) -> str:
    """The child with one CINdetails per referral, earlier ones first, each with its CP plans."""
    referrals: list[tuple[Episode, list[Episode]]] = []
    for episode in course:
        if episode.kind == "referral":
            referrals.append((episode, []))
        elif episode.kind == "cp_plan" and referrals:
            referrals[-1][1].append(episode)
    if not referrals:  # the flawed children: the case as it stands, no history
        current = Episode(
            case, "referral", 0, case.opened_on, case.closed_on, "RC8" if case.closed_on else None
        )
        plan = (
            Episode(case, "cp_plan", 1, case.cp_plan_start, case.closed_on, None, 0)
            if case.cp_plan_start
            else None
        )
        referrals.append((current, [plan] if plan else []))
    return (
        "    <Child><ChildIdentifiers>"
        + _tag("LAchildID", la_child_id)
        + _tag("Sex", 1 + case.number % 2)
        + "</ChildIdentifiers>"
        + "".join(_details(case, referral, plans) for referral, plans in referrals)
        + "</Child>"
    )


def _tag(name: str, value: object) -> str:
    return "" if value is None else f"<{name}>{escape(str(value))}</{name}>"


def _details(case: DemoCase, referral: Episode, plans: list[Episode]) -> str:
    start = referral.started_on
    details = [
        _tag("CINreferralDate", start.isoformat()),
        _tag("ReferralSource", ("1A", "1B", "2A", "3A", "5A")[case.number % 5]),
        _tag("PrimaryNeedCode", ("N1", "N2", "N3", "N4")[case.number % 4]),
        _tag("CINclosureDate", referral.ended_on.isoformat() if referral.ended_on else None),
        _tag("ReasonForClosure", referral.end_reason),
        "<Assessments>"
        + _tag("AssessmentActualStartDate", (start + timedelta(days=1)).isoformat())
        + _tag("AssessmentAuthorisationDate", (start + timedelta(days=20)).isoformat())
        + "<FactorsIdentifiedAtAssessment><AssessmentFactors>"
        + ("1C", "2A", "3A", "4B")[case.number % 4]
        + "</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>",
    ]
    for plan in plans:
        details.append(
            "<Section47>"
            + _tag("S47ActualStartDate", (start + timedelta(days=2)).isoformat())
            + _tag("DateOfInitialCPC", plan.started_on.isoformat())
            + _tag("ICPCnotRequired", "false")
            + "</Section47>"
        )
        details.append(
            "<ChildProtectionPlans>"
            + _tag("CPPstartDate", plan.started_on.isoformat())
            + _tag("CPPendDate", plan.ended_on.isoformat() if plan.ended_on else None)
            + _tag("InitialCategoryOfAbuse", ("NEG", "EMO", "PHY")[case.number % 3])
            + _tag("LatestCategoryOfAbuse", ("NEG", "EMO", "PHY")[case.number % 3])
            + _tag("NumberOfPreviousCPP", plan.previous_cp_plans)
            + "</ChildProtectionPlans>"
        )
    if not plans:
        plan_start = _tag("CINPlanStartDate", (start + timedelta(days=25)).isoformat())
        details.append(f"<CINPlanDates>{plan_start}</CINPlanDates>")
    return "<CINdetails>" + "".join(details) + "</CINdetails>"
