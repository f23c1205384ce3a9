"""The `mapping:` block of an authority file, as pydantic models whose errors name the key path.

These models check what the block says on its own (rule shapes, regexes, date formats, unknown
keys). What it means against the schema and the element catalogue is checked when it is compiled
(`mapping.checks`), because the catalogue is per-authority data.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from mapping.timeformats import time_format
from mapping.values import RuleFailure, as_text

_STRICT = ConfigDict(extra="forbid", frozen=True)


def _yaml_scalar_as_path(path: Any) -> Any:
    if isinstance(path, bool) or path is None:
        raise ValueError(f"{path!r} is how YAML reads an unquoted yes/no/on/off/null; quote the path")
    return str(path) if isinstance(path, int) else path


def _check_path(path: str) -> str:
    if not path or any(not segment for segment in path.split(".")):
        raise ValueError(f"{path!r} is not a field path; expected keys joined by dots, like answers.SCALE")
    return path


FieldPath = Annotated[str, BeforeValidator(_yaml_scalar_as_path), AfterValidator(_check_path)]
"""A dotted path into a source record: `DIM_PERSON_ID`, `answers.SAFETY_SCALE`, `steps.0.status`."""


class Pattern(BaseModel):
    """One `patterns:` entry: a glob (`match:`) or a regex (`regex:`), and what a match gives."""

    model_config = _STRICT

    match: str | None = None
    regex: str | None = None
    element: str | list[str] | None = Field(
        default=None,
        description="The element a match evidences, or a list when one form evidences several (each "
        "its own row).",
    )
    value: Any = None

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, regex: str | None) -> str | None:
        if regex is not None:
            try:
                re.compile(regex)
            except re.error as exc:
                raise ValueError(f"{regex!r} is not a valid regular expression: {exc}") from None
        return regex

    @model_validator(mode="after")
    def _one_test_one_output(self) -> Pattern:
        if (self.match is None) == (self.regex is None):
            raise ValueError("a pattern needs exactly one of match: (a glob) or regex:")
        if ("element" in self.model_fields_set) == ("value" in self.model_fields_set):
            raise ValueError("a pattern needs exactly one of element: or value:")
        if isinstance(self.element, list) and not self.element:
            raise ValueError("element: lists at least one element")
        return self

    @property
    def output(self) -> Any:
        return self.element if "element" in self.model_fields_set else self.value


def _plain_keys(entries: Any) -> Any:
    """Map keys as text; YAML turns unquoted yes/no/on/off into booleans, which is never meant."""
    if not isinstance(entries, dict):
        return entries
    keys: dict[str, Any] = {}
    for key, target in entries.items():
        if isinstance(key, bool) or key is None:
            raise ValueError(
                f"map key {key!r} is how YAML reads an unquoted yes/no/on/off/null; quote the key"
            )
        try:
            keys[as_text(key)] = target
        except RuleFailure as exc:
            raise ValueError(f"map key {key!r} cannot be used: {exc}") from None
    return keys


def _valid_time_format(spec: str | None) -> str | None:
    if spec is not None:
        time_format(spec)
    return spec


class FieldRule(BaseModel):
    """Where one schema field's value comes from and what it becomes.

    Exactly one source (`path`, `first_of`, `const`) and at most one of `map`, `date`,
    `datetime`, `patterns`, `number`. `default` stands in when the source is empty or a map or
    pattern does not match; `default: null` lets a map leave codes it does not know empty.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    path: FieldPath | None = None
    first_of: list[FieldPath] | None = Field(default=None, min_length=1)
    const: Any = None
    value_map: dict[str, Any] | None = Field(default=None, alias="map", min_length=1)
    date_format: str | None = Field(default=None, alias="date")
    datetime_format: str | None = Field(default=None, alias="datetime")
    patterns: list[Pattern] | None = Field(default=None, min_length=1)
    number: bool = False
    split: str | None = Field(
        default=None,
        min_length=1,
        description="list fields: the separator a text value is split on; items are trimmed, empty ones "
        "dropped, then each is mapped. A list at the path is taken as it is.",
    )
    default: Any = None
    required: bool = False

    _keys_as_text = field_validator("value_map", mode="before")(_plain_keys)
    _formats_valid = field_validator("date_format", "datetime_format")(_valid_time_format)

    @model_validator(mode="after")
    def _one_source_one_transform(self) -> FieldRule:
        sources = [name for name in ("path", "first_of", "const") if name in self._given()]
        if len(sources) != 1:
            raise ValueError(
                f"a rule needs exactly one of path:, first_of: or const:; got {sources or 'none'}"
            )
        transforms = self.transform_keys()
        if len(transforms) > 1:
            raise ValueError(
                f"a rule takes at most one of map:, date:, datetime:, patterns:, number:; got {transforms}"
            )
        if sources == ["const"] and (transforms or self.default is not None):
            raise ValueError(
                "const: is the value itself; it takes no map:, date:, patterns:, number: or default:"
            )
        if self.split is not None and (sources == ["const"] or transforms not in ([], ["map"])):
            raise ValueError("split: reads a list from the record; it takes a map: for the items, or nothing")
        return self

    def _given(self) -> set[str]:
        return {name for name in self.model_fields_set if getattr(self, name) is not None or name == "const"}

    def transform_keys(self) -> list[str]:
        """The transform keys used, by their YAML names."""
        given = {
            "map": self.value_map is not None,
            "date": self.date_format is not None,
            "datetime": self.datetime_format is not None,
            "patterns": self.patterns is not None,
            "number": self.number,
        }
        return [key for key, used in given.items() if used]

    @property
    def is_const(self) -> bool:
        return "const" in self.model_fields_set

    def source_paths(self) -> list[str]:
        if self.path is not None:
            return [self.path]
        return list(self.first_of or [])


class Gather(BaseModel):
    """Form-answer tables have a row per answer: gather a form's rows into one record.

    The gathered record is the first row's columns (less the question and answer columns) plus
    `answers: {question: answer}`. `answer` may list columns (Mosaic keeps text, number and date
    answers apart): the first with a value is the answer, and a question's first answer wins.
    """

    model_config = _STRICT

    by: FieldPath
    question: FieldPath
    answer: FieldPath | list[FieldPath]

    @property
    def answer_paths(self) -> list[str]:
        return [self.answer] if isinstance(self.answer, str) else list(self.answer)


DUPLICATE_ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "cases": ("source_updated_at", "opened_on", "closed_on", "cp_plan_start"),
    "evidence": ("source_updated_at", "evidenced_on"),
    "audits": ("source_updated_at", "audited_on"),
    "episodes": ("source_updated_at", "started_on"),
}
"""The schema fields a duplicate rule may order by, per stream: the record's dates."""


class StreamMapping(BaseModel):
    """How one stream's records become schema records."""

    model_config = _STRICT

    gather: Gather | None = None
    source_id: FieldRule
    fields: dict[str, FieldRule]
    system_fields: list[str] = Field(
        default_factory=list,
        description="Source columns (or schema fields) that CMS jobs rewrite; they never count as a change.",
    )
    latest_by: str = Field(
        default="source_updated_at",
        description=(
            "When one read holds a key twice, the row latest by this schema date wins (on a tie an open "
            "case beats a closed one, then the content decides); never the row that came last."
        ),
    )
    unlisted_team: FieldPath | None = Field(
        default=None,
        description="cases only: the source's team code, taken when `team` finds no team name (a code "
        "the team list lacks); the case's team is then the code marked '(team not in the team list)'.",
    )

    def system_derived(self) -> frozenset[str]:
        """Schema fields left out of the content hash: listed themselves, or read only from system columns."""
        system = set(self.system_fields)
        return frozenset(
            name
            for name, rule in self.fields.items()
            if name in system or (rule.source_paths() and set(rule.source_paths()) <= system)
        )


class AuthorityMapping(BaseModel):
    """An authority file's `mapping:` block."""

    model_config = _STRICT

    timezone: str = Field(
        default="Europe/London",
        description="The zone of the source's clock: naive datetimes are read as local time there.",
    )
    cases: StreamMapping
    evidence: StreamMapping
    audits: StreamMapping | None = Field(
        default=None,
        description="Collaborative case audits: how good the practice on a case was, graded on the "
        "authority's `audit_scale:`. Optional.",
    )
    episodes: StreamMapping | None = Field(
        default=None,
        description="Every referral, CP plan and period of care of a case, with its dates: the course its "
        "outcomes are read from. Optional.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}; expected a name like Europe/London") from None
        return name

    @model_validator(mode="after")
    def _stream_rules_fit_their_stream(self) -> AuthorityMapping:
        for name, stream in self.streams().items():
            allowed = DUPLICATE_ORDER_FIELDS[name]
            if stream.latest_by not in allowed:
                raise ValueError(
                    f"{name}.latest_by: {stream.latest_by!r} is not a date of the "
                    f"{name} schema; expected one of {', '.join(allowed)}"
                )
        for name, stream in self.streams().items():
            if name != "cases" and stream.unlisted_team is not None:
                raise ValueError(f"{name}.unlisted_team: only cases carry a team; move it under cases")
        return self

    def streams(self) -> dict[str, StreamMapping]:
        """The mapped streams in the order a run reads them: cases, evidence, then the optional ones."""
        optional = {"audits": self.audits, "episodes": self.episodes}
        return {
            "cases": self.cases,
            "evidence": self.evidence,
            **{name: stream for name, stream in optional.items() if stream is not None},
        }
