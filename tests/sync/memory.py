"""An in-memory connector and a small authority config, for testing the runner's own logic fast.

Connector behaviour against real servers and databases is tested in tests/connectors; the crash
tests drive the real CLI against real sources.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine

import config.loader
from config.loader import Config, load_config
from connectors.base import Batch, CheckReport, Connector, Position, Record, Rejected, StreamSample
from connectors.errors import RetryBudgetExhausted
from store.schema.engine import make_engine
from store.schema.upgrade import upgrade

AUTHORITY_YAML = """
code: mem-la
name: Memory Council
connector:
  type: memory
identifiers:
  case_ref: keep
  worker: keep
mapping:
  cases:
    source_id: {path: id}
    fields:
      case_ref: {path: id}
      team: {path: team}
      case_type: {path: type, map: {CP: cp, CIN: cin, LAC: looked_after}}
      opened_on: {path: opened, date: iso}
      closed_on: {path: closed, date: iso}
      cp_plan_start: {path: cp_start, date: iso}
      source_updated_at: {path: updated, datetime: iso}
  evidence:
    source_id: {path: form_id}
    fields:
      case_ref: {path: case}
      element:
        path: template
        patterns:
          - {match: "Danger Statement*", element: danger_statement}
          - {match: "Safety Plan*", element: safety_plan}
          - {match: "Mapping*", element: mapping}
      state: {path: status, map: {D: draft, X: cancelled, C: completed}}
      evidenced_on: {path: date, date: iso}
      source_updated_at: {path: updated, datetime: iso}
timeliness:
  safety_plan: {due: {days: 15, working: true, after: cp_plan_start}}
"""


def memory_config(folder: Path, authority_yaml: str = AUTHORITY_YAML, settings: str = "") -> Config:
    """Load a config whose authority uses the `memory` connector type (tests inject the instance)."""
    (folder / "authorities").mkdir(parents=True, exist_ok=True)
    (folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///store.db\n" + settings)
    (folder / "authorities" / "mem-la.yaml").write_text(authority_yaml)
    real = config.loader.connector_type
    config.loader.connector_type = lambda name: MemoryConnector if name == "memory" else real(name)  # type: ignore[assignment]
    try:
        return load_config(folder / "sofs-sync.yaml")
    finally:
        config.loader.connector_type = real


def memory_store(
    folder: Path, patch: pytest.MonkeyPatch, authority_yaml: str = AUTHORITY_YAML
) -> tuple[Config, Engine]:
    """A memory authority's config under `folder` that the command line loads too (the memory
    connector type known to it for the test) and an upgraded SQLite store beside it, with the
    environment's store URL unset so commands use that store."""
    cfg = memory_config(folder, authority_yaml)
    real = config.loader.connector_type
    patch.setattr(config.loader, "connector_type", lambda n: MemoryConnector if n == "memory" else real(n))
    patch.delenv("SOFS_SYNC_STORE_URL", raising=False)
    store = make_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(store)
    return cfg, store


class _AnyOptions(BaseModel):
    model_config = ConfigDict(extra="allow")


class MemoryConnector(Connector):
    """Streams from lists; the position is the offset of the next record."""

    config_model = _AnyOptions

    def __init__(
        self,
        config: BaseModel | None = None,
        secrets: object = None,
        *,
        data: dict[str, list[Record]] | None = None,
        batch_size: int = 2,
        fail_after_batches: int | None = None,
        rejected: dict[str, list[Rejected]] | None = None,
    ) -> None:
        self.data = data if data is not None else {"cases": [], "evidence": []}
        self.batch_size = batch_size
        self.fail_after_batches = fail_after_batches
        self.rejected = rejected or {}
        self.batches_served = 0
        self.positions_asked: list[Position | None] = []

    def streams(self) -> list[str]:
        return list(self.data)

    def read(self, stream: str, position: Position | None) -> Iterator[Batch]:
        self.positions_asked.append(position)
        start = int((position or {}).get("offset", 0))
        records = self.data[stream]
        for offset in range(start, len(records), self.batch_size):
            if self.fail_after_batches is not None and self.batches_served >= self.fail_after_batches:
                raise RetryBudgetExhausted("rate limited: retry budget spent")
            self.batches_served += 1
            end = min(offset + self.batch_size, len(records))
            yield Batch(
                records[offset:end], {"offset": end}, self.rejected.get(stream, []) if offset == start else []
            )

    def supports_case_filter(self, stream: str) -> bool:
        return True

    def read_case(self, stream: str, case_ref: str) -> Iterator[Batch]:
        key = "id" if stream == "cases" else "case"
        yield Batch([r for r in self.data[stream] if r.get(key) == case_ref], {})

    def check(self, sample_size: int = 5) -> CheckReport:
        return CheckReport(True, "memory", [StreamSample(s, r[:sample_size]) for s, r in self.data.items()])


def a_case_record(ref: str, **overrides: Any) -> Record:
    record: Record = {
        "id": ref,
        "team": "North",
        "type": "CP",
        "opened": "2026-01-05",
        "closed": None,
        "cp_start": "2026-01-20",
        "updated": "2026-01-05T09:00:00",
    }
    record.update(overrides)
    return record


def a_form(form_id: str, case: str, template: str, **overrides: Any) -> Record:
    record: Record = {
        "form_id": form_id,
        "case": case,
        "template": template,
        "status": "C",
        "date": "2026-01-25",
        "updated": "2026-01-25T10:00:00",
    }
    record.update(overrides)
    return record


class Crash(BaseException):
    """Stands for the process dying: nothing in the runner catches it, nothing after it runs."""


class CrashingConnector(MemoryConnector):
    """Serves `crash_after` batches of one stream (evidence unless told), then the process 'dies'."""

    def __init__(self, *, crash_after: int, crash_stream: str = "evidence", **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.crash_after = crash_after
        self.crash_stream = crash_stream

    def read(self, stream: str, position: Position | None) -> Iterator[Batch]:
        for served, batch in enumerate(super().read(stream, position)):
            if stream == self.crash_stream and served == self.crash_after:
                raise Crash
            yield batch
