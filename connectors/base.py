"""The connector contract: named streams read as batches, each with a resumable position."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from connectors.errors import FatalError
from mapping.identifiers import Identifiers

Record = dict[str, Any]
Position = dict[str, Any]
"""JSON-serialisable; opaque to everything but the connector that made it."""

CHECK_DEADLINE_SECONDS = 6.0
"""How long `check`, run by someone waiting at a terminal, gives a source to answer, retries included."""


class SecretResolver(Protocol):
    """Turns a `*_env` / `*_file` reference into the secret value, at the moment it is needed."""

    def __call__(self, env: str | None = None, file: str | None = None) -> str: ...


@dataclass(frozen=True)
class Rejected:
    """A record or file the connector could not read; the runner quarantines it with the reason."""

    reason: str
    source_id: str | None = None
    raw_hash: str | None = None
    named: str | None = None
    """A source reference the reason names at mapping.identifiers.REFERENCE; shown only through `told`."""

    def told(self, identifiers: Identifiers) -> Rejected:
        """The reject as it may be stored or shown: every reference through the authority's policy."""
        return Rejected(
            identifiers.told(self.reason, self.named), identifiers.reference(self.source_id), self.raw_hash
        )


@dataclass(frozen=True)
class Batch:
    """Records as the source has them, and where to resume once they are safely stored."""

    records: list[Record]
    position: Position
    rejected: list[Rejected] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    """What the source holds but this read could not deliver (a file still being written, a file that
    cannot be read); the run ends `partial` naming them."""
    superseded: int = 0
    """Rows read and not passed on because a later one replaces them (a child's earlier episodes)."""
    ahead: int = 0
    """Records whose change time lay past now beyond the tolerance: the position holds at now instead."""
    notes: list[str] = field(default_factory=list)
    """What the read met that a person should know and that is no fault (a file holding no records);
    the run's notes say it."""


@dataclass(frozen=True)
class StreamSample:
    stream: str
    records: list[Record]
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class CheckReport:
    """What `sofs-sync check` shows of a connector: can we reach it, and what does it return."""

    reachable: bool
    detail: str
    samples: list[StreamSample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """What a sync would fail on or get wrong: a configured column the source lacks, an unreadable file."""
    notes: list[str] = field(default_factory=list)
    """What check could not put to the test, named so it is tried another way."""


class Connector(abc.ABC):
    """One configured source of one authority. Subclasses are registered as entry points.

    `config_model` validates the `connector:` block of the authority file; the instance is built
    from the validated model and a resolver for secret references.
    """

    config_model: ClassVar[type[BaseModel]]

    def __init__(self, config: BaseModel, secrets: SecretResolver) -> None:
        self.config = config
        self.secrets = secrets

    @abc.abstractmethod
    def streams(self) -> list[str]:
        """Names of the streams this configuration offers, at least `cases` and `evidence`."""

    @abc.abstractmethod
    def read(self, stream: str, position: Position | None) -> Iterator[Batch]:
        """Yield batches from `position` (None: from the start), applying the stream's lookback."""

    def read_case(self, stream: str, case_ref: str) -> Iterator[Batch]:
        """Yield every record of one case; connectors that cannot filter by case say so."""
        raise CaseFilterUnsupported(f"{type(self).__name__} cannot filter stream {stream!r} to one case")

    def supports_case_filter(self, stream: str) -> bool:
        return False

    def ahead_tolerance(self, stream: str) -> timedelta | None:
        """How far past now a change time may lie before the stream holds its position at now;
        None for a stream that keeps no change-time position."""
        return None

    @abc.abstractmethod
    def check(self, sample_size: int = 5) -> CheckReport:
        """Prove connectivity and read a small sample of each stream, without moving any position."""

    def close(self) -> None:  # noqa: B027 - most connectors hold nothing to release
        """Release connections and sessions."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CaseFilterUnsupported(FatalError):
    """The connector's configuration has no way to read a single case."""


def chunk_keeping_groups(
    records: Iterable[Record], size: int, group_key: str | None = None
) -> Iterator[list[Record]]:
    """Chunk records into lists of about `size`, never splitting a run of equal `group_key` values.

    Form-answer tables arrive one row per answer; the mapping gathers a form's rows, so a batch
    boundary must not fall inside a form. The source must order rows by the group key.
    """
    chunk: list[Record] = []
    for record in records:
        if len(chunk) >= size and (group_key is None or record.get(group_key) != chunk[-1].get(group_key)):
            yield chunk
            chunk = []
        chunk.append(record)
    if chunk:
        yield chunk
