"""The `files` connector: a folder of drops (local or a mounted share), each read once, whole.

A drop is one file (or, for SSDA903, the episodes file and its siblings), known by the hash of its
content: renaming or re-dropping the same file does nothing, and a changed file is a new drop. A drop
still being written (modified within `settle_seconds`, or changing size while we hash it) waits for
the next run. A drop that cannot be parsed becomes one Rejected with its hash and loads nothing; one
that holds no records (a header and nothing else) is read, and a note says so.

Position of a stream:
  {"processed": [hashes of finished drops], "partial": {"hash": h, "delivered": n}}
`partial` names the drop being delivered and how many of its records are in earlier batches; a drop's
hash joins `processed` only in the batch carrying its last record.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, Field, PositiveInt, field_validator

from connectors.base import (
    Batch,
    CaseFilterUnsupported,
    CheckReport,
    Connector,
    Position,
    SecretResolver,
    StreamSample,
)
from connectors.config_blocks import StrictModel, check_required_streams
from connectors.errors import FatalError, RetriableError
from connectors.formats import BadFile, FormatConfig, Parsed

log = logging.getLogger(__name__)


class FilesStream(StrictModel):
    glob: str = Field(
        min_length=1, description="relative to the folder, e.g. cin/*.xml or 903/*/episodes.csv"
    )
    format: FormatConfig
    case_field: str | None = Field(default=None, description="record field holding the case reference")

    @field_validator("glob")
    @classmethod
    def _inside_folder(cls, glob: str) -> str:
        if PurePosixPath(glob).is_absolute() or ".." in PurePosixPath(glob).parts:
            raise ValueError("the glob must stay inside the folder (relative, no '..')")
        return glob


class FilesConfig(StrictModel):
    type: Literal["files"] = "files"
    folder: str = Field(min_length=1)
    settle_seconds: float = Field(default=120, ge=0, description="a file changed this recently waits")
    batch_size: PositiveInt = 1000
    streams: dict[str, FilesStream]

    @field_validator("streams")
    @classmethod
    def _required_streams(cls, streams: dict[str, FilesStream]) -> dict[str, FilesStream]:
        return check_required_streams(streams)


@dataclass(frozen=True)
class _Drop:
    name: str
    members: list[Path]
    content_hash: str


class FilesConnector(Connector):
    config_model = FilesConfig

    def __init__(
        self, config: BaseModel, secrets: SecretResolver, *, clock: Callable[[], float] = time.time
    ) -> None:
        if not isinstance(config, FilesConfig):
            raise TypeError("FilesConnector needs a FilesConfig")
        super().__init__(config, secrets)
        self.files: FilesConfig = config
        self.clock = clock

    def streams(self) -> list[str]:
        return list(self.files.streams)

    def supports_case_filter(self, stream: str) -> bool:
        return self._stream(stream).case_field is not None

    def read(self, stream: str, position: Position | None) -> Iterator[Batch]:
        spec = self._stream(stream)
        saved = position or {}
        processed: set[str] = set(saved.get("processed", []))
        partial = saved.get("partial") or {}
        size = self.files.batch_size
        delivered_any = False
        deferred: list[str] = []
        for drop in self._drops(spec, deferred):
            if drop.content_hash in processed:
                continue
            try:
                parsed = spec.format.parse(drop.members)
            except BadFile as exc:
                processed.add(drop.content_hash)
                rejected = exc.rejected(drop.name, drop.content_hash)
                yield Batch([], {"processed": sorted(processed)}, [rejected], [f"{drop.name} cannot be read"])
                delivered_any = True
                continue
            done = partial.get("delivered", 0) if partial.get("hash") == drop.content_hash else 0
            while True:
                chunk = parsed.records[done : done + size]
                done += len(chunk)
                if done < len(parsed.records):
                    in_flight = {"hash": drop.content_hash, "delivered": done}
                    yield Batch(chunk, {"processed": sorted(processed), "partial": in_flight})
                    continue
                processed.add(drop.content_hash)
                done_position = {"processed": sorted(processed)}
                yield Batch(
                    chunk,
                    done_position,
                    parsed.rejected,
                    _loaded_nothing(drop.name, parsed),
                    parsed.superseded,
                    notes=_held_nothing(drop.name, parsed),
                )
                delivered_any = True
                break
        waiting = [f"{name} is still being written; it waits for the next run" for name in deferred]
        if waiting or not delivered_any:
            # A run with nothing new still ends on a batch that confirms where it stands.
            yield Batch([], {"processed": sorted(processed)}, incomplete=waiting)

    def read_case(self, stream: str, case_ref: str) -> Iterator[Batch]:
        """Every record of one case across all settled drops, processed or not; moves no position."""
        spec = self._stream(stream)
        field = spec.case_field
        if field is None:
            raise CaseFilterUnsupported(f"stream {stream!r} has no case_field configured")
        for drop in self._drops(spec, []):
            try:
                parsed = spec.format.parse(drop.members)
            except BadFile:
                continue  # quarantined when the drop was first read
            matching = [r for r in parsed.records if str(r.get(field)) == case_ref]
            for start in range(0, len(matching), self.files.batch_size):
                yield Batch(matching[start : start + self.files.batch_size], {})

    def check(self, sample_size: int = 5) -> CheckReport:
        samples: list[StreamSample] = []
        counts: list[str] = []
        problems: list[str] = []
        notes: list[str] = []
        try:
            for name, spec in self.files.streams.items():
                drops = list(self._drops(spec, []))
                counts.append(f"{len(drops)} ready for {name}")
                if not drops:
                    samples.append(StreamSample(name, []))
                    continue
                try:
                    parsed = spec.format.parse(drops[0].members)
                    samples.append(
                        StreamSample(name, parsed.records[:sample_size], parsed.rejected[:sample_size])
                    )
                    notes += [f"stream {name}: {held}" for held in _held_nothing(drops[0].name, parsed)]
                except BadFile as exc:
                    reason = exc.rejected(drops[0].name, drops[0].content_hash)
                    samples.append(StreamSample(name, [], [reason]))
                    problems.append(f"stream {name}: {drops[0].name} cannot be read: {exc}")
        except RetriableError as exc:
            return CheckReport(reachable=False, detail=str(exc), samples=samples)
        return CheckReport(
            reachable=True,
            detail=f"{self.files.folder}: " + ", ".join(counts),
            samples=samples,
            problems=problems,
            notes=notes,
        )

    def _drops(self, spec: FilesStream, deferred: list[str]) -> Iterator[_Drop]:
        """Settled drops matching the stream's glob, oldest first; names of the others go to `deferred`."""
        folder = Path(self.files.folder)
        if not folder.is_dir():
            if folder.parent.is_dir() and any(folder.parent.iterdir()):
                # Its parent is there and holds other things: not an unmounted share (whose mount
                # point would be empty) but a wrong path, which no retry will mend.
                raise FatalError(
                    f"folder {folder} does not exist, though {folder.parent} does: correct the `folder:` "
                    "path in the authority file (a relative path counts from the authority file's folder), "
                    "or mount the share if the folder is on one"
                )
            raise RetriableError(f"folder {folder} does not exist or is not mounted")
        inside = folder.resolve()
        candidates = []
        for path in folder.glob(spec.glob):
            if not _resolves_inside(path, inside):
                # A symlink (or a linked folder) pointing elsewhere: never read what the drop doesn't hold.
                log.warning("files: %s resolves outside the folder; refused", path.relative_to(folder))
                continue
            if path.is_file() and spec.format.is_drop(path):
                try:
                    candidates.append((path.stat().st_mtime, str(path.relative_to(folder)), path))
                except OSError:
                    continue  # vanished between listing and stat
        for _, name, path in sorted(candidates):
            members = spec.format.members(path)
            if not all(_resolves_inside(member, inside) for member in members):
                log.warning("files: a member of %s resolves outside the folder; refused", name)
                continue
            content_hash = self._settled_hash(name, members)
            if content_hash is not None:
                yield _Drop(name, members, content_hash)
            else:
                deferred.append(name)

    def _settled_hash(self, name: str, members: list[Path]) -> str | None:
        """The drop's content hash, or None while any member is still being written."""
        try:
            before = [m.stat() for m in members]
            if any(self.clock() - st.st_mtime < self.files.settle_seconds for st in before):
                log.info(
                    "files: %s changed within %ss; deferred to the next run", name, self.files.settle_seconds
                )
                return None
            content_hash = _content_hash(members)
            after = [m.stat() for m in members]
        except OSError as exc:
            log.warning("files: %s cannot be read (%s); deferred to the next run", name, exc.strerror)
            return None
        if [(s.st_size, s.st_mtime_ns) for s in before] != [(s.st_size, s.st_mtime_ns) for s in after]:
            log.info("files: %s changed while being read; deferred to the next run", name)
            return None
        return content_hash

    def _stream(self, stream: str) -> FilesStream:
        try:
            return self.files.streams[stream]
        except KeyError:
            raise FatalError(f"unknown stream {stream!r}; configured: {sorted(self.files.streams)}") from None


def _loaded_nothing(name: str, parsed: Parsed) -> list[str]:
    """A drop whose every record was rejected: what it holds did not arrive."""
    return [f"no record of {name} could be read"] if parsed.rejected and not parsed.records else []


def _held_nothing(name: str, parsed: Parsed) -> list[str]:
    """A drop read whole that holds no records at all (a header and nothing else): no fault of the read,
    so no shortfall, and said once, on the run that read it (a drop is read once, by its content)."""
    if parsed.records or parsed.rejected or parsed.superseded:
        return []
    return [f"{name} holds no records, only its header"]


def _resolves_inside(path: Path, folder: Path) -> bool:
    """Whether the file, with every symlink followed, is inside the (resolved) drop folder."""
    try:
        return path.resolve().is_relative_to(folder)
    except (OSError, RuntimeError):
        return False  # a symlink loop or an unreadable link


def _content_hash(members: list[Path]) -> str:
    """SHA-256 of the file; for a multi-file drop, of each member's name and content in turn."""
    digests = []
    for member in members:
        digest = hashlib.sha256()
        with member.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digests.append((member.name, digest.hexdigest()))
    if len(digests) == 1:
        return digests[0][1]
    combined = hashlib.sha256()
    for name, hexdigest in digests:
        combined.update(f"{name}\0{hexdigest}\n".encode())
    return combined.hexdigest()
