"""The file formats on the sample returns: what each record holds, and what it must never hold."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors.formats import BadFile, CinCensusFormat, CsvFormat, Parsed, Ssda903Format

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


def census_with_two_episodes(tmp_path: Path, fixtures_dir: Path, *, later_first: bool) -> Path:
    """The 2021 sample's child with a second CINdetails: referred in 1972, an open CP plan, no closure."""
    text = (fixtures_dir / "cin-census" / "CIN_Census_2021.xml").read_text()
    start, end = text.index("<CINdetails>"), text.index("</CINdetails>") + len("</CINdetails>")
    earlier = text[start:end]
    later = (
        earlier.replace("1970-10-06", "1972-01-01")
        .replace("<CINclosureDate>1971-02-27</CINclosureDate>", "")
        .replace("<CPPstartDate>1970-02-17</CPPstartDate>", "<CPPstartDate>1972-01-10</CPPstartDate>")
        .replace("<CPPendDate>1971-03-14</CPPendDate>", "")
    )
    both = later + earlier if later_first else earlier + later
    path = tmp_path / "two.xml"
    path.write_text(text[:start] + both + text[end:])
    return path


@pytest.mark.parametrize("later_first", [False, True])
def test_a_child_with_two_episodes_is_its_latest_whatever_the_order(
    tmp_path: Path, fixtures_dir: Path, later_first: bool
) -> None:
    parsed = cin.parse([census_with_two_episodes(tmp_path, fixtures_dir, later_first=later_first)])

    (record,) = parsed.records
    assert (record["LAchildID"], record["CINreferralDate"], record.get("CINclosureDate")) == (
        "DfEX0000001",
        "1972-01-01",
        None,
    )
    assert (record["CPPstartDate"], record["CPPendDate"]) == ("1972-01-10", None)  # an open CP case
    assert parsed.superseded == 1


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


def test_ssda903_gives_one_record_per_child_from_its_latest_episode(fixtures_dir: Path) -> None:
    members = ssda903.members(fixtures_dir / "ssda903" / "episodes.csv")

    parsed = ssda903.parse(members)

    assert (len(parsed.records), parsed.superseded) == (26, 38)  # 64 episodes of 26 children
    first = parsed.records[0]
    assert (first["CHILD"], first["DECOM"], first["DEC"]) == ("566910", "14/08/2017", None)  # open: None
    assert first["SEX"] == "2"
    assert first["ETHNIC"] == "WROM"
    assert [r["REVIEW"] for r in first["REVIEWS"]][:2] == ["30/08/2017", "29/07/2018"]
    assert first["episode_id"] == "566910|14/08/2017"


def ssda903_drop(tmp_path: Path, fixtures_dir: Path, episodes: str) -> list[Path]:
    for name in ("header.csv", "reviews.csv"):
        shutil.copy(fixtures_dir / "ssda903" / name, tmp_path / name)
    (tmp_path / "episodes.csv").write_text(episodes)
    return ssda903.members(tmp_path / "episodes.csv")


def test_ssda903_episodes_in_reversed_order_give_the_same_cases(tmp_path: Path, fixtures_dir: Path) -> None:
    heading, *rows = (fixtures_dir / "ssda903" / "episodes.csv").read_text().splitlines(keepends=True)
    in_order = ssda903.parse(ssda903.members(fixtures_dir / "ssda903" / "episodes.csv"))

    reversed_order = ssda903.parse(ssda903_drop(tmp_path, fixtures_dir, heading + "".join(reversed(rows))))

    def by_child(parsed: Parsed) -> dict[str, dict[str, object]]:
        return {r["CHILD"]: r for r in parsed.records}

    assert by_child(reversed_order) == by_child(in_order)
    assert reversed_order.superseded == in_order.superseded == 38


def test_an_open_episode_listed_before_an_older_closed_one_makes_an_open_case(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    episodes = (
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "566910,14/08/2017,T,C2,N3,A3,PR3,,X1,,,,8969628\n"
        "566910,15/02/2016,L,C2,N3,T2,PR0,14/08/2017,X1,CLOSE,,,4244474\n"
    )

    parsed = ssda903.parse(ssda903_drop(tmp_path, fixtures_dir, episodes))

    (case,) = parsed.records
    assert (case["DECOM"], case["DEC"]) == ("14/08/2017", None)
    assert parsed.superseded == 1


def test_on_the_same_start_date_an_open_episode_beats_a_closed_one(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    episodes = "CHILD,DECOM,DEC\n566910,14/08/2017,\n566910,14/08/2017,14/08/2017\n"

    (case,) = ssda903.parse(ssda903_drop(tmp_path, fixtures_dir, episodes)).records

    assert case["DEC"] is None


def test_an_ssda903_episode_whose_start_is_not_a_date_is_rejected_in_plain_words(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    episodes = "CHILD,DECOM,DEC\n566910,14/08/2017,\n566910,sometime,\n"

    parsed = ssda903.parse(ssda903_drop(tmp_path, fixtures_dir, episodes))

    assert [r["DECOM"] for r in parsed.records] == ["14/08/2017"]
    assert [r.reason for r in parsed.rejected] == [
        "an episode whose DECOM is not a date: expected DD/MM/YYYY or YYYY-MM-DD"
    ]


def test_an_ssda903_xml_return_configured_as_the_csv_form_says_which_format_to_configure(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    shutil.copy(fixtures_dir / "ssda903-xml" / "sample_903.xml", tmp_path / "return.xml")

    with pytest.raises(BadFile) as refused:
        ssda903.parse(ssda903.members(tmp_path / "return.xml"))

    assert "header.csv" not in str(refused.value)
    assert "return.xml is the XML form of the SSDA903 return" in str(refused.value)
    assert "{type: ssda903_xml}" in str(refused.value)


def test_an_ssda903_xml_return_configured_as_a_cin_census_names_its_format(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    with pytest.raises(BadFile, match=r"its root is <EXPSSDA903>; configure format \{type: ssda903_xml\}"):
        cin.parse([fixtures_dir / "ssda903-xml" / "sample_903.xml"])


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


def test_ssda903_listing_a_child_twice_passes_its_latest_episode_on_under_each_listing(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    shutil.copy(fixtures_dir / "ssda903" / "episodes.csv", tmp_path / "episodes.csv")
    lines = (fixtures_dir / "ssda903" / "header.csv").read_text().splitlines()
    # The first child listed again with another ethnicity: the run's duplicate rule decides, not the reader.
    again = lines[1].replace(",WROM,", ",WOTH,")
    (tmp_path / "header.csv").write_text("\n".join([*lines, again]) + "\n")
    child = lines[1].split(",")[0]

    parsed = ssda903.parse(ssda903.members(tmp_path / "episodes.csv"))

    assert (len(parsed.records), parsed.superseded, parsed.rejected) == (27, 38, [])
    listed = [r for r in parsed.records if r["CHILD"] == child]
    assert [(r["DECOM"], r["ETHNIC"]) for r in listed] == [("14/08/2017", "WROM"), ("14/08/2017", "WOTH")]


def test_a_csv_missing_its_header_row_is_refused_without_quoting_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "forms.csv"
    path.write_text("F4,KID771122,Safety Plan\n")

    with pytest.raises(BadFile, match="is the header row missing") as refused:
        CsvFormat(type="csv", required_columns=["form_id"]).parse([path])
    assert "KID771122" not in str(refused.value)


def test_a_header_csv_without_its_header_row_is_told_the_header_row_looks_missing(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    members = ssda903_drop(tmp_path, fixtures_dir, (fixtures_dir / "ssda903" / "episodes.csv").read_text())
    header_csv = tmp_path / "header.csv"
    header_csv.write_text("".join(header_csv.read_text().splitlines(keepends=True)[1:]))

    with pytest.raises(BadFile) as raised:
        ssda903.parse(members)

    # The first record's empty MOTHER and MC_DOB cells repeat, as a record's values do.
    assert str(raised.value) == (
        "header.csv seems to have no header row: its first row lacks the columns ['CHILD'] and repeats "
        "values as a record would; add the header row the format expects"
    )
