"""One YAML file per authority: its source, its mapping, its timeliness rules, its identifier policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.schedule import Schedule
from mapping.audit_scale import AuditScale
from mapping.identifiers import IdentifierPolicy
from mapping.spec import AuthorityMapping
from mapping.timeliness import ElementRule

if TYPE_CHECKING:
    from mapping.dates import DateWindow


class ConnectorBlock(BaseModel):
    """The shell of the `connector:` block; the rest is validated by the connector type's own model."""

    model_config = ConfigDict(extra="allow")

    type: str


class PlausibleDates(BaseModel):
    """The window a record's dates must fall in to be stored; anything else is quarantined as a typo."""

    model_config = ConfigDict(extra="forbid")

    earliest: date = date(1990, 1, 1)
    years_ahead: int = Field(default=2, ge=0, le=50)
    """How far past today a date may lie (review dates and plans are set ahead, not decades ahead)."""

    def window(self, today: date) -> DateWindow:
        # Imported here: the mapper (what a run compiles) is not needed to load the configuration.
        from mapping.dates import DateWindow

        try:
            latest = today.replace(year=today.year + self.years_ahead)
        except ValueError:  # 29 February into a common year
            latest = today.replace(year=today.year + self.years_ahead, day=28)
        return DateWindow(self.earliest, latest)


class Guards(BaseModel):
    """What a run's staged whole must pass before it is published; past any of them it is refused.

    Shares are judged per stream once it has `min_records` records, so one bad record of a small
    incremental run never holds the others back; counts below that are reported, not refused.
    """

    model_config = ConfigDict(extra="forbid")

    orphans: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="the largest share of practice evidence that may name a case the store does not have",
    )
    quarantine: float = Field(
        default=0.5, ge=0, le=1, description="the largest share of a stream's records that may be quarantined"
    )
    duplicates: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="the largest share of a stream's keys one read may hold twice with different content",
    )
    min_records: int = Field(
        default=20, ge=1, description="how many records a stream needs before its shares are judged"
    )


class AuthorityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    schedule: Schedule | None = None
    max_run_minutes: float | None = Field(
        default=None,
        gt=0,
        description="This authority's bound on one run; the settings' `max_run_minutes` when not given.",
    )
    connector: ConnectorBlock
    identifiers: IdentifierPolicy = Field(default_factory=IdentifierPolicy)
    mapping: AuthorityMapping
    audit_scale: AuditScale | None = Field(
        default=None,
        description='The authority\'s own grade scale for collaborative case audits, and its "good" '
        "line; required when the mapping has an audits stream.",
    )
    timeliness: dict[str, ElementRule] = Field(default_factory=dict)
    deletion_guard: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="the largest share of live records a resync may mark deleted without --allow-deletions",
    )
    guards: Guards = Field(default_factory=Guards)
    plausible_dates: PlausibleDates = Field(default_factory=PlausibleDates)
    evidence_current_months: int = Field(
        default=6,
        ge=1,
        le=60,
        description=(
            "evidence older than this many months is shown muted with its age: the whiteboard says "
            "what is current practice, not only what was once done"
        ),
    )

    @model_validator(mode="after")
    def _audits_have_a_scale(self) -> AuthorityFile:
        if self.mapping.audits is not None and self.audit_scale is None:
            raise ValueError(
                "audit_scale: required when the mapping has an audits stream: list the grades best first "
                "(or give a numeric scale) and the good_line"
            )
        return self


@dataclass(frozen=True)
class Authority:
    """A validated authority: its file and its connector configuration, checked by the connector type."""

    path: Path
    file: AuthorityFile
    connector_config: BaseModel

    @property
    def code(self) -> str:
        return self.file.code

    @property
    def name(self) -> str:
        return self.file.name
