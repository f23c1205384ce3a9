"""One case's timeline: each element's source records and status changes, oldest first, and the safety
scale as a trajectory. What a collaborative case audit starts from, and no more than the store holds:
references, kinds, states, dates and scale values, never names or narrative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dashboard.caseload import LEGAL_STATUSES
from dashboard.cells import CURRENT_MONTHS, Cell, SourceRecord, build_cell, element_evidence, record_order
from dashboard.changes import StatusChange
from mapping.elements import Element
from mapping.timeliness import TimelinessRules

if TYPE_CHECKING:
    from dashboard.case_measures import CaseMeasures

CASE_TYPE_WORDS = {v: k for k, v in LEGAL_STATUSES.items()} | {
    "early_help": "Early help",
    "care_leaver": "Care leaver",
}
STATUS_WORDS = {
    "evidenced": "evidenced",
    "review_due": "review due",
    "in_progress": "in progress",
    "not_started": "not started",
    "overdue": "overdue",
}


@dataclass(frozen=True)
class ScalePoint:
    on: date
    value: int
    source_id: str


@dataclass(frozen=True)
class ElementTimeline:
    element: Element
    cell: Cell | None
    records: tuple[SourceRecord, ...]
    changes: tuple[StatusChange, ...]

    def events(self) -> list[tuple[date, str, SourceRecord | StatusChange]]:
        """Records and status changes in one list, oldest first; on one day the record comes first."""
        found: list[tuple[date, str, SourceRecord | StatusChange]] = [
            (r.evidenced_on, "record", r) for r in self.records
        ]
        found += [(c.from_date, "status", c) for c in self.changes]
        return sorted(found, key=lambda e: (e[0], e[1] == "status"))


@dataclass(frozen=True)
class ChronologyEntry:
    """One line of the merged chronology: a practice record, or a status change the sync observed."""

    on: date
    element: ElementTimeline
    event: SourceRecord | StatusChange
    before: str | None
    """For a status change, the status before it; None on the first the log holds."""

    @property
    def is_status(self) -> bool:
        return isinstance(self.event, StatusChange)

    is_course = False

    def status_words(self) -> str:
        """`not started → overdue`; the log's first row: `first seen by the sync: overdue (due 15 Jul)`."""
        assert isinstance(self.event, StatusChange)
        after = self.event.status.value
        if self.before is not None:
            return status_change_words(self.before, after)
        cell = self.element.cell
        due = (
            f" (due {day_words(cell.due_on)})"
            if cell is not None and cell.due_on and after == "overdue"
            else ""
        )
        return f"first seen by the sync: {STATUS_WORDS.get(after, after)}{due}"


@dataclass(frozen=True)
class CaseTimeline:
    authority: str
    authority_name: str
    case: Mapping[str, Any]
    """The case skeleton: reference as stored, team, type and dates; never a worker."""
    elements: tuple[ElementTimeline, ...]
    on: date
    measures: CaseMeasures | None = None
    """The case's audits and course, beside its elements; None where they were not read."""

    @property
    def case_ref(self) -> str:
        return str(self.case["case_ref"])

    @property
    def case_type(self) -> str:
        kind = str(self.case["case_type"])
        return CASE_TYPE_WORDS.get(kind, kind)

    @property
    def scale(self) -> list[ScalePoint]:
        """Completed, live scaling judgements, oldest first: the trajectory."""
        return [
            ScalePoint(r.evidenced_on, r.scale_value, r.source_id)
            for e in self.elements
            for r in sorted(e.records, key=record_order)
            if r.completed and r.scale_value is not None and r.evidenced_on <= self.on
        ]

    def chronology(self) -> list[ChronologyEntry]:
        """Every element's records and status changes in one dated list, oldest first: the practice
        records first on a day, and each element's first status labelled as first seen by the sync."""
        entries = []
        for element in self.elements:
            previous: str | None = None
            for on, _, event in element.events():
                if isinstance(event, SourceRecord):
                    entries.append(ChronologyEntry(on, element, event, None))
                elif isinstance(event, StatusChange):
                    entries.append(ChronologyEntry(on, element, event, previous))
                    previous = event.status.value
        return sorted(entries, key=lambda e: (e.on, e.is_status))

    def dated(self) -> list[Any]:
        """The chronology with the case's episodes beginning and ending in it: records and episodes
        first on a day, then status changes."""
        course = self.measures.course_entries() if self.measures is not None else []
        return sorted([*self.chronology(), *course], key=lambda e: (e.on, e.is_status))

    def as_json(self) -> dict[str, Any]:
        from dashboard.case_measures import CaseMeasures

        return {
            "authority": self.authority,
            "case": dict(self.case),
            "as_of": self.on.isoformat(),
            "scale_trajectory": [
                {"on": p.on.isoformat(), "value": p.value, "source_id": p.source_id} for p in self.scale
            ],
            "elements": [
                {
                    "element": e.element.key,
                    "label": e.element.label,
                    "cell": e.cell.as_json() if e.cell else None,
                    "records": [_record_json(r, self.on) for r in e.records],
                    "status_changes": [
                        {
                            "status": c.status.value,
                            "from_date": c.from_date.isoformat(),
                            "to_date": c.to_date.isoformat() if c.to_date else None,
                            "run_id": c.run_id,
                        }
                        for c in e.changes
                    ],
                }
                for e in self.elements
            ],
            **(self.measures or CaseMeasures()).as_json(),
        }


def build_timeline(
    authority: str,
    authority_name: str,
    case: Mapping[str, Any],
    elements: Sequence[Element],
    statuses: Sequence[Mapping[str, Any]],
    records: Sequence[SourceRecord],
    changes: Sequence[StatusChange],
    rules: TimelinessRules,
    on: date,
    current_months: int = CURRENT_MONTHS,
    measures: CaseMeasures | None = None,
) -> CaseTimeline:
    """The timeline from one case's status rows, source records and status change log rows, and its
    audits and course where they were read."""
    closed = case.get("closed_on")
    as_of = min(on, date.fromisoformat(str(closed)[:10])) if closed else on
    evidence = element_evidence(records, as_of)
    by_element = {str(s["element"]): s for s in statuses}
    known = {e.key for e in elements}
    extra = sorted({r.element for r in records} - known)  # records of an element since dropped
    timelines = []
    for element in [*elements, *(Element(key=k, label=k) for k in extra)]:
        row = by_element.get(element.key)
        cell = None
        if row:
            rule = rules.get(element.key)
            cell = build_cell(row, evidence.get(element.key), rule, as_of, current_months=current_months)
        timelines.append(
            ElementTimeline(
                element=element,
                cell=cell,
                records=tuple(sorted((r for r in records if r.element == element.key), key=record_order)),
                changes=tuple(
                    sorted(
                        (c for c in changes if c.element == element.key),
                        key=lambda c: (c.from_date, c.order),
                    )
                ),
            )
        )
    return CaseTimeline(authority, authority_name, case, tuple(timelines), as_of, measures)


def record_words(record: SourceRecord, on: date) -> str:
    """A record's state as a person reads it: `completed`, `draft, planned`, `deleted at source ...`."""
    words = [record.state]
    if record.evidenced_on > on and record.live:
        words.append("planned")
    if record.deleted_on is not None:
        words.append(f"deleted at source {record.deleted_on.day} {record.deleted_on:%b %Y}")
    return ", ".join(words)


def status_change_words(before: str | None, after: str) -> str:
    """`not started → overdue`; the first spell in the log reads `→ overdue`."""
    return f"{STATUS_WORDS.get(before, before) if before else ''} → {STATUS_WORDS.get(after, after)}".strip()


def kind_words(kind: str | None) -> str:
    """`three_houses` as `Three Houses`: the tool as practitioners name it."""
    return kind.replace("_", " ").title().replace(" And ", " and ") if kind else ""


def _record_json(record: SourceRecord, on: date) -> dict[str, Any]:
    return {
        "source_id": record.source_id,
        "kind": record.kind,
        "state": record.state,
        "evidenced_on": record.evidenced_on.isoformat(),
        "scale_value": record.scale_value,
        "deleted_on": record.deleted_on.isoformat() if record.deleted_on else None,
        "planned": record.evidenced_on > on and record.live,
        "counts": record.completed and record.evidenced_on <= on,
    }


def day_words(value: date | str | None) -> str:
    """`2026-03-04` or a date as `4 Mar 2026`: unambiguous on paper, whatever the reader's habits."""
    if not value:
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day:%b %Y}"


def print_timeline(timeline: CaseTimeline, console: Console | None = None) -> None:
    """The case heading, the scale trajectory, then each element's records and status changes."""
    console = console or Console()
    case = timeline.case
    heading = f"Case {timeline.case_ref} · {timeline.authority_name} · {case.get('team') or '(no team)'}"
    console.print(Text(heading, style="bold"), highlight=False)
    dates = [timeline.case_type, f"opened {day_words(case['opened_on'])}"]
    if case.get("cp_plan_start"):
        dates.append(f"CP plan from {day_words(case['cp_plan_start'])}")
    if case.get("closed_on"):
        dates.append(f"closed {day_words(case['closed_on'])}")
    console.print(" · ".join(dates), highlight=False)
    if timeline.scale:
        path = " → ".join(str(p.value) for p in timeline.scale)
        when = ", ".join(f"{p.on.day} {p.on:%b}" for p in timeline.scale)
        console.print(Text("Safety scale: ", style="bold") + Text(f"{path}   ({when})"), highlight=False)
    for element in timeline.elements:
        words = element.cell.words() if element.cell else "no status computed"
        console.print(Text(f"\n{element.element.label}: ", style="bold") + Text(words), highlight=False)
        table = Table(show_edge=False, padding=(0, 1))
        for column in ("Date", "What", "State", "Tool", "Scale", "Source record"):
            table.add_column(column, no_wrap=column != "Source record")
        previous = None
        for on, _, event in element.events():
            if isinstance(event, SourceRecord):
                table.add_row(
                    on.isoformat(),
                    "record",
                    record_words(event, timeline.on),
                    kind_words(event.kind),
                    "" if event.scale_value is None else str(event.scale_value),
                    event.source_id,
                )
            else:
                table.add_row(on.isoformat(), "status", status_change_words(previous, event.status.value))
                previous = event.status.value
        if not element.records and not element.changes:
            table.add_row("", "nothing on the record")
        console.print(table)
    if timeline.measures is not None:
        from dashboard.case_measures import print_case_measures

        print_case_measures(timeline.measures, console)
