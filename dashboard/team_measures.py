"""A team against its own past on the second and third measurements, month by month: how many of the
cases audited in a month were graded at or above the authority's good line, what followed for the
cases closed or stepped down in a month, and how the safety scale moved on the cases scaled in it.

Counts, never a bare percentage: "3 of 5", and a share only where enough audits make one mean
something. One team at a time; never ranked, never per worker.
"""

from __future__ import annotations

import calendar
import json
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from dashboard.course_rows import episode_from_row
from mapping.course import Outcome, case_outcomes, scale_movement
from store.read import measures as reads

if TYPE_CHECKING:
    from rich.console import Console

MIN_AUDITS_FOR_SHARE = 5
"""Below this many audited cases in a month a share says more about chance than practice: the
counts are given and the share is not."""
FOLLOW_UPS = ("re_referred", "repeat_cp_plan", "entered_care")
"""What the cases closed or stepped down in a month went on to, so far."""


@dataclass(frozen=True)
class Period:
    """A calendar month, up to `today` while it is the current one."""

    start: date
    end: date
    so_far: bool

    @property
    def label(self) -> str:
        return f"{self.start:%B %Y}{' (so far)' if self.so_far else ''}"

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_json(self) -> dict[str, Any]:
        return {
            "month": f"{self.start:%Y-%m}",
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "so_far": self.so_far,
        }


def weeks_months(today: date, weeks: int) -> list[Period]:
    """The calendar months the last `weeks` weeks touch: what `trends` and `dashboard --json` show."""
    return month_periods(today - timedelta(days=7 * weeks - 1), today)


def month_periods(first_day: date, today: date) -> list[Period]:
    """The calendar months from `first_day`'s to today's, oldest first."""
    found = []
    start = first_day.replace(day=1)
    while start <= today:
        last = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        found.append(Period(start, min(last, today), last > today))
        start = last + timedelta(days=1)
    return found


@dataclass(frozen=True)
class AuditShare:
    """Cases audited in a month (each by its latest audit in the month) and how many of them were
    graded at or above the authority's good line."""

    audited: int
    at_or_above: int

    @property
    def too_few(self) -> bool:
        return self.audited < MIN_AUDITS_FOR_SHARE

    def counted(self) -> str:
        """`3 of 5 (60%)`, `2 of 3 (too few for a share)`, `none audited`: a table cell's words."""
        if not self.audited:
            return "none audited"
        said = f"{self.at_or_above} of {self.audited}"
        if self.too_few:
            return f"{said} (too few for a share)"
        return f"{said} ({round(100 * self.at_or_above / self.audited)}%)"

    def words(self) -> str:
        if not self.audited:
            return "no case audited"
        said = f"{self.at_or_above} of {self.audited} audited at or above the good line"
        if self.too_few:
            return f"{said}; too few audits for a share to mean much"
        return f"{said} ({round(100 * self.at_or_above / self.audited)}%)"

    def as_json(self) -> dict[str, Any]:
        return {
            "audited": self.audited,
            "at_or_above_good_line": self.at_or_above,
            "share": None if self.too_few else round(self.at_or_above / self.audited, 3),
            "too_few_to_share": self.too_few,
            "words": self.words(),
        }


@dataclass(frozen=True)
class EndingsFollowed:
    """The cases closed or stepped down in a month, and what they went on to since, so far."""

    closed: int
    stepped_down: int
    ended: int
    """Cases closed or stepped down in the month (one that did both counts once)."""
    re_referred: int
    repeat_cp_plan: int
    entered_care: int

    def words(self) -> str:
        if not self.ended:
            return "no case closed or stepped down"
        cases = "case" if self.ended == 1 else "cases"
        return (
            f"{self.ended} {cases} closed or stepped down ({self.closed} closed, {self.stepped_down} stepped "
            f"down); since then, so far: {self.re_referred} re-referred within 12 months, "
            f"{self.repeat_cp_plan} began a repeat CP plan, {self.entered_care} entered care"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "closed_or_stepped_down": self.ended,
            "closed": self.closed,
            "stepped_down": self.stepped_down,
            "then_re_referred": self.re_referred,
            "then_repeat_cp_plan": self.repeat_cp_plan,
            "then_entered_care": self.entered_care,
            "words": self.words(),
        }


@dataclass(frozen=True)
class ScaleMoves:
    """The cases with a safety scale judgement in a month, by their movement from their first
    judgement to their latest by the month's end."""

    up: int
    down: int
    flat: int
    first_judgement: int
    """Cases whose only judgement so far fell in the month: nothing to move from."""

    @property
    def scaled(self) -> int:
        return self.up + self.down + self.flat + self.first_judgement

    def words(self) -> str:
        if not self.scaled:
            return "no case scaled"
        return (
            f"{self.scaled} scaled: {self.up} up, {self.down} down, {self.flat} flat since their first "
            f"judgement, {self.first_judgement} judged for the first time"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "scaled": self.scaled,
            "up": self.up,
            "down": self.down,
            "flat": self.flat,
            "first_judgement": self.first_judgement,
            "words": self.words(),
        }


@dataclass(frozen=True)
class TeamMonth:
    period: Period
    audits: AuditShare
    endings: EndingsFollowed
    scale: ScaleMoves

    def as_json(self) -> dict[str, Any]:
        return {
            **self.period.as_json(),
            "audits": self.audits.as_json(),
            "outcomes": self.endings.as_json(),
            "scale": self.scale.as_json(),
        }


@dataclass(frozen=True)
class TeamMeasures:
    """One team's months, oldest first."""

    team: str
    months: tuple[TeamMonth, ...]

    def as_json(self) -> dict[str, Any]:
        return {"team": self.team, "months": [m.as_json() for m in self.months]}


def audit_share(audits: Iterable[Mapping[str, Any]], period: Period) -> AuditShare:
    """Per case, its latest audit in the month decides whether it was at or above the good line."""
    latest: dict[str, tuple[date, str, bool]] = {}
    for row in audits:
        on = row["audited_on"]
        if period.holds(on):
            key = (on, str(row["source_id"]), bool(row["meets_good_line"]))
            latest[str(row["case_ref"])] = max(latest.get(str(row["case_ref"]), key), key)
    return AuditShare(len(latest), sum(good for _, _, good in latest.values()))


def endings_followed(outcomes: Mapping[str, Sequence[Outcome]], period: Period) -> EndingsFollowed:
    """Per case, its first closure or step-down in the month, and what its outcomes say after it."""
    closed = stepped = 0
    follows = dict.fromkeys(FOLLOW_UPS, 0)
    ended = 0
    for found in outcomes.values():
        ends = [o for o in found if o.kind.value in ("closed", "stepped_down") and period.holds(o.on)]
        if not ends:
            continue
        ended += 1
        closed += any(o.kind.value == "closed" for o in ends)
        stepped += any(o.kind.value == "stepped_down" for o in ends)
        first = min(o.on for o in ends)
        for kind in FOLLOW_UPS:
            follows[kind] += any(o.kind.value == kind and o.on > first for o in found)
    return EndingsFollowed(closed, stepped, ended, **follows)


def scale_moves(scales: Mapping[str, Sequence[tuple[date, int]]], period: Period) -> ScaleMoves:
    counts = {"up": 0, "down": 0, "flat": 0}
    first = 0
    for values in scales.values():
        if not any(period.holds(on) for on, _ in values):
            continue
        to_date = [v for v in values if v[0] <= period.end]
        movement = scale_movement(to_date)
        if movement is None:
            first += 1
        else:
            counts[movement.movement.value] += 1
    return ScaleMoves(counts["up"], counts["down"], counts["flat"], first)


def team_measures(
    team: str,
    audits: Sequence[Mapping[str, Any]],
    outcomes: Mapping[str, Sequence[Outcome]],
    scales: Mapping[str, Sequence[tuple[date, int]]],
    periods: Sequence[Period],
) -> TeamMeasures:
    """One team's months from its cases' audits, outcomes (per case) and scale values (per case)."""
    return TeamMeasures(
        team,
        tuple(
            TeamMonth(p, audit_share(audits, p), endings_followed(outcomes, p), scale_moves(scales, p))
            for p in periods
        ),
    )


def load_team_measures(
    engine: Engine, authority: str, teams: Sequence[str], periods: Sequence[Period], today: date
) -> list[TeamMeasures]:
    """Each named team's months, read from the store once for the authority."""
    audits: dict[str, list[Mapping[str, Any]]] = {}
    for row in reads.team_audits(engine, authority):
        audits.setdefault(str(row["team"]), []).append(row)
    outcomes = team_outcomes(authority, reads.team_episodes(engine, authority), today)
    scales: dict[str, dict[str, list[tuple[date, int]]]] = {}
    for (team, case_ref), values in reads.team_scale_values(engine, authority, today).items():
        scales.setdefault(team, {})[case_ref] = values
    return [
        team_measures(t, audits.get(t, []), outcomes.get(t, {}), scales.get(t, {}), periods) for t in teams
    ]


def team_outcomes(
    authority: str, episodes: Iterable[Mapping[str, Any]], today: date
) -> dict[str, dict[str, list[Outcome]]]:
    """Per team and case, the outcomes the rules read from the case's episodes."""
    by_case: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in episodes:
        by_case.setdefault((str(row["team"]), str(row["case_ref"])), []).append(row)
    found: dict[str, dict[str, list[Outcome]]] = {}
    for (team, case_ref), rows in by_case.items():
        found.setdefault(team, {})[case_ref] = case_outcomes(
            [episode_from_row(authority, r) for r in rows], today
        )
    return found


def print_team_measures(title: str, measures: TeamMeasures, console: Console | None = None) -> None:
    """Month by month, one line per measurement, in words that fit 80 columns when wrapped."""
    from rich.console import Console  # the terminal library, for a terminal only
    from rich.text import Text

    console = console or Console()
    console.print(Text(title, style="bold"), highlight=False)
    for month in measures.months:
        console.print(Text(month.period.label, style="bold"), highlight=False)
        for name, words in (
            ("Audits", month.audits.words()),
            ("Outcomes", month.endings.words()),
            ("Safety scale", month.scale.words()),
        ):
            # Wrapped lines keep the indent, so each measurement reads as one block at 80 columns.
            wrapped = textwrap.fill(
                f"{name}: {words}", console.width, initial_indent="  ", subsequent_indent="    "
            )
            console.print(Text(wrapped), highlight=False)
    console.print(
        "Audits: each case by its latest audit in the month, on the authority's own scale. Outcomes: "
        "what the cases closed or stepped down in the month went on to, so far. Safety scale: the "
        "cases judged in the month, from their first judgement to their latest.",
        highlight=False,
    )


def with_measures(chunks: Iterable[str], measures: object) -> Iterator[str]:
    """A board's compact JSON text in pieces (`Board.json_chunks`) with a `measures` key added to
    its object: the same text as encoding the board's dict with the key, without building it."""
    last = ""
    for piece in chunks:
        if last:
            yield last
        last = piece
    body = last.rstrip()
    if not body.endswith("}"):
        raise ValueError("the board's JSON text does not end its object")
    yield f'{body[:-1]}, "measures": {json.dumps(measures, default=str)}}}'
