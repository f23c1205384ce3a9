"""Overdue age in ChAT's bands at the end of each week: the service against its own past.

An element of an open case that the status change log holds as overdue on a week's end is aged by
the working days from its due date to that day. The log keeps when a status took effect, not the
due date, so the due date is the one the store holds now; where that cannot have applied then (none
is recorded, or it falls on or after the day the overdue spell began), the age is counted as not
known, never guessed. A week the log does not reach shows no figure rather than a zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dashboard.changes import ElementKey, StatusChange, spells
from dashboard.trends import CaseSpan
from mapping.schema import Status

OVERDUE_BANDS = (
    ("within 5 working days", 0, 5),
    ("6 to 20 working days", 6, 20),
    ("over 20 working days", 21, None),
)
"""Overdue age in bands, as the Children's Services Analysis Tool (ChAT) counts lateness."""


def band_of(working_days: int) -> int:
    """The index in OVERDUE_BANDS of an age in working days past the due date."""
    return next(
        n
        for n, (_, low, high) in enumerate(OVERDUE_BANDS)
        if working_days >= low and (high is None or working_days <= high)
    )


@dataclass(frozen=True)
class BandWeek:
    """How many elements of open cases were overdue at one week's end, by how long."""

    ending: date
    recorded: int
    """Elements of the cases open that day with a status in the log; zero: the log does not reach it."""
    bands: tuple[int, ...]
    age_not_known: int

    @property
    def overdue(self) -> int:
        return sum(self.bands) + self.age_not_known


def weekly_bands(
    changes: Iterable[StatusChange],
    cases: Sequence[CaseSpan],
    elements: Sequence[str],
    due_on: Mapping[ElementKey, date],
    endings: Sequence[date],
    working_days: Callable[[date, date], int],
) -> list[BandWeek]:
    """One BandWeek per week ending, over these cases' `elements`; `working_days(start, end)` counts as
    `mapping.timeliness.working_days_between` does."""
    by_key = spells(changes)
    histories = [
        (
            case,
            by_key.get((case.authority, case.case_ref, element), []),
            (case.authority, case.case_ref, element),
        )
        for case in cases
        for element in elements
    ]
    found = []
    for ending in endings:
        recorded, unknown = 0, 0
        bands = [0] * len(OVERDUE_BANDS)
        for case, history, key in histories:
            if not case.open_on(ending):
                continue
            held = [c for c in history if c.held_on(ending)]
            if not held:
                continue
            recorded += 1
            spell = held[-1]
            if spell.status is not Status.OVERDUE:
                continue
            due = due_on.get(key)
            if due is None or due >= spell.from_date:
                unknown += 1
            else:
                bands[band_of(working_days(due, ending))] += 1
        found.append(BandWeek(ending, recorded, tuple(bands), unknown))
    return found
