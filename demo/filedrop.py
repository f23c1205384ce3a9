"""Demo authority 3: a file drop, read by the `files` connector.

Cases come as a Children in Need census XML (the DfE return's shape, CIN and CP cases), evidence as
the forms export CSV a case management system writes overnight, with UK dates. The census carries
no team, so this authority's whiteboard shows its cases under "(no team)": honest about its source.
Identifiers the store never keeps (UPN, date of birth) are left out of the demo drop altogether.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from string import Template
from xml.sax.saxutils import escape  # nosec B406  # escapes text it writes; parses nothing

from demo.filedrop_audits import AUDITS_GLOB, audits_csv
from demo.measures import Episode, Measures
from demo.population import Caseload, DemoCase, PracticeRecord, Profile

PROFILE = Profile(
    code="westvale", teams=(), case_mix=(("cin", 0.6), ("cp", 0.4)), worker_prefix="WV-", books_ahead=True
)

FORM_NAMES = {
    "mapping": "SoS Map",
    "harm_statement": "Statement of Harm",
    "danger_statement": "Danger Statement",
    "safety_goal": "Safety Goal",
    "safety_scale": "Scaling Question",
    "three_houses": "Three Houses",
    "wizards_and_fairies": "Wizards and Fairies",
    "safety_house": "Safety House",
    "words_and_pictures": "Words & Pictures",
    "safety_network": "Safety Network",
    "safety_plan": "Safety Plan",
    "case_note": "Case Note",
    "statutory_visit": "Home Visit",
    "chronology": "Chronology",
    "assessment": "C&F Assessment",
}
COLUMNS = (
    "FormRef",
    "ChildID",
    "FormName",
    "Status",
    "StartedDate",
    "CompletedDate",
    "ScalingScore",
    "DirectWorkTool",
    "LastModified",
)
CENSUS_GLOB = "cin/*.xml"
FORMS_GLOB = "forms/*.csv"
ARRIVED_BEFORE_S = 15 * 60
"""Drops are backdated this far, as if they arrived overnight: the connector waits for files that
are still changing (settle_seconds), and the demo's are whole the moment they are written."""


def child_id(case: DemoCase) -> str:
    return f"WV{7_300_000 + case.number * 13:07d}"


def build(folder: Path, caseload: Caseload, measures: Measures) -> None:
    """Write the census, the forms exports and the QA spreadsheet (the caller removed any earlier drop)."""
    stamp = caseload.as_of.strftime("%Y%m%d")
    census = folder / "cin" / f"CIN_Census_{stamp}.xml"
    forms = folder / "forms" / f"forms_export_{stamp}.csv"
    partial = folder / "forms" / f"forms_export_{stamp}_partial.csv"
    audits = folder / AUDITS_GLOB.replace("*", f"case_audits_{stamp}")
    _write(census, census_xml(caseload, measures))
    _write(forms, forms_csv(caseload))
    _write(partial, _cut_short(forms_csv(caseload)))
    _write(audits, audits_csv(caseload, measures, child_id))
    arrived = time.time() - ARRIVED_BEFORE_S
    for path in (census, forms, partial, audits):
        os.utime(path, (arrived, arrived))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def census_xml(caseload: Caseload, measures: Measures) -> str:
    """A CIN census return: header, then one Child per case with a CINdetails per referral."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<Message>",
        "  <Header>",
        "    <CollectionDetails><Collection>CIN</Collection>"
        f"<Year>{caseload.as_of.year}</Year><ReferenceDate>{caseload.as_of.isoformat()}</ReferenceDate>"
        "</CollectionDetails>",
        "    <Source><SourceLevel>L</SourceLevel><LEA>990</LEA><SoftwareCode>Demo</SoftwareCode>"
        "<Release>1</Release><SerialNo>001</SerialNo>"
        f"<DateTime>{caseload.as_of.isoformat()}T02:00:00</DateTime></Source>",
        "  </Header>",
        "  <Children>",
    ]
    course: dict[int, list[Episode]] = {}
    for episode in measures.episodes:
        course.setdefault(episode.case.number, []).append(episode)
    for case in caseload.cases:
        lines.append(_child(child_id(case), case, course.get(case.number, ())))
    if caseload.cases:
        # A child whose identifier was lost in the extract, and a closure before the referral.
        lines.append(_child(None, caseload.cases[0]))
        last = caseload.cases[-1]
        inverted = DemoCase(
            number=len(caseload.cases) + 1,
            team=None,
            worker=last.worker,
            case_type="cin",
            opened_on=caseload.as_of - timedelta(days=30),
            closed_on=caseload.as_of - timedelta(days=45),
            cp_plan_start=None,
            updated_at=last.updated_at,
        )
        lines.append(_child(child_id(inverted), inverted))
    lines += ["  </Children>", "</Message>", ""]
    return "\n".join(lines)


def _child(la_child_id: str | None, case: DemoCase, course: Sequence[Episode] = ()) -> str:
    """The child with one CINdetails per referral, earlier ones first, each with its CP plans."""
    referrals: list[tuple[Episode, list[Episode]]] = []
    for episode in course:
        if episode.kind == "referral":
            referrals.append((episode, []))
        elif episode.kind == "cp_plan" and referrals:
            referrals[-1][1].append(episode)
    if not referrals:  # the flawed children: the case as it stands, no history
        current = Episode(
            case, "referral", 0, case.opened_on, case.closed_on, "RC8" if case.closed_on else None
        )
        plan = (
            Episode(case, "cp_plan", 1, case.cp_plan_start, case.closed_on, None, 0)
            if case.cp_plan_start
            else None
        )
        referrals.append((current, [plan] if plan else []))
    return (
        "    <Child><ChildIdentifiers>"
        + _tag("LAchildID", la_child_id)
        + _tag("Sex", 1 + case.number % 2)
        + "</ChildIdentifiers>"
        + "".join(_details(case, referral, plans) for referral, plans in referrals)
        + "</Child>"
    )


def _tag(name: str, value: object) -> str:
    return "" if value is None else f"<{name}>{escape(str(value))}</{name}>"


def _details(case: DemoCase, referral: Episode, plans: list[Episode]) -> str:
    start = referral.started_on
    details = [
        _tag("CINreferralDate", start.isoformat()),
        _tag("ReferralSource", ("1A", "1B", "2A", "3A", "5A")[case.number % 5]),
        _tag("PrimaryNeedCode", ("N1", "N2", "N3", "N4")[case.number % 4]),
        _tag("CINclosureDate", referral.ended_on.isoformat() if referral.ended_on else None),
        _tag("ReasonForClosure", referral.end_reason),
        "<Assessments>"
        + _tag("AssessmentActualStartDate", (start + timedelta(days=1)).isoformat())
        + _tag("AssessmentAuthorisationDate", (start + timedelta(days=20)).isoformat())
        + "<FactorsIdentifiedAtAssessment><AssessmentFactors>"
        + ("1C", "2A", "3A", "4B")[case.number % 4]
        + "</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>",
    ]
    for plan in plans:
        details.append(
            "<Section47>"
            + _tag("S47ActualStartDate", (start + timedelta(days=2)).isoformat())
            + _tag("DateOfInitialCPC", plan.started_on.isoformat())
            + _tag("ICPCnotRequired", "false")
            + "</Section47>"
        )
        details.append(
            "<ChildProtectionPlans>"
            + _tag("CPPstartDate", plan.started_on.isoformat())
            + _tag("CPPendDate", plan.ended_on.isoformat() if plan.ended_on else None)
            + _tag("InitialCategoryOfAbuse", ("NEG", "EMO", "PHY")[case.number % 3])
            + _tag("LatestCategoryOfAbuse", ("NEG", "EMO", "PHY")[case.number % 3])
            + _tag("NumberOfPreviousCPP", plan.previous_cp_plans)
            + "</ChildProtectionPlans>"
        )
    if not plans:
        plan_start = _tag("CINPlanStartDate", (start + timedelta(days=25)).isoformat())
        details.append(f"<CINPlanDates>{plan_start}</CINPlanDates>")
    return "<CINdetails>" + "".join(details) + "</CINdetails>"


def _uk(day: date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


def _row(record: PracticeRecord) -> list[str]:
    status = {"completed": "Completed", "draft": "Draft", "cancelled": "Cancelled"}[record.state]
    if record.state == "completed" and record.number % 3 == 0:
        status = "Authorised"
    return [
        f"F{510_000 + record.number}",
        child_id(record.case),
        FORM_NAMES[record.tool or record.form],
        status,
        _uk(record.started_at.date()),
        _uk(record.completed_at.date() if record.completed_at else None),
        "" if record.scale is None else str(record.scale),
        FORM_NAMES[record.tool] if record.tool else "",
        record.updated_at.strftime("%d/%m/%Y %H:%M"),
    ]


def forms_csv(caseload: Caseload) -> str:
    """The overnight forms export, oldest change first, with a few rows that must be quarantined."""
    rows = [_row(r) for r in sorted(caseload.records, key=lambda r: (r.updated_at, r.number))]
    if caseload.cases:
        yesterday = caseload.as_of - timedelta(days=1)
        changed = datetime.combine(yesterday, datetime.min.time()).strftime("%d/%m/%Y 16:%M")
        someone = child_id(caseload.cases[len(caseload.cases) // 4])
        rows += [
            # A date no calendar has.
            [
                "F599001",
                someone,
                "Danger Statement",
                "Completed",
                f"31/02/{yesterday.year}",
                f"31/02/{yesterday.year}",
                "",
                "",
                changed,
            ],
            # A score typed as a word.
            [
                "F599002",
                someone,
                "Scaling Question",
                "Completed",
                _uk(yesterday),
                _uk(yesterday),
                "ten",
                "",
                changed,
            ],
            # A form with no child.
            ["F599003", "", "Safety Goal", "Completed", _uk(yesterday), _uk(yesterday), "", "", changed],
        ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def _cut_short(export: str) -> str:
    """A copy of an export that a failed transfer truncated mid-row: the whole file is refused."""
    lines = export.splitlines(keepends=True)
    kept = lines[: max(3, len(lines) // 10)]
    return "".join(kept) + kept[-1][: len(kept[-1]) // 2] + "\r\n"


AUTHORITY_YAML = Template("""\
# Demo authority: a file drop of a Children in Need census XML and a forms export CSV.
# Generated by `sofs-sync demo`; edits are overwritten.
code: westvale
name: Westvale District Council (demo, file drop)

schedule:
  cron: "30 6 * * *"        # the overnight export lands by six
  timezone: Europe/London

connector:
  type: files
  folder: "$folder"
  streams:
    cases:
      glob: "$census_glob"
      format: {type: cin_census}
      case_field: LAchildID
    evidence:
      glob: "$forms_glob"
      format:
        type: csv
        required_columns: [FormRef, ChildID, FormName, Status, LastModified]
      case_field: ChildID

identifiers: {case_ref: keep, worker: drop}   # the census names no worker

mapping:
  cases:
    source_id: {path: LAchildID}
    fields:
      case_ref: {path: LAchildID}
      # An open child protection plan makes it a CP case; an ended one or none, a child in need.
      case_type: {path: OpenCPPstartDate, patterns: [{regex: ".", value: cp}], default: cin}
      opened_on: {path: CINreferralDate, date: iso}
      closed_on: {path: CINclosureDate, date: iso}
      cp_plan_start: {path: CPPstartDate, date: iso}
  evidence:
    source_id: {path: FormRef}
    fields:
      case_ref: {path: ChildID}
      element:
        path: FormName
        patterns:
          - {match: "SoS Map*", element: mapping}
          - {match: "Statement of Harm*", element: harm_statement}
          - {match: "Danger Statement*", element: danger_statement}
          - {match: "Safety Goal*", element: safety_goal}
          - {match: "Scaling Question*", element: safety_scale}
          - {match: "Three Houses*", element: work_with_children}
          - {match: "Wizards and Fairies*", element: work_with_children}
          - {match: "Safety House*", element: work_with_children}
          - {match: "Words & Pictures*", element: words_and_pictures}
          - {match: "Safety Network*", element: safety_network}
          - {match: "Safety Plan*", element: safety_plan}
      kind:
        path: DirectWorkTool
        map:
          Three Houses: three_houses
          Wizards and Fairies: wizards_and_fairies
          Safety House: safety_house
        default: null
      state:
        path: Status
        map: {Draft: draft, Completed: completed, Authorised: authorised, Cancelled: cancelled}
      evidenced_on: {first_of: [CompletedDate, StartedDate], date: "%d/%m/%Y"}
      scale_value: {path: ScalingScore, number: true}
      source_updated_at: {path: LastModified, datetime: "%d/%m/%Y %H:%M"}

timeliness:
  mapping: {due: {days: 20, after: opened}, review_every_days: 90}
  safety_plan: {due: {days: 15, working: true, after: cp_plan_start}, case_types: [cp], review_every_days: 60}
  safety_network: {review_every_days: 90}
""")


def authority_yaml(folder: Path) -> str:
    return AUTHORITY_YAML.substitute(folder=folder, census_glob=CENSUS_GLOB, forms_glob=FORMS_GLOB)
