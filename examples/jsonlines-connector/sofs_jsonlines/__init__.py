"""An example connector type: each stream is a JSON Lines file, resumed at the line after the last
one stored. A line that is not a JSON object is rejected (quarantined with its reason), never skipped."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from connectors.base import Batch, CheckReport, Connector, Position, Record, Rejected, StreamSample
from connectors.errors import FatalError


class JsonLinesStream(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path = Field(description="The JSON Lines file (absolute, or relative to where sofs-sync runs).")
    case_field: str | None = Field(default=None, description="The key holding the case reference.")


class JsonLinesConfig(BaseModel):
    """No `type:` field: the registry adds `type: Literal["jsonlines"]` for the schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_size: PositiveInt = 500
    streams: dict[str, JsonLinesStream]


class JsonLinesConnector(Connector):
    config_model = JsonLinesConfig
    config: JsonLinesConfig

    def streams(self) -> list[str]:
        return list(self.config.streams)

    def read(self, stream: str, position: Position | None) -> Iterator[Batch]:
        """Batches of lines after `position["line"]`; each batch's position is its last line."""
        start = int((position or {}).get("line", 0))
        lines = enumerate(self._lines(stream), start=1)
        while chunk := list(islice(((n, t) for n, t in lines if n > start), self.config.batch_size)):
            records, rejected = _parsed(chunk)
            yield Batch(records, {"line": chunk[-1][0]}, rejected)

    def supports_case_filter(self, stream: str) -> bool:
        return self.config.streams[stream].case_field is not None

    def read_case(self, stream: str, case_ref: str) -> Iterator[Batch]:
        key = self.config.streams[stream].case_field
        if key is None:
            yield from super().read_case(stream, case_ref)  # raises CaseFilterUnsupported
            return
        records, _unreadable = _parsed(list(enumerate(self._lines(stream), start=1)))
        yield Batch([r for r in records if str(r.get(key)) == case_ref], {}, [])

    def check(self, sample_size: int = 5) -> CheckReport:
        missing = [
            f"{s}: {c.path} does not exist" for s, c in self.config.streams.items() if not c.path.is_file()
        ]
        if missing:
            return CheckReport(False, "; ".join(missing))
        samples = []
        for stream in self.config.streams:
            records, rejected = _parsed(list(islice(enumerate(self._lines(stream), start=1), sample_size)))
            samples.append(StreamSample(stream, records, rejected))
        return CheckReport(True, f"{len(samples)} JSON Lines files readable", samples)

    def _lines(self, stream: str) -> Iterator[str]:
        path = self.config.streams[stream].path
        try:
            with path.open(encoding="utf-8") as lines:
                yield from (line.rstrip("\n") for line in lines)
        except OSError as exc:
            raise FatalError(f"stream {stream}: cannot read {path}: {exc.strerror}") from None


def _parsed(numbered: list[tuple[int, str]]) -> tuple[list[Record], list[Rejected]]:
    """Records from JSON object lines; any other line is rejected by line number, never quoted."""
    records: list[Record] = []
    rejected: list[Rejected] = []
    for number, text in numbered:
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict):
            records.append(value)
        else:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            rejected.append(Rejected(f"line {number} is not a JSON object", raw_hash=digest))
    return records, rejected
