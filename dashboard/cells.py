"""One whiteboard cell: an element of a case with the evidence behind its status word.

A status word alone hides what supervision talks about: that a plan came six working days late,
that a scale moved 2 -> 6, that a draft sits beside an overdue, that a meeting is booked, that the
authority set no deadline at all. A cell carries those facts, worked out here from the store's status
row and the case's source records; renderers choose how to show them. Pure: the date is passed in.
"""

from __future__ import annotations

from bisect import bisect, insort
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any

from mapping.schema import EvidenceState, Status
from mapping.status import COUNTING_STATE_VALUES, evidence_order, review_due_on
from mapping.timeliness import ElementRule, HolidayCalendar, england_bank_holidays, working_days_between

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
        found[element] = ElementEvidence(scale, _date(draft_on), _date(planned_on))
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
) -> Cell:
    """The cell of one `case_element_status` row (dates as dates or ISO strings) with its evidence.

    `working_days(start, end)`, when given, counts as `working_days_between` does on the calendar."""
    calendar = bank_holidays if bank_holidays is not None else england_bank_holidays()
    if working_days is None:
        working_days = partial(working_days_between, bank_holidays=calendar)
    status = Status(row["status"])
    due_on, first, last = (_date(row.get(k)) for k in ("due_on", "first_evidenced_on", "last_evidenced_on"))
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
    )


def _date(value: Any) -> date | None:
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


class WorkingDayCount:
    """Fast twin of mapping.timeliness.working_days_between; held equal by
    tests/dashboard/test_cell_inputs.py.

    `working_days_between` for many pairs of dates: each date's count of working days since the
    first date asked about, each found by walking from its nearest known neighbour, so a board of
    thousands of late and overdue cells walks its calendar about once instead of once per cell.
    The count from `start` to `end` is the difference of their counts, as working days add up."""

    def __init__(self, calendar: HolidayCalendar) -> None:
        self.calendar = calendar
        self._dates: list[date] = []
        self._counts: dict[date, int] = {}

    def between(self, start: date, end: date) -> int:
        return self._count(end) - self._count(start) if end > start else 0

    def _count(self, day: date) -> int:
        found = self._counts.get(day)
        if found is not None:
            return found
        at = bisect(self._dates, day)
        if at > 0:
            before = self._dates[at - 1]
            found = self._counts[before] + working_days_between(before, day, self.calendar)
        elif self._dates:
            after = self._dates[0]
            found = self._counts[after] - working_days_between(day, after, self.calendar)
        else:
            found = 0
        insort(self._dates, day)
        self._counts[day] = found
        return found


StatusTuple = tuple[Any, ...]
"""A status row as `store.read.history.status_tuples` reads it: authority, case reference, element,
status, due, first and last evidenced dates (ISO text) and evidence count."""


class CellBook:
    """Fast twin of dashboard.cells.build_cell per row; held equal by tests/dashboard/test_cell_inputs.py.

    Cells built once per distinct set of facts, and handed out again for every cell that shares
    them: at thousands of open cases most cells repeat another's status, dates and evidence, and
    building one (working days, review date) costs more than looking it up."""

    def __init__(self, rules: Mapping[str, Mapping[str, ElementRule]], on: date) -> None:
        self.rules = rules
        self.on = on
        self.calendar = england_bank_holidays()
        self.working_days = WorkingDayCount(self.calendar)
        self._built: dict[tuple[Any, ...], Cell] = {}

    def cell(self, row: StatusTuple, evidence: Summary | None) -> Cell:
        """The cell of a status row with its element's live evidence summarised (or None)."""
        key = (row[0], row[2:], evidence)  # all but the case reference
        found = self._built.get(key)
        if found is None:
            authority, _, element, status, due_on, first, last, count = row
            scale, draft_on, planned_on = evidence or ((), None, None)
            facts = {
                "element": element,
                "status": status,
                "due_on": due_on,
                "first_evidenced_on": first,
                "last_evidenced_on": last,
                "evidence_count": count,
            }
            found = build_cell(
                facts,
                ElementEvidence(scale, _date(draft_on), _date(planned_on)),
                self.rules.get(authority, {}).get(element),
                self.on,
                self.calendar,
                self.working_days.between,
            )
            self._built[key] = found
        return found
