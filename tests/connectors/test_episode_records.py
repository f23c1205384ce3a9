"""`records: episodes`: the statutory returns read as each child's history, one record per episode,
on the public samples (their real element and column names and value shapes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.files import FilesConfig, FilesConnector
from connectors.formats import CinCensusFormat, Ssda903Format, Ssda903XmlFormat
from tests.connectors.conftest import FakeSecrets

EPISODE_KEYS = {"episode_id", "episode_kind", "start", "end", "end_reason"}

cin_history = CinCensusFormat(type="cin_census", records="episodes")
ssda903_history = Ssda903Format(type="ssda903", records="episodes")
ssda903_xml_history = Ssda903XmlFormat(type="ssda903_xml", records="episodes")


def census(fixtures_dir: Path, year: int) -> list[Path]:
    return [fixtures_dir / "cin-census" / f"CIN_Census_{year}.xml"]


def test_the_census_gives_one_record_per_referral_and_one_per_cp_plan(fixtures_dir: Path) -> None:
    parsed = cin_history.parse(census(fixtures_dir, 2024))

    # Read off the 2024 sample by hand: DfEX0000001 was referred on 2022-10-06 (closed 2023-02-27,
    # RC1) with one plan (2022-02-17 to 2023-03-14, 10 previous plans); child_fails_assessments was
    # referred on 2024-10-24 and closed on 2024-10-29 (RC9), with no plan.
    assert parsed.records == [
        {"LAchildID": "DfEX0000001", "LEA": "201", "episode_kind": "referral",
         "episode_id": "DfEX0000001|ref|2022-10-06", "start": "2022-10-06", "end": "2023-02-27",
         "end_reason": "RC1", "NumberOfPreviousCPP": None},
        {"LAchildID": "DfEX0000001", "LEA": "201", "episode_kind": "cp_plan",
         "episode_id": "DfEX0000001|cpp|2022-02-17", "start": "2022-02-17", "end": "2023-03-14",
         "end_reason": None, "NumberOfPreviousCPP": "10"},
        {"LAchildID": "child_fails_assessments", "LEA": "201", "episode_kind": "referral",
         "episode_id": "child_fails_assessments|ref|2024-10-24", "start": "2024-10-24",
         "end": "2024-10-29", "end_reason": "RC9", "NumberOfPreviousCPP": None},
    ]  # fmt: skip
    assert parsed.rejected == []
    assert parsed.superseded == 0


@pytest.mark.parametrize("year", [2021, 2024, 2026])
def test_census_episodes_carry_dates_and_codes_only(fixtures_dir: Path, year: int) -> None:
    for record in cin_history.parse(census(fixtures_dir, year)).records:
        assert set(record) == EPISODE_KEYS | {"LAchildID", "LEA", "NumberOfPreviousCPP"}
        assert "2015-03-27" not in str(record)  # the date of birth in the 2024 and 2026 samples


def three_plans(tmp_path: Path, fixtures_dir: Path) -> Path:
    """The 2021 sample's child referred again in 1972 with two plans, the second still open; the
    three plans count 0, 1 and 2 previous plans."""
    text = (fixtures_dir / "cin-census" / "CIN_Census_2021.xml").read_text()
    start, end = text.index("<CINdetails>"), text.index("</CINdetails>") + len("</CINdetails>")
    earlier = text[start:end]
    plan_start, plan_end = earlier.index("<ChildProtectionPlans>"), earlier.index("</ChildProtectionPlans>")
    plan = earlier[plan_start : plan_end + len("</ChildProtectionPlans>")]
    previous = "<NumberOfPreviousCPP>10</NumberOfPreviousCPP>"
    first = plan.replace(previous, "<NumberOfPreviousCPP>0</NumberOfPreviousCPP>")
    second = (
        plan.replace("1970-02-17", "1972-02-01")
        .replace("1971-03-14", "1972-08-01")
        .replace(previous, "<NumberOfPreviousCPP>1</NumberOfPreviousCPP>")
    )
    third = (
        plan.replace("1970-02-17", "1973-01-05")
        .replace("<CPPendDate>1971-03-14</CPPendDate>", "")
        .replace(previous, "<NumberOfPreviousCPP>2</NumberOfPreviousCPP>")
    )
    later = (
        earlier.replace("1970-10-06", "1972-01-01")
        .replace("<CINclosureDate>1971-02-27</CINclosureDate>", "")
        .replace("<ReasonForClosure>RC1</ReasonForClosure>", "")
        .replace(plan, second + third)
    )
    path = tmp_path / "three-plans.xml"
    path.write_text(text[:start] + earlier.replace(plan, first) + later + text[end:])
    return path


def test_a_child_with_two_referrals_and_three_plans_keeps_them_all(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    parsed = cin_history.parse([three_plans(tmp_path, fixtures_dir)])

    assert [(r["episode_kind"], r["start"], r["end"], r["end_reason"]) for r in parsed.records] == [
        ("referral", "1970-10-06", "1971-02-27", "RC1"),
        ("cp_plan", "1970-02-17", "1971-03-14", None),
        ("referral", "1972-01-01", None, None),
        ("cp_plan", "1972-02-01", "1972-08-01", None),
        ("cp_plan", "1973-01-05", None, None),
    ]
    plans = [r for r in parsed.records if r["episode_kind"] == "cp_plan"]
    assert [p["NumberOfPreviousCPP"] for p in plans] == ["0", "1", "2"]
    assert len({r["episode_id"] for r in parsed.records}) == 5
    assert parsed.superseded == 0  # history: nothing is superseded


def test_a_census_episode_whose_start_is_not_a_date_is_rejected_naming_the_field(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    text = (fixtures_dir / "cin-census" / "CIN_Census_2021.xml").read_text()
    path = tmp_path / "bad-dates.xml"
    path.write_text(
        text.replace("<CINreferralDate>1970-10-06<", "<CINreferralDate>soon<").replace(
            "<CPPstartDate>1970-02-17</CPPstartDate>", ""
        )
    )

    parsed = cin_history.parse([path])

    assert parsed.records == []
    assert [(r.reason, r.source_id) for r in parsed.rejected] == [
        ("an episode whose CINreferralDate is not a date: expected DD/MM/YYYY or YYYY-MM-DD",
         "DfEX0000001|ref|soon"),
        ("an episode whose CPPstartDate is not a date: expected DD/MM/YYYY or YYYY-MM-DD",
         "DfEX0000001|cpp|1.1"),
    ]  # fmt: skip


def test_a_census_child_without_an_id_or_referrals_is_rejected_as_for_cases(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    text = (fixtures_dir / "cin-census" / "CIN_Census_2026.xml").read_text()
    path = tmp_path / "missing-id.xml"
    path.write_text(text.replace("<LAchildID>child_fails_assessments</LAchildID>", ""))

    parsed = cin_history.parse([path])

    assert {r["LAchildID"] for r in parsed.records} == {"DfEX0000001"}
    assert [r.reason for r in parsed.rejected] == ["a Child without LAchildID"]


def test_the_903_return_gives_one_record_per_episodes_row(fixtures_dir: Path) -> None:
    folder = fixtures_dir / "ssda903"
    rows = (folder / "episodes.csv").read_text().splitlines()[1:]

    parsed = ssda903_history.parse(ssda903_history.members(folder / "episodes.csv"))

    assert len(parsed.records) == len(rows) == 64
    # The sample's first child, read off its two rows: a care episode that became another on
    # 14/08/2017 (X1: the episode ceased and a new one began), the second still open.
    assert [r for r in parsed.records if r["CHILD"] == "566910"] == [
        {"CHILD": "566910", "episode_kind": "looked_after", "episode_id": "566910|15/02/2016",
         "start": "15/02/2016", "end": "14/08/2017", "end_reason": "X1", "RNE": "L", "LS": "C2"},
        {"CHILD": "566910", "episode_kind": "looked_after", "episode_id": "566910|14/08/2017",
         "start": "14/08/2017", "end": None, "end_reason": "X1", "RNE": "T", "LS": "C2"},
    ]  # fmt: skip
    assert all(set(r) == EPISODE_KEYS | {"CHILD", "RNE", "LS"} for r in parsed.records)
    assert parsed.rejected == []


def test_the_903_xml_return_gives_the_same_episodes_as_its_csvs(fixtures_dir: Path) -> None:
    folder = fixtures_dir / "ssda903-xml"

    from_xml = ssda903_xml_history.parse([folder / "sample_903.xml"])
    from_csv = ssda903_history.parse(ssda903_history.members(folder / "episodes.csv"))

    assert from_xml.records == from_csv.records
    assert len(from_xml.records) == 7


def test_a_903_episode_whose_start_is_not_a_date_is_rejected_in_plain_words(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    shutil.copy(fixtures_dir / "ssda903" / "header.csv", tmp_path / "header.csv")
    (tmp_path / "episodes.csv").write_text("CHILD,DECOM,DEC,REC\n566910,14/08/2017,,\n566910,sometime,,\n")

    parsed = ssda903_history.parse(ssda903_history.members(tmp_path / "episodes.csv"))

    assert [r["start"] for r in parsed.records] == ["14/08/2017"]
    assert [(r.reason, r.source_id) for r in parsed.rejected] == [
        ("an episode whose DECOM is not a date: expected DD/MM/YYYY or YYYY-MM-DD", "566910|sometime")
    ]


def drops(tmp_path: Path, fixtures_dir: Path, records: str) -> FilesConfig:
    (tmp_path / "cin").mkdir()
    shutil.copy(census(fixtures_dir, 2024)[0], tmp_path / "cin" / "census.xml")
    return FilesConfig.model_validate(
        {
            "folder": str(tmp_path),
            "settle_seconds": 0,
            "streams": {
                "cases": {"glob": "cin/*.xml", "format": {"type": "cin_census"}, "case_field": "LAchildID"},
                "evidence": {"glob": "forms/*.csv", "format": {"type": "csv"}},
                "episodes": {
                    "glob": "cin/*.xml",
                    "format": {"type": "cin_census", "records": records},
                    "case_field": "LAchildID",
                },
            },
        }
    )


def test_one_census_drop_feeds_the_cases_and_the_episodes_streams(tmp_path: Path, fixtures_dir: Path) -> None:
    with FilesConnector(drops(tmp_path, fixtures_dir, "episodes"), FakeSecrets()) as connector:
        cases = [r for b in connector.read("cases", None) for r in b.records]
        episodes = [r for b in connector.read("episodes", None) for r in b.records]

    assert [c["episode_id"] for c in cases] == [
        "DfEX0000001|2022-10-06",
        "child_fails_assessments|2024-10-24",
    ]
    assert [e["episode_id"] for e in episodes] == [
        "DfEX0000001|ref|2022-10-06",
        "DfEX0000001|cpp|2022-02-17",
        "child_fails_assessments|ref|2024-10-24",
    ]


def test_records_is_children_or_episodes(tmp_path: Path, fixtures_dir: Path) -> None:
    with pytest.raises(ValidationError, match="'children' or 'episodes'"):
        drops(tmp_path, fixtures_dir, "plans")
