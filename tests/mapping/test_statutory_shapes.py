"""End to end: case skeletons from the CIN census and SSDA903 returns, as flat records."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.formats import CinCensusFormat
from mapping.outcomes import Mapped, Quarantined
from mapping.schema import Case, CaseType
from tests.mapping.builders import compiled

EVIDENCE_UNUSED = """
  evidence:
    source_id: {path: ID}
    fields:
      case_ref: {path: CHILD}
      element: {const: mapping}
      state: {const: completed}
      evidenced_on: {path: "ON"}
"""

CIN_CENSUS = (
    """
mapping:
  cases:
    source_id: {path: LAchildID}
    fields:
      case_ref: {path: LAchildID}
      # An open child protection plan makes it a CP case; an ended one or none, a child in need.
      case_type: {path: OpenCPPstartDate, patterns: [{regex: ".", value: cp}], default: cin}
      opened_on: {path: CINreferralDate, date: iso}
      closed_on: {path: CINclosureDate, date: iso}
      cp_plan_start: {path: CPPstartDate, date: iso}
"""
    + EVIDENCE_UNUSED
)


def a_cin_child(**overrides: Any) -> dict[str, Any]:
    """A CIN census child flattened by the files connector: identifiers and CINdetails side by side."""
    child: dict[str, Any] = {
        "LAchildID": "DfEX0000001",
        "UPN": "A123456789123",
        "PersonBirthDate": "2015-03-27",
        "CINreferralDate": "2022-10-06",
        "ReferralSource": "1A",
        "PrimaryNeedCode": "N4",
        "CINclosureDate": "",
        "CPPstartDate": "",
        "OpenCPPstartDate": None,
    }
    child.update(overrides)
    return child


def case_of(outcome: object) -> Case:
    assert isinstance(outcome, Mapped), outcome
    assert isinstance(outcome.record, Case)
    return outcome.record


def test_cin_census_children_become_cin_or_cp_cases() -> None:
    mapping = compiled(CIN_CENSUS)
    cin, cp = mapping.map_batch(
        "cases",
        [
            a_cin_child(CINclosureDate="2023-02-27"),
            a_cin_child(LAchildID="DfEX0000002", CPPstartDate="2022-12-06", OpenCPPstartDate="2022-12-06"),
        ],
    )
    assert (case_of(cin).case_type, case_of(cin).closed_on, case_of(cin).cp_plan_start) == (
        CaseType.CIN,
        date(2023, 2, 27),
        None,
    )
    assert (case_of(cp).case_type, case_of(cp).cp_plan_start) == (CaseType.CP, date(2022, 12, 6))


def test_cin_census_dates_of_birth_never_reach_the_case() -> None:
    case = case_of(compiled(CIN_CENSUS).map_batch("cases", [a_cin_child()])[0])
    assert "2015-03-27" not in case.model_dump_json()


def test_a_cin_closure_before_the_referral_is_quarantined() -> None:
    (outcome,) = compiled(CIN_CENSUS).map_batch("cases", [a_cin_child(CINclosureDate="2021-01-01")])
    assert isinstance(outcome, Quarantined)
    assert outcome.reason == (
        "closed_on is before opened_on: a case cannot close before it opens, "
        "check the columns and date formats the two fields read"
    )


SSDA903 = (
    """
mapping:
  cases:
    source_id: {path: CHILD}
    fields:
      case_ref: {path: CHILD}
      case_type: {const: looked_after}
      opened_on: {path: DECOM, date: "%d/%m/%Y"}
      closed_on: {path: DEC, date: "%d/%m/%Y"}
"""
    + EVIDENCE_UNUSED
)


def an_episode(**overrides: Any) -> dict[str, Any]:
    """A row of the SSDA903 episodes CSV, every value text as the CSV reader gives it."""
    row = {
        "CHILD": "100234",
        "DECOM": "15/02/2023",
        "RNE": "S",
        "LS": "C2",
        "CIN": "N1",
        "PLACE": "U1",
        "PLACE_PROVIDER": "PR1",
        "DEC": "",
        "REC": "X1",
        "REASON_PLACE_CHANGE": "",
        "HOME_POST": "AB1 2CD",
        "PL_POST": "EF3 4GH",
        "URN": "SC123456",
    }
    row.update(overrides)
    return row


def test_ssda903_episodes_become_looked_after_cases_with_uk_dates() -> None:
    open_episode, ended = compiled(SSDA903).map_batch(
        "cases", [an_episode(), an_episode(CHILD="100235", DEC="14/08/2023")]
    )
    assert (case_of(open_episode).case_type, case_of(open_episode).opened_on) == (
        CaseType.LOOKED_AFTER,
        date(2023, 2, 15),
    )
    assert case_of(open_episode).closed_on is None
    assert case_of(ended).closed_on == date(2023, 8, 14)


def test_an_ssda903_date_that_is_not_a_real_day_is_quarantined() -> None:
    (outcome,) = compiled(SSDA903).map_batch("cases", [an_episode(DECOM="31/02/2023")])
    assert isinstance(outcome, Quarantined)
    assert (
        outcome.reason
        == "opened_on: '31/02/2023' is not a date in the configured format DD/MM/YYYY (%d/%m/%Y)"
    )
    assert outcome.source_id == "100234"


def test_ssda903_postcodes_never_reach_the_case() -> None:
    case = case_of(compiled(SSDA903).map_batch("cases", [an_episode()])[0])
    assert "AB1 2CD" not in case.model_dump_json()


FILES_TEMPLATE = Path(__file__).resolve().parents[2] / "config" / "templates" / "files.yaml"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def census_case(path: Path, child: str) -> Case:
    """A child of a CIN census file, read by the files connector's format and mapped by the `files`
    template's own case mapping."""
    parsed = CinCensusFormat(type="cin_census").parse([path])
    (record,) = [r for r in parsed.records if r["LAchildID"] == child]
    template = yaml.safe_load(FILES_TEMPLATE.read_text())
    (outcome,) = compiled(template["mapping"], audit_scale=template["audit_scale"]).map_batch(
        "cases", [record]
    )
    assert isinstance(outcome, Mapped), outcome
    assert isinstance(outcome.record, Case)
    return outcome.record


@pytest.mark.parametrize(
    ("plan_end", "case_type"),
    [("<CPPendDate>2023-03-14</CPPendDate>", CaseType.CIN), ("", CaseType.CP)],
    ids=["plan ended: in need", "plan open: child protection"],
)
def test_a_child_still_in_need_after_their_cp_plan_ended_is_a_cin_case(
    tmp_path: Path, plan_end: str, case_type: CaseType
) -> None:
    # The real 2024 sample's child, their CIN episode left open (they stay in need).
    text = (FIXTURES / "cin-census" / "CIN_Census_2024.xml").read_text()
    assert "<CINclosureDate>2023-02-27</CINclosureDate>" in text
    assert "<CPPendDate>2023-03-14</CPPendDate>" in text
    path = tmp_path / "census.xml"
    path.write_text(
        text.replace("<CINclosureDate>2023-02-27</CINclosureDate>", "").replace(
            "<CPPendDate>2023-03-14</CPPendDate>", plan_end
        )
    )

    case = census_case(path, "DfEX0000001")

    assert (case.case_type, case.closed_on, case.cp_plan_start) == (case_type, None, date(2022, 2, 17))
