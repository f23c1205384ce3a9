"""What every file format offers the files connector: which files make one drop, and how to read it."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path

from connectors.base import Record, Rejected
from connectors.config_blocks import StrictModel


class BadFile(Exception):
    """A drop that cannot be read whole (bad XML, bad encoding, wrong columns); it loads nothing."""


@dataclass(frozen=True)
class Parsed:
    records: list[Record]
    rejected: list[Rejected] = field(default_factory=list)


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
