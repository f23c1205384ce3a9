"""Children in Need census XML: one flat record per child, from its latest CINdetails episode; or,
with `records: episodes`, one per referral (CINdetails) and one per child protection plan.

Read as a stream (iterparse from defusedxml: no DTDs, no entity expansion), so a large return never
sits in memory as a tree. Both the `GenderCurrent` (to 2023) and the `Sex` (2024 on) eras read the
same: the value is given as `Sex`. Of the child identifiers only LAchildID, sex and a date of death
are kept: UPNs and dates of birth never leave this module. Each `Child` is read as it is: a child
listed twice is two records, for the run's duplicate rule to resolve and count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError  # nosec B405  # types only; defusedxml parses

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from connectors.base import Record, Rejected
from connectors.formats.base import BadFile, FileFormat, Parsed, wrong_root
from connectors.formats.episodes import (
    RECORDS_FIELD,
    LatestEpisodes,
    RecordsOption,
    dated_history,
    latest_episodes,
)

# Child identifiers passed on, by source tag and the name they are given.
KEPT_IDENTIFIERS = {
    "LAchildID": "LAchildID",
    "Sex": "Sex",
    "GenderCurrent": "Sex",
    "PersonDeathDate": "PersonDeathDate",
}

# Modules that may repeat within one CINdetails: always lists, even with one entry or none.
REPEATING_MODULES = (
    "Assessments",
    "CINPlanDates",
    "Section47",
    "ChildProtectionPlans",
    "PreProceedingsandFGDM",
)

# Elements holding a list of one repeated code or date.
VALUE_LISTS = {"Disabilities", "FactorsIdentifiedAtAssessment", "Reviews"}

HEADER_KEPT = {"LEA", "ReferenceDate"}


class CinCensusFormat(FileFormat):
    type: Literal["cin_census"]
    records: RecordsOption = RECORDS_FIELD

    def parse(self, members: list[Path]) -> Parsed:
        path = members[0]
        records: list[Record] = []
        rejected: list[Rejected] = []
        superseded = 0
        header: dict[str, str | None] = {}
        open_elements: list[Element] = []
        try:
            for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
                if event == "start":
                    if not open_elements and _local(element.tag) != "Message":
                        raise wrong_root(path.name, _local(element.tag), "a CIN census")
                    open_elements.append(element)
                    continue
                open_elements.pop()
                tag = _local(element.tag)
                parents = [_local(e.tag) for e in open_elements]
                if tag in HEADER_KEPT and "Header" in parents:
                    header[tag] = _text(element)
                elif tag == "Child" and parents[-1:] == ["Children"]:
                    read = _child_episodes if self.records == "episodes" else _child_record
                    latest = read(element, header)
                    records.extend(latest.records)
                    rejected.extend(latest.rejected)
                    superseded += latest.superseded
                    open_elements[-1].remove(element)
        except ParseError as exc:
            line, column = exc.position
            raise BadFile(f"{path.name} is not well-formed XML (line {line}, column {column})") from None
        except DefusedXmlException as exc:
            raise BadFile(
                f"{path.name} was refused: {type(exc).__name__} (DTDs and entities are not read)"
            ) from None
        except OSError as exc:
            raise BadFile(f"{path.name} cannot be read: {exc.strerror}") from None
        if not header and not records and not rejected:
            raise BadFile(f"{path.name} has no census header and no children")
        return Parsed(records, rejected, superseded)


def _child_record(child: Element, header: dict[str, str | None]) -> LatestEpisodes:
    """The child's latest CINdetails (by referral date, open over closed), its identifiers alongside."""
    person: Record = dict(header)
    for element in _within(child, "ChildIdentifiers"):
        name = KEPT_IDENTIFIERS.get(_local(element.tag))
        if name is not None:
            person[name] = _text(element)
    for element in _within(child, "ChildCharacteristics"):
        person[_local(element.tag)] = _value(element)
    la_child_id = person.get("LAchildID")
    if not la_child_id:
        return LatestEpisodes(rejected=[Rejected("a Child without LAchildID")])
    episodes = [e for e in child if _local(e.tag) == "CINdetails"]
    if not episodes:
        return LatestEpisodes(rejected=[Rejected("a Child without CINdetails", source_id=str(la_child_id))])
    records = []
    for number, details in enumerate(episodes, start=1):
        record = {**person, **_episode(details)}
        record["episode_id"] = f"{la_child_id}|{record.get('CINreferralDate') or number}"
        records.append(record)
    return latest_episodes(records, child="LAchildID", start="CINreferralDate", end="CINclosureDate")


def _child_episodes(child: Element, header: dict[str, str | None]) -> LatestEpisodes:
    """The child's referrals and CP plans as history: each its own record with its dates and codes,
    and nothing else of the child but LAchildID and the return's LEA."""
    identifiers = {_local(e.tag): _text(e) for e in _within(child, "ChildIdentifiers")}
    la_child_id = identifiers.get("LAchildID")
    if not la_child_id:
        return LatestEpisodes(rejected=[Rejected("a Child without LAchildID")])
    referrals = [_episode(e) for e in child if _local(e.tag) == "CINdetails"]
    if not referrals:
        return LatestEpisodes(rejected=[Rejected("a Child without CINdetails", source_id=la_child_id)])
    person = {"LAchildID": la_child_id, "LEA": header.get("LEA")}
    episodes: list[tuple[str, Record]] = []
    for number, referral in enumerate(referrals, start=1):
        referred = referral.get("CINreferralDate")
        episodes.append(("CINreferralDate", {
            **person,
            "episode_kind": "referral",
            "episode_id": f"{la_child_id}|ref|{referred or number}",
            "start": referred,
            "end": referral.get("CINclosureDate"),
            "end_reason": referral.get("ReasonForClosure"),
            "NumberOfPreviousCPP": None,
        }))  # fmt: skip
        plans = [p for p in referral["ChildProtectionPlans"] if isinstance(p, dict)]
        for plan_number, plan in enumerate(plans, start=1):
            started = plan.get("CPPstartDate")
            episodes.append(("CPPstartDate", {
                **person,
                "episode_kind": "cp_plan",
                "episode_id": f"{la_child_id}|cpp|{started or f'{number}.{plan_number}'}",
                "start": started,
                "end": plan.get("CPPendDate"),
                "end_reason": None,
                "NumberOfPreviousCPP": plan.get("NumberOfPreviousCPP"),
            }))  # fmt: skip
    return dated_history(episodes)


def _episode(details: Element) -> Record:
    episode: Record = {module: [] for module in REPEATING_MODULES}
    for element in details:
        tag = _local(element.tag)
        if tag in REPEATING_MODULES:
            episode[tag].append(_value(element))
        else:
            episode[tag] = _value(element)
    # The plan a whiteboard cares about is the latest one; the full list stays alongside.
    plans = [p for p in episode["ChildProtectionPlans"] if isinstance(p, dict)]
    latest = max(plans, key=lambda p: p.get("CPPstartDate") or "", default={})
    episode["CPPstartDate"] = latest.get("CPPstartDate")
    episode["CPPendDate"] = latest.get("CPPendDate")
    # A child whose plan ended and who stays in need is no longer a CP case: the case type follows
    # the plan still open, if any, not the latest one ever started.
    open_plans = [p for p in plans if not p.get("CPPendDate")]
    episode["OpenCPPstartDate"] = max((p.get("CPPstartDate") or "" for p in open_plans), default=None) or None
    return episode


def _value(element: Element) -> Any:
    """Leaf text, a list for the known code lists, else a dict of the children (repeats as lists)."""
    children = list(element)
    if _local(element.tag) in VALUE_LISTS:
        return [_text(c) for c in children]
    if not children:
        return _text(element)
    nested: Record = {}
    for child in children:
        tag, value = _local(child.tag), _value(child)
        if tag in nested:
            earlier = nested[tag]
            nested[tag] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
        else:
            nested[tag] = value
    return nested


def _within(parent: Element, section: str) -> list[Element]:
    """Children of the named sections, found by local name so a namespaced file reads the same."""
    return [element for part in parent if _local(part.tag) == section for element in part]


def _text(element: Element) -> str | None:
    text = (element.text or "").strip()
    return text or None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
