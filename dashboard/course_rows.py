"""A case's episode rows from the store as the outcome rules (`mapping.course`) take them; kept apart
from the views so that a JSON listing reads them without the terminal library."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mapping.schema import CaseEpisode


def episode_from_row(authority: str, row: Mapping[str, Any]) -> CaseEpisode:
    """A store episode row as the outcome rules take it."""
    return CaseEpisode(
        authority=authority,
        source_id=str(row["source_id"]),
        case_ref=str(row["case_ref"]),
        kind=row["kind"],
        started_on=row["started_on"],
        ended_on=row.get("ended_on"),
        end_reason=row.get("end_reason"),
        previous_cp_plans=row.get("previous_cp_plans"),
    )
