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


class EpisodeKind(StrEnum):
    """What a period of a child's course was; a case's history is a list of these."""

    REFERRAL = "referral"
    """A referral and the child-in-need episode it opened, from the referral date to closure."""
    EARLY_HELP = "early_help"
    CP_PLAN = "cp_plan"
    LOOKED_AFTER = "looked_after"
    """A period of care (an SSDA903 episode, or a run of them), from entering care to leaving it."""


class CaseEpisode(_Record):
    """One referral, CP plan or period of care a source gives for a case, with its dates.

    Every episode is kept: the case itself is still decided by its latest record in the cases
    stream, while the outcome rules read the whole course from these.
    """

    authority: str = _REF
    source_id: str = _REF
    case_ref: str = _REF
    kind: EpisodeKind
    started_on: date
    ended_on: date | None = None
    end_reason: str | None = Field(default=None, max_length=64)
    """The source's code for why it ended (CIN census RC1-RC8, SSDA903 REC codes), never narrative."""
    previous_cp_plans: int | None = Field(default=None, ge=0, le=99)
    """For a CP plan: how many plans the child had before it, as the source says (`NumberOfPreviousCPP`)."""
    source_updated_at: datetime | None = None

    @model_validator(mode="after")
    def _ended_after_started(self) -> CaseEpisode:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ValueError(
                "ended_on is before started_on: an episode cannot end before it starts, check the "
                "columns and date formats the two fields read"
            )
        return self


class FamilyParticipation(StrEnum):
    """How the family took part in a collaborative case audit, as the audit form records it."""

    TOOK_PART = "took_part"
    PARTLY = "partly"
    DID_NOT_TAKE_PART = "did_not_take_part"


class AreaGrade(_Record):
    """One practice area's grade on an audit, with what the authority's scale says of it."""

    grade: str = Field(min_length=1, max_length=64)
    words: str = Field(min_length=1, max_length=64)
    meets_good_line: bool


class Audit(_Record):
    """One collaborative case audit of a case: its date, its grade on the authority's own scale.

    The grade is the scale's code; its words, its place on the scale (0 is the lowest) and whether it
    is at or above the authority's "good" line are filled from the authority's `audit_scale:` when
    the record is mapped, so a reader needs no configuration to show them. Participants are roles,
    never names.
    """

    authority: str = _REF
    source_id: str = _REF
    case_ref: str = _REF
    audited_on: date
    grade: str = Field(min_length=1, max_length=64)
    grade_words: str = Field(min_length=1, max_length=64)
    grade_rank: int = Field(ge=0, le=100)
    meets_good_line: bool
    family_participation: FamilyParticipation | None = None
    participants: tuple[str, ...] = Field(default=(), max_length=16)
    """Role codes (`practitioner`, `team_manager`, `parent`, ...), each at most 64 characters."""
    area_grades: dict[str, AreaGrade] = Field(default_factory=dict, max_length=32)
    """Practice area (`danger_statements`, `safety_goals`, ...) to its grade on the same scale, with
    the scale's words, so a per-area grade reads like the overall one without the configuration."""
    source_updated_at: datetime | None = None
