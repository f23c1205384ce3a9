"""SSDA903 returns in their XML form (`EXPSSDA903` / `CHILD` / `HEADER` + `EPISODE`).

The same records as the CSV drop for the same children (`ssda903.episode_records` joins both): the
XML's names become the CSVs' (`CHILDID` is `CHILD`, `PL` is `PLACE`), a child's `AREVIEW`s become
its reviews, and only the header fields the CSV header carries are kept, less those never kept
there (dates of birth, UPNs, the mother fields). Each `CHILD` is one listing with its own episodes:
a child listed twice gives two records, for the run's duplicate rule to resolve and count, never a
refused file. Parsed with defusedxml: no DTDs, no entities.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

# Types and the parse error only: parsing goes through defusedxml.
from xml.etree.ElementTree import Element, ParseError  # nosec B405

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse

from connectors.base import Record
from connectors.formats.base import BadFile, FileFormat, Parsed, wrong_root
from connectors.formats.ssda903 import REVIEW_NEVER_KEPT, episode_records, is_xml

ROOT = "EXPSSDA903"
RENAMED = {"CHILDID": "CHILD", "PL": "PLACE"}
HEADER_KEPT = ("SEX", "ETHNIC")
"""The header.csv columns other than CHILD that the CSV reader keeps."""


class Ssda903XmlFormat(FileFormat):
    """One XML file is one drop."""

    type: Literal["ssda903_xml"]

    def parse(self, members: list[Path]) -> Parsed:
        path = members[0]
        try:
            root = parse(str(path), forbid_dtd=True).getroot()
        except (ParseError, DefusedXmlException) as exc:
            hint = "" if is_xml(path) else "; it is not XML: for the CSV form configure {type: ssda903}"
            raise BadFile(f"{path.name} is not readable SSDA903 XML: {type(exc).__name__}{hint}") from None
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
            # Each CHILD is read as its own listing: a child listed twice is two records, as it is.
            listings.append(episode_records({child: [listed]}, episodes, {child: reviews}))
        return Parsed(
            [record for listing in listings for record in listing.records],
            [reject for listing in listings for reject in listing.rejected],
            sum(listing.superseded for listing in listings),
        )


def _fields(element: Element) -> Record:
    return {RENAMED.get(field.tag, field.tag): _text(field) for field in element}


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None or not element.text.strip():
        return None
    return element.text.strip()
