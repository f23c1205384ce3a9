"""SSDA903 returns in their XML form (`EXPSSDA903` / `CHILD` / `HEADER` + `EPISODE`).

The same records as the CSV drop for the same children (`ssda903.episode_records` joins both): the
XML's names become the CSVs' (`CHILDID` is `CHILD`, `PL` is `PLACE`), a child's `AREVIEW`s become
its reviews, and only the header fields the CSV header carries are kept, less those never kept
there (dates of birth, UPNs, the mother fields). Each `CHILD` is one listing with its own episodes:
a child listed twice gives two records, for the run's duplicate rule to resolve and count, never a
refused file. With `records: episodes`, one record per `EPISODE` as the CSV drop gives them
(`ssda903.looked_after_history`). Parsed with defusedxml: no DTDs, no entities.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

# Types and the parse error only: parsing goes through defusedxml.
from xml.etree.ElementTree import Element, ParseError  # nosec B405
from xml.parsers.expat import errors  # nosec B407  # error codes only

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse

from connectors.base import Record
from connectors.formats.base import BadFile, FileFormat, Parsed, wrong_root
from connectors.formats.episodes import RECORDS_FIELD, RecordsOption
from connectors.formats.ssda903 import REVIEW_NEVER_KEPT, episode_records, is_xml, looked_after_history

ROOT = "EXPSSDA903"
RENAMED = {"CHILDID": "CHILD", "PL": "PLACE"}
HEADER_KEPT = ("SEX", "ETHNIC")
"""The header.csv columns other than CHILD that the CSV reader keeps."""


class Ssda903XmlFormat(FileFormat):
    """One XML file is one drop."""

    type: Literal["ssda903_xml"]
    records: RecordsOption = RECORDS_FIELD

    def parse(self, members: list[Path]) -> Parsed:
        path = members[0]
        if path.stat().st_size == 0:
            raise BadFile(
                f"{path.name} is empty: the return holds no XML (was it copied before it was written?)"
            )
        try:
            root = parse(str(path), forbid_dtd=True).getroot()
        except ParseError as exc:
            if not is_xml(path):
                raise BadFile(
                    f"{path.name} is not XML: for the CSV form of the return configure {{type: ssda903}}"
                ) from None
            raise _unreadable(path.name, exc) from None
        except DefusedXmlException as exc:
            raise BadFile(
                f"{path.name} was refused: {type(exc).__name__} (DTDs and entities are not read)"
            ) from None
        if root.tag != ROOT:
            raise wrong_root(path.name, root.tag, f"an SSDA903 return ({ROOT})")
        listings: list[Parsed] = []
        for child_element in root.iter("CHILD"):
            header = child_element.find("HEADER")
            child = _text(header.find("CHILDID")) if header is not None else None
            if header is None or child is None:
                raise BadFile(f"{path.name} has a CHILD without a HEADER/CHILDID")
            listed = {"CHILD": child, **{name: _text(header.find(name)) for name in HEADER_KEPT}}
            reviews = [
                {k: v for k, v in _fields(review).items() if k not in REVIEW_NEVER_KEPT}
                for review in header.iter("AREVIEW")
            ]
            episodes = [{"CHILD": child, **_fields(e)} for e in child_element.iter("EPISODE")]
            if self.records == "episodes":
                listings.append(looked_after_history(episodes))
                continue
            # Each CHILD is read as its own listing: a child listed twice is two records, as it is.
            listings.append(episode_records({child: [listed]}, episodes, {child: reviews}))
        return Parsed(
            [record for listing in listings for record in listing.records],
            [reject for listing in listings for reject in listing.rejected],
            sum(listing.superseded for listing in listings),
        )


def _fields(element: Element) -> Record:
    return {RENAMED.get(field.tag, field.tag): _text(field) for field in element}


_CUT_SHORT = {errors.codes[errors.XML_ERROR_NO_ELEMENTS], errors.codes[errors.XML_ERROR_UNCLOSED_TOKEN]}
_ENCODING = {
    errors.codes[errors.XML_ERROR_INVALID_TOKEN],
    errors.codes[errors.XML_ERROR_PARTIAL_CHAR],
    errors.codes[errors.XML_ERROR_UNKNOWN_ENCODING],
    errors.codes[errors.XML_ERROR_INCORRECT_ENCODING],
}


def _unreadable(name: str, exc: ParseError) -> BadFile:
    """Where the XML breaks, and the likely cause a newcomer can act on."""
    line, column = exc.position
    if exc.code in _CUT_SHORT:
        hint = "it ends before its elements close: the file looks cut short; copy the whole return again"
    elif exc.code in _ENCODING:
        hint = (
            "a character there is not in the file's encoding: save the return as UTF-8, "
            "or name its real encoding in the XML declaration"
        )
    else:
        hint = "the XML is malformed there; export the return again"
    return BadFile(f"{name} is not readable SSDA903 XML at line {line}, column {column}: {hint}")


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None or not element.text.strip():
        return None
    return element.text.strip()
