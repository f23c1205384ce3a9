"""Who and where a case sits with, settled after its fields are read: a worker value that is a
person's name is refused, and a team code the source's team list lacks is kept, marked as such."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mapping.identifiers import WORKER_NAME_REASON, Identifiers
from mapping.paths import split_path, walk
from mapping.schema import unlisted_team
from mapping.values import RuleFailure, as_text, is_missing


@dataclass(frozen=True)
class CaseFields:
    identifiers: Identifiers
    unlisted_team: tuple[str, ...] | None = None
    """Where the source's team code is, read when `team` found no team name."""

    @classmethod
    def of(cls, identifiers: Identifiers, unlisted_team_path: str | None) -> CaseFields:
        path = split_path(unlisted_team_path) if unlisted_team_path is not None else None
        return cls(identifiers, path)

    def settle(self, values: dict[str, Any], record: Mapping[str, Any]) -> list[str]:
        """Reasons to quarantine the record (none when it may be stored); fills an unlisted team in."""
        problems = []
        if "worker" in values and self.identifiers.refuses_worker(values["worker"]):
            problems.append(WORKER_NAME_REASON)
        if self.unlisted_team is not None and values.get("team") is None:
            code = walk(record, self.unlisted_team)
            if not is_missing(code):
                try:
                    values["team"] = unlisted_team(as_text(code))
                except RuleFailure as exc:
                    problems.append(f"unlisted_team: {exc}")
        return problems
