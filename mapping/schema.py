"""The common practice-evidence schema every authority's records are mapped into.

Only what the whiteboard needs: pseudonymised or LA references, states and dates. No names, dates
of birth, addresses or narrative text ever have a field here, so they cannot be stored by accident.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CaseType(StrEnum):
    EARLY_HELP = "early_help"
    CIN = "cin"
    CP = "cp"
    LOOKED_AFTER = "looked_after"
    CARE_LEAVER = "care_leaver"


class EvidenceState(StrEnum):
    """The state of a piece of evidence as the source recorded it; never upgraded by us."""

    DRAFT = "draft"
    COMPLETED = "completed"
    AUTHORISED = "authorised"
    CANCELLED = "cancelled"

    @property
    def counts_as_evidence(self) -> bool:
        return self in (EvidenceState.COMPLETED, EvidenceState.AUTHORISED)


class Status(StrEnum):
    """Per-case element status, the vocabulary of the whiteboard."""

    EVIDENCED = "evidenced"
    REVIEW_DUE = "review_due"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    OVERDUE = "overdue"

    @property
    def rank(self) -> int:
        """Higher is better; used to state that new completed evidence never makes things worse."""
        return _STATUS_RANK[self]


_STATUS_RANK = {
    Status.EVIDENCED: 4,
    Status.REVIEW_DUE: 3,
    Status.IN_PROGRESS: 2,
    Status.NOT_STARTED: 1,
    Status.OVERDUE: 0,
}

_REF = Field(min_length=1, max_length=128)

UNLISTED_TEAM = "(team not in the team list)"
"""How a case's team reads when the source names a team code its own team list lacks: the code is
kept (so the team can be put right at the source) and never passed off as a team's name."""


def unlisted_team(code: str) -> str:
    return f"{code} {UNLISTED_TEAM}"


def is_unlisted_team(team: str | None) -> bool:
    return team is not None and team.endswith(UNLISTED_TEAM)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Case(_Record):
    """One open or closed case of one authority: the skeleton the whiteboard hangs evidence on."""

    authority: str = _REF
    case_ref: str = _REF
    team: str | None = Field(default=None, max_length=128)
    worker: str | None = Field(default=None, max_length=128)
    case_type: CaseType
    opened_on: date
    closed_on: date | None = None
    cp_plan_start: date | None = None
    source_updated_at: datetime | None = None

    @model_validator(mode="after")
    def _closed_after_opened(self) -> Case:
        if self.closed_on is not None and self.closed_on < self.opened_on:
            raise ValueError(
                "closed_on is before opened_on: a case cannot close before it opens, check the columns "
                "and date formats the two fields read"
            )
        return self


class Evidence(_Record):
    """One piece of practice evidence (a form, a workflow step) for one element of one case."""

    authority: str = _REF
    source_id: str = _REF
    case_ref: str = _REF
    element: str = Field(min_length=1, max_length=64)
    kind: str | None = Field(default=None, max_length=64)
    state: EvidenceState
    evidenced_on: date
    scale_value: int | None = Field(default=None, ge=0, le=10)
    source_updated_at: datetime | None = None


class ElementStatus(_Record):
    """The computed status of one element for one case on one date."""

    element: str
    status: Status
    first_evidenced_on: date | None = None
    last_evidenced_on: date | None = None
    due_on: date | None = None
    evidence_count: int = 0
    latest_scale_value: int | None = None
