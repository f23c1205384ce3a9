"""One case's second and third measurements beside its elements: its collaborative case audits (how
good the practice is, latest first, with the grade's words) and its course (episodes, the outcomes
read from them as plain sentences, and the safety scale from first judgement to latest).

Only what the store holds: codes, words from the authority's own scale, roles and dates, never
names or narrative. Where nothing is recorded the views say so rather than leave a gap.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from dashboard.course_rows import episode_from_row
from dashboard.timeline import day_words
from mapping.course import OUTCOME_DEFINITIONS, Outcome, ScaleMovement, case_outcomes, scale_movement
from mapping.schema import CaseEpisode
from store.read import measures as reads

NO_AUDIT = "No collaborative case audit recorded."
NO_EPISODE = "No referral, plan or care episode recorded."
NO_OUTCOME = "No outcome read from the episodes so far."
NO_SCALE = "Fewer than two safety scale judgements: no movement to read."

PARTICIPATION_WORDS = {
    "took_part": "took part",
    "partly": "partly took part",
    "did_not_take_part": "did not take part",
}
OUTCOME_LABELS = {
    "stepped_down": "Stepped down",
    "closed": "Closed",
    "re_referred": "Re-referred within 12 months",
    "repeat_cp_plan": "Repeat CP plan",
    "long_cp_plan": "CP plan of 2 years or more",
    "entered_care": "Entered care",
}
SCALE_DEFINITION = (
    "The family's safety scale from its first judgement to its latest, on completed or authorised "
    "records: up, down or flat."
)
EPISODE_WORDS = {
    "referral": "Referral (child in need)",
    "early_help": "Early help",
    "cp_plan": "Child protection plan",
    "looked_after": "Looked after",
}


def code_words(code: str) -> str:
    """A role or area code as people read it: `team_manager` as `team manager`."""
    return code.replace("_", " ")


@dataclass(frozen=True)
class AreaGrade:
    area: str
    grade: str
    words: str
    """The grade's words on the authority's scale, as the mapping filled them in."""
    meets_good_line: bool

    def said(self) -> str:
        return self.words


@dataclass(frozen=True)
class AuditResult:
    """One collaborative case audit as the store holds it."""

    audited_on: date
    grade: str
    grade_words: str
    meets_good_line: bool
    family_participation: str | None
    participants: tuple[str, ...]
    area_grades: tuple[AreaGrade, ...]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AuditResult:
        areas = dict(row.get("area_grades") or {})
        return cls(
            audited_on=row["audited_on"],
            grade=str(row["grade"]),
            grade_words=str(row["grade_words"]),
            meets_good_line=bool(row["meets_good_line"]),
            family_participation=row.get("family_participation"),
            participants=tuple(str(p) for p in row.get("participants") or ()),
            area_grades=tuple(
                AreaGrade(area, str(g["grade"]), str(g["words"]), bool(g["meets_good_line"]))
                for area, g in sorted(areas.items())
            ),
        )

    def good_line_words(self) -> str:
        return "at or above the good line" if self.meets_good_line else "below the good line"

    def participation_words(self) -> str:
        if self.family_participation is None:
            return "family's participation not recorded"
        return f"family {PARTICIPATION_WORDS.get(self.family_participation, self.family_participation)}"

    def roles_words(self) -> str:
        return ", ".join(code_words(p) for p in self.participants) or "roles not recorded"

    def as_json(self) -> dict[str, Any]:
        return {
            "audited_on": self.audited_on.isoformat(),
            "grade": self.grade,
            "grade_words": self.grade_words,
            "meets_good_line": self.meets_good_line,
            "family_participation": self.family_participation,
            "participants": list(self.participants),
            "area_grades": {a.area: {"grade": a.grade, "words": a.words} for a in self.area_grades},
        }


@dataclass(frozen=True)
class CourseEntry:
    """An episode's start or end as a line of the case's chronology, beside its practice records."""

    on: date
    words: str
    is_status = False
    is_course = True


@dataclass(frozen=True)
class CaseMeasures:
    """A case's audits (latest first), episodes (by start), outcomes (by date) and scale movement."""

    audits: tuple[AuditResult, ...] = ()
    episodes: tuple[CaseEpisode, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    scale: ScaleMovement | None = None

    def course_entries(self) -> list[CourseEntry]:
        """Each episode's start and, where it ended, its end with the source's reason code."""
        found = []
        for e in self.episodes:
            kind = EPISODE_WORDS.get(e.kind.value, e.kind.value)
            found.append(CourseEntry(e.started_on, f"{kind} began"))
            if e.ended_on is not None:
                reason = f" (reason {e.end_reason})" if e.end_reason else ""
                found.append(CourseEntry(e.ended_on, f"{kind} ended{reason}"))
        return found

    def as_json(self) -> dict[str, Any]:
        scale = self.scale
        return {
            "audits": [a.as_json() for a in self.audits],
            "episodes": [
                {
                    "kind": e.kind.value,
                    "started_on": e.started_on.isoformat(),
                    "ended_on": e.ended_on.isoformat() if e.ended_on else None,
                    "end_reason": e.end_reason,
                    "previous_cp_plans": e.previous_cp_plans,
                }
                for e in self.episodes
            ],
            "outcomes": [
                {"kind": o.kind.value, "on": o.on.isoformat(), "sentence": o.sentence} for o in self.outcomes
            ],
            "scale": None
            if scale is None
            else {
                "first": scale.first,
                "first_on": scale.first_on.isoformat(),
                "latest": scale.latest,
                "latest_on": scale.latest_on.isoformat(),
                "movement": scale.movement.value,
                "sentence": scale.sentence,
            },
        }


def build_case_measures(
    authority: str,
    audits: Sequence[Mapping[str, Any]],
    episodes: Sequence[Mapping[str, Any]],
    scales: Sequence[tuple[date, int]],
    today: date,
) -> CaseMeasures:
    """The measures from one case's store rows: audits latest first, episodes by start, the outcome
    rules of `mapping.course` over the episodes, and the scale's movement from first to latest."""
    found = tuple(
        sorted((episode_from_row(authority, r) for r in episodes), key=lambda e: (e.started_on, e.source_id))
    )
    results = tuple(
        sorted((AuditResult.from_row(r) for r in audits), key=lambda a: a.audited_on, reverse=True)
    )
    return CaseMeasures(results, found, tuple(case_outcomes(found, today)), scale_movement(scales))


def print_case_measures(measures: CaseMeasures, console: Console | None = None) -> None:
    """The audits, then the course, for a terminal of 80 columns or more."""
    console = console or Console()
    console.print(Text("\nCollaborative case audits (latest first)", style="bold"), highlight=False)
    if not measures.audits:
        console.print(NO_AUDIT, highlight=False)
    for audit in measures.audits:
        line = f"{day_words(audit.audited_on)}: {audit.grade_words}, {audit.good_line_words()}"
        console.print(Text(line), highlight=False)
        console.print(f"  {audit.participation_words()}; roles: {audit.roles_words()}", highlight=False)
        for area in audit.area_grades:
            console.print(f"  {code_words(area.area)}: {area.said()}", highlight=False)
    console.print(Text("\nCourse", style="bold"), highlight=False)
    if not measures.episodes:
        console.print(NO_EPISODE, highlight=False)
    else:
        table = Table(show_edge=False, padding=(0, 1))
        for column in ("Episode", "From", "To", "Reason", "Earlier plans"):
            table.add_column(column, no_wrap=column in ("From", "To"))
        for e in measures.episodes:
            table.add_row(
                EPISODE_WORDS.get(e.kind.value, e.kind.value),
                day_words(e.started_on),
                day_words(e.ended_on) if e.ended_on else "open",
                e.end_reason or "",
                "" if e.previous_cp_plans is None else str(e.previous_cp_plans),
            )
        console.print(table)
    console.print(Text("\nOutcomes", style="bold"), highlight=False)
    if not measures.outcomes:
        console.print(
            NO_OUTCOME if measures.episodes else "None: no episodes to read them from.", highlight=False
        )
    for outcome in measures.outcomes:
        wrapped = textwrap.fill(outcome.sentence, console.width, initial_indent="- ", subsequent_indent="  ")
        console.print(Text(wrapped), highlight=False)
    console.print(Text("\nSafety scale, first to latest", style="bold"), highlight=False)
    console.print(measures.scale.sentence if measures.scale else NO_SCALE, highlight=False)


def load_case_measures(engine: Engine, authority: str, case_ref: str, today: date) -> CaseMeasures:
    """One case's measures read from the store (its stored reference)."""
    return build_case_measures(
        authority,
        reads.case_audits(engine, authority, case_ref),
        reads.case_episodes(engine, authority, case_ref),
        reads.case_scale_values(engine, authority, case_ref, today),
        today,
    )


def outcome_definitions() -> list[tuple[str, str]]:
    """Each outcome's label and its rule's definition, then the scale's: a page's legend."""
    found = [(OUTCOME_LABELS.get(kind.value, kind.value), text) for kind, text in OUTCOME_DEFINITIONS.items()]
    return [*found, ("Safety scale movement", SCALE_DEFINITION)]


def render_case_measures(measures: CaseMeasures, heading_level: int = 2, printed: bool = False) -> Markup:
    """The audits and course as an HTML fragment, its headings at `heading_level`: the audit pack's
    sections (`printed`: the legend open, as paper cannot open it) and the case page's."""
    from dashboard.html import fragment

    return fragment(
        "case_measures.html.j2",
        m=measures,
        hx=heading_level,
        episodes=EPISODE_WORDS,
        code_words=code_words,
        definitions=outcome_definitions(),
        printed=printed,
        said={"audit": NO_AUDIT, "episode": NO_EPISODE, "outcome": NO_OUTCOME, "scale": NO_SCALE},
    )
