"""The team page's trend and the case page's timeline, read from the store once for the whole site.

The trend is a team against its own past only: per element, the share of its open cases evidenced
and how many were overdue, week by week, as figures in a table with a small line beside them and the
change said in words. No other team's figures appear on a team's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from markupsafe import Markup
from sqlalchemy import Engine

from config.loader import Config
from dashboard.audit_pack import render_timeline
from dashboard.changes import ElementKey, StatusChange
from dashboard.html import fragment
from dashboard.overdue_weeks import OVERDUE_BANDS, weekly_bands
from dashboard.recent import CaseMoves, recent_moves
from dashboard.timeline import build_timeline
from dashboard.trends import CaseSpan, Week, week_endings, weekly
from dashboard.whiteboard import ENGLAND, NO_TEAM, Row, TeamGroup, source_record
from mapping.elements import Element
from mapping.timeliness import england_bank_holidays, working_days_between
from store.read import history

TREND_WEEKS = 8
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 26, 3

CaseKey = tuple[str, str]


@dataclass(frozen=True)
class TrendRow:
    """One element's weeks as the team page shows them."""

    element: Element
    weeks: tuple[Week, ...]

    def shares(self) -> list[str | None]:
        """Each week's share evidenced as a percentage; None where the log does not reach the week."""
        return [
            None if w.share_evidenced is None else f"{round(100 * w.share_evidenced)}%" for w in self.weeks
        ]

    def overdue(self) -> list[str | None]:
        return [None if not w.recorded else str(w.overdue) for w in self.weeks]

    def change(self) -> str:
        """From the first week the log reaches to the latest, in words: the line only repeats it."""
        known = [w.share_evidenced for w in self.weeks if w.share_evidenced is not None]
        if len(known) < 2:
            return "too few weeks to say"
        points = round(100 * known[-1]) - round(100 * known[0])
        if points == 0:
            return "no change"
        return f"{'up' if points > 0 else 'down'} {abs(points)} point{'' if abs(points) == 1 else 's'}"

    def spark(self) -> list[str]:
        """SVG polyline point lists of the share evidenced; a week the log does not reach breaks the line."""
        count = len(self.weeks)
        step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(count - 1, 1)
        segments: list[list[str]] = [[]]
        for n, week in enumerate(self.weeks):
            share = week.share_evidenced
            if share is None:
                segments.append([])
                continue
            y = SPARK_PAD + (SPARK_HEIGHT - 2 * SPARK_PAD) * (1 - share)
            segments[-1].append(f"{SPARK_PAD + n * step:.1f},{y:.1f}")
        return [" ".join(s) for s in segments if s]


@dataclass(frozen=True)
class StoreSections:
    """What the site's trend and timeline sections need, read once: cases, statuses, records, log."""

    config: Config
    on: date
    cases: Mapping[CaseKey, Row]
    statuses: Mapping[CaseKey, list[Row]]
    records: Mapping[CaseKey, list[Row]]
    changes: Mapping[str, list[StatusChange]]
    """Per authority, every row of its status change log."""
    case_changes: Mapping[CaseKey, list[StatusChange]]
    due_on: Mapping[ElementKey, date] = field(default_factory=dict)
    """Every case's due dates, closed cases' too: what ages a past week's overdue elements."""

    def timeline(self, authority: str, case_ref: str) -> Markup | None:
        """The case page's timeline: the same fragment the audit pack prints."""
        case = self.cases.get((authority, case_ref))
        la = self.config.authorities.get(authority)
        if case is None or la is None:
            return None
        key = (authority, case_ref)
        found = build_timeline(
            authority,
            la.name,
            case,
            self.config.settings.catalogue,
            self.statuses.get(key, []),
            [source_record(r) for r in self.records.get(key, [])],
            self.case_changes.get(key, []),
            la.file.timeliness,
            self.on,
            current_months=la.file.evidence_current_months,
        )
        return render_timeline(found)

    def trend_rows(
        self, group: TeamGroup | str, weeks: int = TREND_WEEKS
    ) -> tuple[list[date], list[TrendRow]]:
        """The team's own weeks per element (or, given an authority's code, the whole service's); rows
        only for elements the log reaches in those weeks."""
        endings = week_endings(self.on, weeks)
        authority, team = (group, None) if isinstance(group, str) else (group.authority, group.team)
        spans = [
            CaseSpan.from_row(c)
            for (code, _), c in self.cases.items()
            if code == authority and (team is None or str(c["team"] or NO_TEAM) == team)
        ]
        elements = self.config.settings.catalogue
        found = weekly(self.changes.get(authority, []), spans, [e.key for e in elements], endings)
        rows = [TrendRow(e, tuple(found[e.key])) for e in elements if any(w.recorded for w in found[e.key])]
        return endings, rows

    def trend(self, group: TeamGroup) -> Markup | None:
        """The team page's trend section, or None while the log holds nothing for the team's weeks."""
        return self._trend(group, group.team)

    def service_trend(self, code: str) -> Markup | None:
        """The authority page's trend: every open case of the service, against the service's past,
        with its overdue elements' ages in ChAT's bands week by week."""
        la = self.config.authorities.get(code)
        trend = self._trend(code, la.name if la else code)
        if trend is None:
            return None
        endings = week_endings(self.on, TREND_WEEKS)
        weeks = weekly_bands(
            self.changes.get(code, []),
            [CaseSpan.from_row(c) for (authority, _), c in self.cases.items() if authority == code],
            [e.key for e in self.config.settings.catalogue],
            self.due_on,
            endings,
            partial(working_days_between, bank_holidays=england_bank_holidays()),
        )
        labels = [label for label, _, _ in OVERDUE_BANDS]
        return trend + fragment("overdue_weeks.html.j2", endings=endings, weeks=weeks, bands=labels)

    def _trend(self, group: TeamGroup | str, who: str) -> Markup | None:
        endings, rows = self.trend_rows(group)
        if not rows:
            return None
        return fragment(
            "trend.html.j2", who=who, endings=endings, rows=rows, spark=(SPARK_WIDTH, SPARK_HEIGHT)
        )

    def moves(self, group: TeamGroup) -> list[CaseMoves]:
        """The team's cases that moved in the changed-lately panel's widest window."""
        refs = [str(c["case_ref"]) for c in group.cases]
        changes = {ref: self.case_changes.get((group.authority, ref), []) for ref in refs}
        records = {ref: self.records.get((group.authority, ref), []) for ref in refs}
        return recent_moves(refs, changes, records, self.on)


def load_sections(
    engine: Engine, config: Config, now: datetime, authority: str | None = None
) -> StoreSections:
    """Every case (closed ones count in past weeks), the open cases' statuses and records, and each
    authority's status change log; with `authority`, that authority's alone."""
    codes = sorted(config.authorities) if authority is None else [authority]
    cases = {
        (c["authority"], c["case_ref"]): c for c in history.cases(engine, authority) if not c["deleted_on"]
    }
    statuses: dict[CaseKey, list[Row]] = {}
    for row in history.open_statuses(engine, authority):
        statuses.setdefault((row["authority"], row["case_ref"]), []).append(row)
    records: dict[CaseKey, list[Row]] = {}
    for row in history.open_evidence(engine, authority):
        records.setdefault((row["authority"], row["case_ref"]), []).append(row)
    changes = {
        code: [StatusChange.from_row(r) for r in history.status_changes(engine, code)] for code in codes
    }
    case_changes: dict[CaseKey, list[StatusChange]] = {}
    for found in changes.values():
        for change in found:
            case_changes.setdefault((change.authority, change.case_ref), []).append(change)
    due_on = {
        (code, ref, element): date.fromisoformat(due)
        for code in codes
        for ref, element, due in history.due_dates(engine, code)
    }
    on = now.astimezone(ENGLAND).date()
    return StoreSections(config, on, cases, statuses, records, changes, case_changes, due_on)
