"""One whiteboard cell: an element of a case with the evidence behind its status word.

A status word alone hides what supervision talks about: that a plan came six working days late,
that a scale moved 2 -> 6, that a draft sits beside an overdue, that a meeting is booked, that the
authority set no deadline at all. A cell carries those facts, worked out here from the store's status
row and the case's source records; renderers choose how to show them. Pure: the date is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any

from mapping.schema import EvidenceState, Status
from mapping.status import COUNTING_STATE_VALUES, evidence_order, review_due_on
from mapping.timeliness import (
    ElementRule,
    HolidayCalendar,
    add_months,
    england_bank_holidays,
    working_days_between,
)

UP, DOWN, SAME = "up", "down", "same"
DIRECTION_SYMBOLS = {UP: "↑", DOWN: "↓", SAME: "→"}
"""Scale direction as an arrow and as a word, so it never rests on colour."""


@dataclass(frozen=True)
class SourceRecord:
    """One evidence row as the store holds it: a form or workflow step, never its content."""

    source_id: str
    element: str
    kind: str | None
    """The tool or form variety, where the source says: `three_houses`, `safety_house`, ..."""
    state: str
    evidenced_on: date
    scale_value: int | None = None
    deleted_on: date | None = None
    """The day a resync found the record gone from the source; it no longer counts."""

    @property
    def live(self) -> bool:
        return self.deleted_on is None and self.state != EvidenceState.CANCELLED

    @property
    def completed(self) -> bool:
        return self.live and self.state in COUNTING_STATE_VALUES


@dataclass(frozen=True)
class ElementEvidence:
    """What a case's records say about one element beyond its status row."""

    scale: tuple[int, ...] = ()
    """Scaling judgements on completed records to date, oldest first: the trajectory."""
    draft_on: date | None = None
    """The latest draft dated after the last completed record: work in progress."""
    planned_on: date | None = None
    """The earliest record dated after today, such as a network meeting booked for next week."""


def element_evidence(records: Iterable[SourceRecord], on: date) -> dict[str, ElementEvidence]:
    """Per element, the scale trajectory, draft in progress and planned date from one case's records."""
    by_element: dict[str, list[LiveRecord]] = {}
    for r in records:
        if r.live:
            by_element.setdefault(r.element, []).append(
                (r.state, r.evidenced_on.isoformat(), r.scale_value, r.source_id)
            )
    found: dict[str, ElementEvidence] = {}
    for element, live in by_element.items():
        scale, draft_on, planned_on = summarise_live(live, on.isoformat())
        found[element] = ElementEvidence(scale, as_date(draft_on), as_date(planned_on))
    return found


LiveRecord = tuple[str, str, int | None, str]
"""A live (neither deleted nor cancelled) record of one case element as the store reads it: state,
date as ISO text, scale value, source id."""
Summary = tuple[tuple[int, ...], str | None, str | None]
"""An `ElementEvidence` with its dates as ISO text: scale trajectory, draft date, planned date."""


def summarise_live(live: Sequence[LiveRecord], on: str) -> Summary:
    """`element_evidence` of one case element's live records, on ISO text (which sorts as the dates
    do): the whiteboard calls this for every case element, so it works on the rows as read."""
    if len(live) == 1:  # most case elements have one record: the same answer, without the sorting
        state, day, scale_value, _ = live[0]
        if day > on:
            return (), None, day
        if state in COUNTING_STATE_VALUES:
            return ((scale_value,) if scale_value is not None else ()), None, None
        return (), day, None
    past = sorted((r for r in live if r[1] <= on), key=_live_order)
    planned = min((r[1] for r in live if r[1] > on), default=None)
    done = [r for r in past if r[0] in COUNTING_STATE_VALUES]
    since = done[-1][1] if done else None
    draft = max(
        (r[1] for r in past if r[0] not in COUNTING_STATE_VALUES and (since is None or r[1] >= since)),
        default=None,
    )
    return tuple(r[2] for r in done if r[2] is not None), draft, planned


def _live_order(record: LiveRecord) -> tuple[str, int, str]:
    return evidence_order(record[1], record[2], record[3])


def record_order(record: SourceRecord) -> tuple[date, int, str]:
    # The status rule's own order, so the trajectory ends on the status row's latest scale value.
    return evidence_order(record.evidenced_on, record.scale_value, record.source_id)


CURRENT_MONTHS = 6
"""Evidence older than this is shown muted, unless an authority sets its own age."""
RECENT_MONTHS = 3
"""Summaries count evidence of the last three months beside evidence ever."""


@dataclass(frozen=True)
class Cell:
    """One element of one case as a person should see it: the status and the facts behind it."""

    element: str
    status: Status
    due_on: date | None
    """None when the authority set no deadline that applies to this case: never "not yet due"."""
    first_evidenced_on: date | None = None
    last_evidenced_on: date | None = None
    evidence_count: int = 0
    late_working_days: int | None = None
    """Working days the first completed evidence came after the due date; None when on time."""
    overdue_working_days: int | None = None
    """Working days since the due date passed with nothing completed."""
    review_due_on: date | None = None
    scale: tuple[int, ...] = field(default=())
    draft_on: date | None = None
    planned_on: date | None = None
    as_of: date | None = None
    """The day the cell was worked out for: what `today` and the evidence's age are measured from."""
    evidence_aged: bool = False
    """The last completed evidence is older than the authority's current-evidence age: shown muted."""

    @property
    def late(self) -> bool:
        return self.late_working_days is not None

    @property
    def deadline_set(self) -> bool:
        return self.due_on is not None

    @property
    def scale_value(self) -> int | None:
        return self.scale[-1] if self.scale else None

    @property
    def scale_direction(self) -> str | None:
        """Up, down or same against the judgement before; None with fewer than two judgements."""
        if len(self.scale) < 2:
            return None
        before, latest = self.scale[-2], self.scale[-1]
        return UP if latest > before else DOWN if latest < before else SAME

    def marks(self) -> list[str]:
        """Short tags for a crowded grid cell, each readable alone beside the legend that explains
        them: `6 ↑`, `late 4 wd`, `draft`, `planned 8 Dec`, `no deadline`. `words` says them in full."""
        tags = []
        if self.scale_value is not None:
            arrow = DIRECTION_SYMBOLS.get(self.scale_direction or "")
            tags.append(f"{self.scale_value} {arrow}" if arrow else str(self.scale_value))
        if self.late:
            tags.append(f"late {self.late_working_days} wd")
        if self.draft_on is not None and self.status is not Status.IN_PROGRESS:
            tags.append("draft")
        if self.planned_on is not None:
            tags.append(f"planned {self.planned_on.day} {self.planned_on:%b}")
        if self.status in (Status.NOT_STARTED, Status.IN_PROGRESS) and not self.deadline_set:
            tags.append("no deadline")
        return tags

    @property
    def evidence_age_days(self) -> int | None:
        if self.last_evidenced_on is None or self.as_of is None:
            return None
        return max((self.as_of - self.last_evidenced_on).days, 0)

    def today(self) -> str:
        """The answer to today's question in a few words, for the cell's face: `101 wd overdue`,
        `review due since 7 May`, `due 22 Dec`, `18 Nov` (last evidenced), `14 Mar · 9 mo ago` (aged)."""
        if self.status is Status.OVERDUE:
            n = self.overdue_working_days
            return f"{n} wd overdue" if n else f"overdue since {self._short(self.due_on)}"
        if self.status is Status.REVIEW_DUE:
            return (
                f"review due since {self._short(self.review_due_on)}" if self.review_due_on else "review due"
            )
        if self.status is Status.EVIDENCED:
            last = self._short(self.last_evidenced_on)
            return f"{last} · {age_words(self.evidence_age_days)} ago" if self.evidence_aged else last
        due = f"due {self._short(self.due_on)}" if self.due_on else None
        if self.status is Status.IN_PROGRESS:
            return f"draft · {due}" if due else "draft"
        return due or "not started"

    def _short(self, value: date | None) -> str:
        """`7 May` within a year of the cell's day, `7 May 2025` further off."""
        if value is None:
            return "?"
        if self.as_of is not None and abs((self.as_of - value).days) < 300:
            return f"{value.day} {value:%b}"
        return _day(value)

    def words(self) -> str:
        """The cell in a sentence, for a tooltip, a screen reader or the audit pack."""
        parts = [self._status_words()]
        if self.late:
            parts.append(f"{_days(self.late_working_days)} late (due {_day(self.due_on)})")
        if self.scale:
            trajectory = " → ".join(str(v) for v in self.scale)
            direction = self.scale_direction
            parts.append(f"scale {trajectory}" + (f" ({direction})" if direction else ""))
        if self.draft_on is not None and self.status is not Status.IN_PROGRESS:
            parts.append(f"draft in progress since {_day(self.draft_on)}")
        if self.planned_on is not None:
            parts.append(f"planned for {_day(self.planned_on)}")
        if self.evidence_aged:
            parts.append(
                f"last evidenced {age_words(self.evidence_age_days)} ago, past the authority's current age"
            )
        return "; ".join(parts)

    def _status_words(self) -> str:
        if self.status in (Status.EVIDENCED, Status.REVIEW_DUE):
            done = f"evidenced {_day(self.first_evidenced_on)}"
            if self.evidence_count > 1:
                done += f", {self.evidence_count} times, last {_day(self.last_evidenced_on)}"
            if self.status is Status.REVIEW_DUE:
                return (
                    f"review due since {_day(self.review_due_on)}; {done}"
                    if self.review_due_on
                    else (f"review due; {done}")
                )
            return done + (f"; review due {_day(self.review_due_on)}" if self.review_due_on else "")
        if self.status is Status.OVERDUE:
            return f"overdue: due {_day(self.due_on)}, {_days(self.overdue_working_days)} ago"
        deadline = f"due {_day(self.due_on)}" if self.due_on else "no deadline set"
        if self.status is Status.IN_PROGRESS:
            return (
                f"in progress (draft {_day(self.draft_on)}); {deadline}"
                if self.draft_on
                else (f"in progress; {deadline}")
            )
        return f"not started; {deadline}"

    def as_json(self) -> dict[str, Any]:
        return {
            "element": self.element,
            "status": self.status.value,
            "due_on": _iso(self.due_on),
            "deadline_set": self.deadline_set,
            "first_evidenced_on": _iso(self.first_evidenced_on),
            "last_evidenced_on": _iso(self.last_evidenced_on),
            "evidence_count": self.evidence_count,
            "late": self.late,
            "late_working_days": self.late_working_days,
            "overdue_working_days": self.overdue_working_days,
            "review_due_on": _iso(self.review_due_on),
            "scale_value": self.scale_value,
            "scale_direction": self.scale_direction,
            "scale_trajectory": list(self.scale),
            "draft_on": _iso(self.draft_on),
            "planned_on": _iso(self.planned_on),
            "evidence_aged": self.evidence_aged,
            "today": self.today(),
            "marks": self.marks(),
            "words": self.words(),
        }


def build_cell(
    row: Mapping[str, Any],
    evidence: ElementEvidence | None,
    rule: ElementRule | None,
    on: date,
    bank_holidays: HolidayCalendar | None = None,
    working_days: Callable[[date, date], int] | None = None,
    current_months: int = CURRENT_MONTHS,
) -> Cell:
    """The cell of one `case_element_status` row (dates as dates or ISO strings) with its evidence.

    `working_days(start, end)`, when given, counts as `working_days_between` does on the calendar.
    Evidence last completed before `current_months` ago is aged: a tick from last year is history."""
    calendar = bank_holidays if bank_holidays is not None else england_bank_holidays()
    if working_days is None:
        working_days = partial(working_days_between, bank_holidays=calendar)
    status = Status(row["status"])
    due_on, first, last = (as_date(row.get(k)) for k in ("due_on", "first_evidenced_on", "last_evidenced_on"))
    late = None
    if due_on is not None and first is not None and first > due_on:
        # Done at the weekend after a Friday deadline is on time by the next working day.
        late = working_days(due_on, first) or None
    overdue = working_days(due_on, on) if status is Status.OVERDUE and due_on else None
    review_from = review_due_on(last, rule) if last is not None else None
    evidence = evidence or ElementEvidence()
    return Cell(
        element=str(row["element"]),
        status=status,
        due_on=due_on,
        first_evidenced_on=first,
        last_evidenced_on=last,
        evidence_count=int(row.get("evidence_count") or 0),
        late_working_days=late,
        overdue_working_days=overdue,
        review_due_on=review_from,
        scale=evidence.scale,
        draft_on=evidence.draft_on,
        planned_on=evidence.planned_on,
        as_of=on,
        evidence_aged=(
            status is Status.EVIDENCED and last is not None and last < add_months(on, -current_months)
        ),
    )


def age_words(days: int | None) -> str:
    """`3 wk`, `9 mo`, `2 yr`: how long ago, short enough for a grid cell."""
    days = days or 0
    if days < 60:
        return f"{max(days // 7, 1)} wk" if days >= 7 else f"{days} d"
    if days < 730:
        return f"{days * 12 // 365} mo"
    return f"{days // 365} yr"


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: date | None) -> str:
    return _day_words(value) if value else "?"


@lru_cache(maxsize=4096)
def _day_words(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _days(n: int | None) -> str:
    return "1 working day" if n == 1 else f"{n or 0} working days"
