"""Delimited text tables read whole and strictly: a ragged row or a bad byte rejects the file."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from connectors.base import Record
from connectors.formats.base import BadFile, FileFormat, Parsed


def read_table(
    path: Path, *, encoding: str, delimiter: str = ",", required: tuple[str, ...] | list[str] = ()
) -> list[dict[str, str | None]]:
    """Rows as dicts keyed by the stripped header; empty cells become None, everything else stays text."""
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise BadFile(f"{path.name} is not valid {encoding} text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            raise BadFile(f"{path.name} is empty: no header row")
        missing = [name for name in required if name not in header]
        if len(set(header)) != len(header):
            if missing:
                # A record in the header's place repeats values (codes, dates) where names would not.
                raise BadFile(
                    f"{path.name} seems to have no header row: its first row lacks the columns {missing} "
                    "and repeats values as a record would; add the header row the format expects"
                )
            raise BadFile(f"{path.name} repeats a column name in its header")
        if missing:
            # The first row is not quoted back: when the header row is missing, it is a record.
            raise BadFile(
                f"{path.name} lacks the columns {missing} in its first row ({len(header)} fields); "
                "is the header row missing or misspelt?"
            )
        rows: list[dict[str, str | None]] = []
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                raise BadFile(
                    f"{path.name} line {reader.line_num} has {len(cells)} fields, its header {len(header)}"
                )
            rows.append(
                {name: (cell if cell != "" else None) for name, cell in zip(header, cells, strict=True)}
            )
    except csv.Error as exc:
        raise BadFile(f"{path.name} line {reader.line_num}: {exc}") from None
    return rows


class CsvFormat(FileFormat):
    """A plain CSV export. Dates stay text: the mapping knows each authority's date format."""

    type: Literal["csv"]
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    required_columns: list[str] = Field(default_factory=list)
    drop_columns: list[str] = Field(
        default_factory=list, description="columns never passed on, e.g. names or dates of birth"
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str) -> str:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"unknown text encoding {encoding!r}") from None
        return encoding

    def parse(self, members: list[Path]) -> Parsed:
        dropped = set(self.drop_columns)
        rows = read_table(
            members[0], encoding=self.encoding, delimiter=self.delimiter, required=self.required_columns
        )
        records: list[Record] = [{k: v for k, v in row.items() if k not in dropped} for row in rows]
        return Parsed(records)
