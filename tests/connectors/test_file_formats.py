"""The file formats on the sample returns: what each record holds, and what it must never hold."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors.formats import BadFile, CinCensusFormat, CsvFormat, Ssda903Format

NEVER_FROM_CIN = {"UPN", "FormerUPN", "PersonBirthDate", "ExpectedPersonBirthDate", "UPNunknown"}
NEVER_FROM_903 = {"DOB", "UPN", "MOTHER", "MC_DOB", "HOME_POST", "PL_POST"}

cin = CinCensusFormat(type="cin_census")
ssda903 = Ssda903Format(type="ssda903")


def cin_file(fixtures_dir: Path, year: int) -> list[Path]:
    return [fixtures_dir / "cin-census" / f"CIN_Census_{year}.xml"]


def test_cin_census_yields_one_flat_record_per_child_episode(fixtures_dir: Path) -> None:
    (record,) = cin.parse(cin_file(fixtures_dir, 2021)).records

    assert record["LAchildID"] == "DfEX0000001"
    assert record["CINreferralDate"] == "1970-10-06"
    assert record["CINclosureDate"] == "1971-02-27"
    assert record["CPPstartDate"] == "1970-02-17"
    assert record["CPPendDate"] == "1971-03-14"
    assert record["ChildProtectionPlans"][0]["Reviews"] == ["1971-02-15"]
    assert record["Assessments"][0]["FactorsIdentifiedAtAssessment"] == ["2A", "2B"]
    assert record["CINPlanDates"] == [{"CINPlanStartDate": "1971-01-24", "CINPlanEndDate": "1971-01-26"}]
    assert record["Section47"][0]["ICPCnotRequired"] == "false"
    assert record["ReferenceDate"] == "2023-03-31"
    assert record["episode_id"] == "DfEX0000001|1970-10-06"


@pytest.mark.parametrize("year", [2021, 2024, 2026])
def test_cin_census_never_passes_on_upns_or_dates_of_birth(fixtures_dir: Path, year: int) -> None:
    for record in cin.parse(cin_file(fixtures_dir, year)).records:
        assert not NEVER_FROM_CIN & set(record)
        assert "2015-03-27" not in str(record)  # the child's date of birth in the 2024 and 2026 samples


@pytest.mark.parametrize(("year", "sex"), [(2021, "1"), (2024, "1")])
def test_both_the_gender_current_and_the_sex_eras_give_sex(fixtures_dir: Path, year: int, sex: str) -> None:
    assert cin.parse(cin_file(fixtures_dir, year)).records[0]["Sex"] == sex


def test_cin_census_2026_pre_proceedings_module_is_read(fixtures_dir: Path) -> None:
    first, second = cin.parse(cin_file(fixtures_dir, 2026)).records

    assert first["PreProceedingsandFGDM"][0]["PPOutcome"] == "A"
    assert second["LAchildID"] == "child_fails_assessments"
    assert second["ChildProtectionPlans"] == []
    assert second["CPPstartDate"] is None
    assert second["Assessments"][0]["FactorsIdentifiedAtAssessment"] == []


def test_a_child_with_two_episodes_gives_two_records(tmp_path: Path, fixtures_dir: Path) -> None:
    text = (fixtures_dir / "cin-census" / "CIN_Census_2021.xml").read_text()
    start, end = text.index("<CINdetails>"), text.index("</CINdetails>") + len("</CINdetails>")
    second = text[start:end].replace("1970-10-06", "1972-01-01")
    path = tmp_path / "two.xml"
    path.write_text(text[:end] + second + text[end:])

    records = cin.parse([path]).records

    assert [r["CINreferralDate"] for r in records] == ["1970-10-06", "1972-01-01"]
    assert {r["LAchildID"] for r in records} == {"DfEX0000001"}


def test_a_namespaced_census_reads_the_same(tmp_path: Path, fixtures_dir: Path) -> None:
    text = (fixtures_dir / "cin-census" / "CIN_Census_2024.xml").read_text()
    path = tmp_path / "ns.xml"
    path.write_text(text.replace("<Message>", '<Message xmlns="http://www.example.gov.uk/cin">', 1))

    assert cin.parse([path]).records == cin.parse(cin_file(fixtures_dir, 2024)).records


def test_a_child_without_an_la_child_id_is_rejected_and_the_others_kept(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    text = (fixtures_dir / "cin-census" / "CIN_Census_2026.xml").read_text()
    path = tmp_path / "missing-id.xml"
    path.write_text(text.replace("<LAchildID>child_fails_assessments</LAchildID>", ""))

    parsed = cin.parse([path])

    assert [r["LAchildID"] for r in parsed.records] == ["DfEX0000001"]
    assert [r.reason for r in parsed.rejected] == ["a Child without LAchildID"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<Message><Children><Child>", "not well-formed XML"),
        (b"<Other/>", "not a CIN census"),
        (
            b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<Message>&b;</Message>",
            "refused",
        ),
        (b"<Message><Header></Message>", "not well-formed XML"),
    ],
)
def test_unreadable_or_hostile_xml_is_a_bad_file(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(content)

    with pytest.raises(BadFile, match=reason):
        cin.parse([path])


def test_ssda903_gives_one_record_per_episode_joined_with_its_child(fixtures_dir: Path) -> None:
    members = ssda903.members(fixtures_dir / "ssda903" / "episodes.csv")

    records = ssda903.parse(members).records

    assert len(records) == 64
    first, second = records[0], records[1]
    assert (first["CHILD"], first["DECOM"], first["DEC"]) == ("566910", "15/02/2016", "14/08/2017")
    assert second["DEC"] is None  # still open: empty cells are None
    assert first["SEX"] == "2"
    assert first["ETHNIC"] == "WROM"
    assert [r["REVIEW"] for r in first["REVIEWS"]][:2] == ["30/08/2017", "29/07/2018"]
    assert first["episode_id"] == "566910|15/02/2016"


def test_ssda903_never_passes_on_dates_of_birth_upns_postcodes_or_mother_fields(fixtures_dir: Path) -> None:
    members = ssda903.members(fixtures_dir / "ssda903" / "episodes.csv")

    for record in ssda903.parse(members).records:
        assert not NEVER_FROM_903 & set(record)
        assert all(set(review) == {"REVIEW", "REVIEW_CODE"} for review in record["REVIEWS"])
    assert "27/03/2008" not in str(ssda903.parse(members).records[0])  # child 566910's date of birth


def test_ssda903_without_its_header_file_is_a_bad_file(tmp_path: Path, fixtures_dir: Path) -> None:
    shutil.copy(fixtures_dir / "ssda903" / "episodes.csv", tmp_path / "episodes.csv")

    with pytest.raises(BadFile, match=r"header\.csv is missing"):
        ssda903.parse(ssda903.members(tmp_path / "episodes.csv"))


def test_csv_keeps_dates_as_text_and_drops_the_columns_it_is_told_to(tmp_path: Path) -> None:
    path = tmp_path / "forms.csv"
    path.write_text(
        "form_id;case;template;completed;worker_name\n1;C1;Danger Statement;03/02/2026;A Person\n"
    )
    fmt = CsvFormat(type="csv", delimiter=";", drop_columns=["worker_name"], required_columns=["form_id"])

    assert fmt.parse([path]).records == [
        {"form_id": "1", "case": "C1", "template": "Danger Statement", "completed": "03/02/2026"}
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"form_id,case\n1,C1,extra\n", "line 2 has 3 fields"),
        (b"case\nC1\n", r"lacks the columns \['form_id'\]"),
        (b"form_id,case\n1,Ma\xefve\n", "not valid utf-8-sig text"),
        (b"", "no header row"),
        (b'form_id,case\n1,"unclosed\n', "line"),
    ],
)
def test_a_csv_with_wrong_columns_or_bad_bytes_is_a_bad_file(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)

    with pytest.raises(BadFile, match=reason):
        CsvFormat(type="csv", required_columns=["form_id"]).parse([path])


def test_a_csv_encoding_can_be_configured(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("form_id,team\n1,Équipe\n".encode("cp1252"))

    assert CsvFormat(type="csv", encoding="cp1252").parse([path]).records == [
        {"form_id": "1", "team": "Équipe"}
    ]


def test_ssda903_naming_a_child_twice_is_refused_without_quoting_the_child(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    shutil.copy(fixtures_dir / "ssda903" / "episodes.csv", tmp_path / "episodes.csv")
    lines = (fixtures_dir / "ssda903" / "header.csv").read_text().splitlines()
    (tmp_path / "header.csv").write_text("\n".join([*lines, lines[1]]) + "\n")
    child = lines[1].split(",")[0]

    with pytest.raises(BadFile, match=r"header\.csv lists one child twice") as refused:
        ssda903.parse(ssda903.members(tmp_path / "episodes.csv"))
    assert child not in str(refused.value)


def test_a_csv_missing_its_header_row_is_refused_without_quoting_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "forms.csv"
    path.write_text("F4,KID771122,Safety Plan\n")

    with pytest.raises(BadFile, match="is the header row missing") as refused:
        CsvFormat(type="csv", required_columns=["form_id"]).parse([path])
    assert "KID771122" not in str(refused.value)
