"""File formats the files connector reads: plain CSV, the CIN census XML, SSDA903 CSV and XML drops."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from connectors.formats.base import BadFile, FileFormat, Parsed
from connectors.formats.cin_census import CinCensusFormat
from connectors.formats.delimited import CsvFormat
from connectors.formats.ssda903 import Ssda903Format
from connectors.formats.ssda903_xml import Ssda903XmlFormat

FormatConfig = Annotated[
    CsvFormat | CinCensusFormat | Ssda903Format | Ssda903XmlFormat, Field(discriminator="type")
]

__all__ = [
    "BadFile",
    "CinCensusFormat",
    "CsvFormat",
    "FileFormat",
    "FormatConfig",
    "Parsed",
    "Ssda903Format",
    "Ssda903XmlFormat",
]
