"""File formats the files connector reads: plain CSV, the CIN census XML and SSDA903 CSV drops."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from connectors.formats.base import BadFile, FileFormat, Parsed
from connectors.formats.cin_census import CinCensusFormat
from connectors.formats.delimited import CsvFormat
from connectors.formats.ssda903 import Ssda903Format

FormatConfig = Annotated[CsvFormat | CinCensusFormat | Ssda903Format, Field(discriminator="type")]

__all__ = ["BadFile", "CinCensusFormat", "CsvFormat", "FileFormat", "FormatConfig", "Parsed", "Ssda903Format"]
