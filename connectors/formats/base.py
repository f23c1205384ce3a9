"""What every file format offers the files connector: which files make one drop, and how to read it."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path

from connectors.base import Record, Rejected
from connectors.config_blocks import StrictModel
from mapping.identifiers import withheld


class BadFile(Exception):
    """A drop that cannot be read whole (bad XML, bad encoding, wrong columns); it loads nothing.

    A source reference it names goes in `named`, marked in the message by REFERENCE: `str()` leaves it
    out, and `rejected` hands it to the identifier policy."""

    def __init__(self, message: str, named: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.named = named

    def __str__(self) -> str:
        return withheld(self.message)

    def rejected(self, drop: str, content_hash: str) -> Rejected:
        return Rejected(self.message, source_id=drop, raw_hash=content_hash, named=self.named)


@dataclass(frozen=True)
class Parsed:
    records: list[Record]
    rejected: list[Rejected] = field(default_factory=list)
    superseded: int = 0
    """Rows read but not passed on: a child's earlier episodes, replaced by its latest."""


FORMAT_BY_ROOT = {"EXPSSDA903": "ssda903_xml", "Message": "cin_census"}
"""Which format reads an XML file with this root element, to name it when another was configured."""


def wrong_root(name: str, root: str, expected: str) -> BadFile:
    """An XML file another format reads: say which one to configure, when we know it."""
    problem = f"{name} is not {expected}: its root is <{root}>"
    other = FORMAT_BY_ROOT.get(root)
    return BadFile(f"{problem}; configure format {{type: {other}}} for it" if other else problem)


class FileFormat(StrictModel, abc.ABC):
    def is_drop(self, path: Path) -> bool:
        """Whether a file matched by the glob starts a drop (rather than being part of another)."""
        return True

    def members(self, path: Path) -> list[Path]:
        """The files that make up the drop starting at `path`, hashed and checked for settling together."""
        return [path]

    @abc.abstractmethod
    def parse(self, members: list[Path]) -> Parsed:
        """Every record of the drop, or BadFile: a drop is never half-loaded."""
