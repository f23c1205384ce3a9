"""An audit's grades read against the authority's scale, settled after its fields are read.

The grade's words, its rank and whether it meets the good line come from the scale, never from the
source; a grade or an area grade the scale does not have quarantines the record, naming the codes
the scale has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mapping.audit_scale import Grading
from mapping.checks import AREA_PREFIX
from mapping.values import RuleFailure


@dataclass(frozen=True)
class AuditFields:
    grading: Grading
    areas: tuple[str, ...] = ()
    """The `area.<name>` fields read, whose values become `area_grades`."""

    def settle(self, values: dict[str, Any]) -> list[str]:
        """Reasons to quarantine the audit (none when it may be stored); fills in what the scale says."""
        problems = []
        grade = values.get("grade")
        if grade is not None:
            try:
                graded = self.grading.grade(grade)
            except RuleFailure as exc:
                problems.append(f"grade: {exc}")
            else:
                values["grade"] = graded.code
                values["grade_words"] = graded.words
                values["grade_rank"] = graded.rank
                values["meets_good_line"] = graded.meets_good_line
        areas = {}
        for name in self.areas:
            value = values.pop(name, None)
            if value is None:
                continue
            try:
                areas[name.removeprefix(AREA_PREFIX)] = self.grading.grade(value).code
            except RuleFailure as exc:
                problems.append(f"{name}: {exc}")
        values["area_grades"] = dict(sorted(areas.items()))
        if values.get("participants") is None:
            values["participants"] = ()
        return problems
