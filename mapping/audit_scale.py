"""An authority's audit grade scale (`audit_scale:`): its grades in order, their words, its "good" line.

Every authority grades collaborative case audits on its own scale: four words
(Outstanding / Good / Requires improvement / Inadequate) or a number (0 to 10). The scale is
declared once, and an audit's grade is read against it: a grade the scale does not have is never
guessed at, the record is quarantined naming the codes the scale has.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mapping.values import RuleFailure, as_text, describe

_STRICT = ConfigDict(extra="forbid", frozen=True)
MOST_GRADES = 101
"""An audit's rank is 0 to 100 in the store: a scale has at most this many grades."""


class Grade(BaseModel):
    """One grade of a worded scale: the code the mapping gives and the words people read."""

    model_config = _STRICT

    code: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9_]*$",
        description="The grade's code, as the mapping's grade map gives it and the store keeps it.",
        examples=["requires_improvement"],
    )
    words: str = Field(
        min_length=1,
        max_length=64,
        description="The grade as people write it.",
        examples=["Requires improvement"],
    )


class NumericScale(BaseModel):
    """A scale of whole numbers, `lowest` to `highest`; a grade reads as "7 of 10"."""

    model_config = _STRICT

    lowest: int = Field(ge=0)
    highest: int

    @model_validator(mode="after")
    def _in_order(self) -> NumericScale:
        if self.highest <= self.lowest:
            raise ValueError("highest must be above lowest")
        if self.highest - self.lowest >= MOST_GRADES:
            raise ValueError(f"a scale has at most {MOST_GRADES} grades")
        return self


class AuditScale(BaseModel):
    """The authority's audit grade scale: `grades` best first, or `numeric`, and its `good_line`."""

    model_config = _STRICT

    grades: list[Grade] | None = Field(
        default=None,
        min_length=2,
        max_length=MOST_GRADES,
        description="The grades best first, as people write them; the last is the lowest.",
    )
    numeric: NumericScale | None = Field(
        default=None, description="A numeric scale instead of worded grades, e.g. {lowest: 0, highest: 10}."
    )
    good_line: str = Field(
        description='The grade at or above which an audit meets the authority\'s "good" line: a code of '
        "`grades`, or a number of the numeric scale."
    )

    @field_validator("good_line", mode="before")
    @classmethod
    def _number_as_code(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one_kind_and_line_on_it(self) -> AuditScale:
        if (self.grades is None) == (self.numeric is None):
            raise ValueError("an audit scale needs exactly one of grades: or numeric:")
        codes = self.codes()
        if len(set(codes)) != len(codes):
            raise ValueError("grades: a code is listed twice")
        if self.good_line not in codes:
            raise ValueError(f"good_line: {self.good_line!r} is not on the scale; expected one of {codes}")
        return self

    def codes(self) -> list[str]:
        """The scale's codes, best first."""
        if self.grades is not None:
            return [g.code for g in self.grades]
        assert self.numeric is not None
        return [str(n) for n in range(self.numeric.highest, self.numeric.lowest - 1, -1)]

    def grading(self) -> Grading:
        return Grading.of(self)


class Graded(BaseModel):
    """What a grade means on the scale: its words, its rank (0 the lowest) and the good line."""

    model_config = _STRICT

    code: str
    words: str
    rank: int
    meets_good_line: bool


class Grading:
    """The scale compiled for mapping: a grade code to what it means, once per run."""

    def __init__(self, by_code: dict[str, Graded]) -> None:
        self.by_code = by_code
        self.codes = list(by_code)

    @classmethod
    def of(cls, scale: AuditScale) -> Grading:
        codes = scale.codes()
        line = len(codes) - 1 - codes.index(scale.good_line)
        words = (
            {g.code: g.words for g in scale.grades}
            if scale.grades is not None
            else {code: f"{code} of {codes[0]}" for code in codes}
        )
        by_code = {}
        for place, code in enumerate(codes):
            rank = len(codes) - 1 - place
            by_code[code] = Graded(code=code, words=words[code], rank=rank, meets_good_line=rank >= line)
        return cls(by_code)

    def grade(self, value: Any) -> Graded:
        """What a mapped grade means; a grade not on the scale is a `RuleFailure` naming its codes."""
        code = as_text(value) if value is not None else None
        found = self.by_code.get(code) if code else None
        if found is None:
            raise RuleFailure(
                f"{describe(value)} is not a grade on the authority's audit scale "
                f"({', '.join(self.codes)}): map the source's grade to one of these codes"
            )
        return found
