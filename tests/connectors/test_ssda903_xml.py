"""The SSDA903 return in its XML form reads into the same records as its CSVs, for the same children."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors.base import Rejected
from connectors.files import FilesConfig, FilesConnector
from connectors.formats import BadFile, Ssda903Format, Ssda903XmlFormat
from tests.connectors.test_file_formats import NEVER_FROM_903

xml_format = Ssda903XmlFormat(type="ssda903_xml")
csv_format = Ssda903Format(type="ssda903")


def sample(fixtures_dir: Path) -> Path:
    return fixtures_dir / "ssda903-xml"


def test_the_xml_return_gives_the_same_records_as_its_csvs(fixtures_dir: Path) -> None:
    folder = sample(fixtures_dir)
    from_xml = xml_format.parse([folder / "sample_903.xml"])
    from_csv = csv_format.parse([folder / "episodes.csv", folder / "header.csv", folder / "reviews.csv"])

    assert from_xml.records == from_csv.records
    assert from_xml.rejected == from_csv.rejected == []
    assert len(from_xml.records) == 3  # children, each from its latest episode
    assert from_xml.superseded == from_csv.superseded == 4  # their other episodes


def test_an_xml_episode_carries_its_child_and_reviews_under_the_csv_names(fixtures_dir: Path) -> None:
    first = xml_format.parse([sample(fixtures_dir) / "sample_903.xml"]).records[0]
    assert (first["CHILD"], first["DECOM"], first["PLACE"], first["episode_id"]) == (
        "907440",
        "06/10/2017",
        "P2",
        "907440|06/10/2017",
    )
    assert first["REVIEWS"] == [
        {"REVIEW": "27/09/2015", "REVIEW_CODE": "PN0"},
        {"REVIEW": "14/07/2016", "REVIEW_CODE": "PN1"},
    ]


def test_the_xml_return_never_passes_on_dates_of_birth_upns_or_postcodes(fixtures_dir: Path) -> None:
    for record in xml_format.parse([sample(fixtures_dir) / "sample_903.xml"]).records:
        assert not NEVER_FROM_903 & set(record)
        assert "28/07/2010" not in str(record)  # the first child's date of birth
        assert "B15 8PZ" not in str(record)  # a home postcode


def test_a_child_listed_twice_is_two_records_each_from_its_own_latest_episode(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    text = (sample(fixtures_dir) / "sample_903.xml").read_text()
    first = text[text.index("<CHILD>") : text.index("</CHILD>") + len("</CHILD>")]
    path = tmp_path / "return.xml"
    path.write_text(text.replace("</EXPSSDA903>", first + "</EXPSSDA903>"))

    parsed = xml_format.parse([path])

    # The copy is read as it is: one more record, and its earlier episode one more superseded.
    assert (len(parsed.records), parsed.superseded, parsed.rejected) == (4, 5, [])
    assert [r["episode_id"] for r in parsed.records if r["CHILD"] == "907440"] == ["907440|06/10/2017"] * 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<EXPSSDA903><CHILD><HEADER><CHILDID>1</CHILDID></HEADER>", "not readable SSDA903 XML at line 1"),
        ("<Message/>", "not an SSDA903 return"),
        ("<EXPSSDA903><CHILD><EPISODE/></CHILD></EXPSSDA903>", "without a HEADER/CHILDID"),
    ],
)
def test_a_bad_xml_return_is_unreadable_whole(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "return.xml"
    path.write_text(text)
    with pytest.raises(BadFile, match=problem):
        xml_format.parse([path])


def test_the_files_connector_reads_an_xml_drop(tmp_path: Path, fixtures_dir: Path) -> None:
    (tmp_path / "903").mkdir()
    shutil.copy(sample(fixtures_dir) / "sample_903.xml", tmp_path / "903" / "return.xml")
    config = FilesConfig.model_validate(
        {
            "folder": str(tmp_path),
            "settle_seconds": 0,
            "streams": {
                "cases": {"glob": "903/*.xml", "format": {"type": "ssda903_xml"}, "case_field": "CHILD"},
                "evidence": {"glob": "forms/*.csv", "format": {"type": "csv"}},
            },
        }
    )
    with FilesConnector(config, lambda **_: "") as connector:
        batches = list(connector.read("cases", None))
    records = [r for b in batches for r in b.records]
    assert {r["CHILD"] for r in records} == {"907440", "228005", "773782"}
    assert not [r for b in batches for r in b.rejected if isinstance(r, Rejected)]


def test_a_truncated_xml_return_says_where_it_breaks_and_that_it_looks_cut_short(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    whole = (sample(fixtures_dir) / "sample_903.xml").read_bytes()
    path = tmp_path / "return.xml"
    path.write_bytes(whole[: len(whole) // 2])
    cut_at_line = whole[: len(whole) // 2].count(b"\n") + 1

    with pytest.raises(BadFile) as raised:
        xml_format.parse([path])

    assert str(raised.value).startswith(
        f"return.xml is not readable SSDA903 XML at line {cut_at_line}, column "
    )
    assert "the file looks cut short; copy the whole return again" in str(raised.value)


def test_an_xml_return_in_another_encoding_than_it_declares_says_so(tmp_path: Path) -> None:
    path = tmp_path / "return.xml"
    text = '<?xml version="1.0" encoding="UTF-8"?>\n<EXPSSDA903>\n<CHILD><HEADER><CHILDID>Zoë</CHILDID>'
    path.write_bytes((text + "</HEADER></CHILD></EXPSSDA903>").encode("latin-1"))

    with pytest.raises(BadFile) as raised:
        xml_format.parse([path])

    assert str(raised.value) == (
        "return.xml is not readable SSDA903 XML at line 3, column 26: a character there is not in the "
        "file's encoding: save the return as UTF-8, or name its real encoding in the XML declaration"
    )


def test_an_empty_xml_return_is_told_it_is_empty_not_to_configure_the_csv_form(tmp_path: Path) -> None:
    path = tmp_path / "return.xml"
    path.write_bytes(b"")

    with pytest.raises(BadFile) as raised:
        xml_format.parse([path])

    assert (
        str(raised.value)
        == "return.xml is empty: the return holds no XML (was it copied before it was written?)"
    )
