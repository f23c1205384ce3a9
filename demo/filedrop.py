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
from datetime import date, datetime, timedelta
from pathlib import Path
from string import Template

from demo.filedrop_audits import AUDITS_GLOB, GRADE_MAP, audits_csv
from demo.filedrop_census import EARLIER_FOLDER, census_xml, earlier_returns
from demo.measures import Measures
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
HISTORY_GLOB = "cin/**/*.xml"
"""Every census return, this year's and the earlier years' under cin/earlier/: the episodes stream."""
FORMS_GLOB = "forms/*.csv"
ARRIVED_BEFORE_S = 15 * 60
"""Drops are backdated this far, as if they arrived overnight: the connector waits for files that
are still changing (settle_seconds), and the demo's are whole the moment they are written."""


def child_id(case: DemoCase) -> str:
    return f"WV{7_300_000 + case.number * 13:07d}"


def build(folder: Path, caseload: Caseload, measures: Measures) -> None:
    """Write this year's census and earlier years', the forms exports and the QA spreadsheet (the caller
    removed any earlier drop)."""
    stamp = caseload.as_of.strftime("%Y%m%d")
    census = folder / "cin" / f"CIN_Census_{stamp}.xml"
    forms = folder / "forms" / f"forms_export_{stamp}.csv"
    partial = folder / "forms" / f"forms_export_{stamp}_partial.csv"
    audits = folder / AUDITS_GLOB.replace("*", f"case_audits_{stamp}")
    _write(census, census_xml(caseload, measures, child_id))
    earlier = []
    for year, text in earlier_returns(caseload, measures, child_id).items():
        earlier.append(folder / "cin" / EARLIER_FOLDER / f"CIN_Census_{year}.xml")
        _write(earlier[-1], text)
    _write(forms, forms_csv(caseload))
    _write(partial, _cut_short(forms_csv(caseload)))
    _write(audits, audits_csv(caseload, measures, child_id))
    arrived = time.time() - ARRIVED_BEFORE_S
    for path in (census, *earlier, forms, partial, audits):
        os.utime(path, (arrived, arrived))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


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
    audits:
      # The quality assurance team's spreadsheet, saved as CSV.
      glob: "$audits_glob"
      format:
        type: csv
        required_columns: [Audit ref, Child ID, Audit date, Overall grade]
      case_field: Child ID
    episodes:
      # Every referral and CP plan of every census return, this year's and earlier years'.
      glob: "$history_glob"
      format: {type: cin_census, records: episodes}
      case_field: LAchildID

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
  audits:
    source_id: {path: Audit ref}
    fields:
      case_ref: {path: Child ID}
      audited_on: {path: Audit date, date: "%d/%m/%Y"}
      grade: {path: Overall grade, map: $grade_map}
      family_participation:
        path: Family participation
        map: {"Yes": took_part, Partly: partly, "No": did_not_take_part}
      participants:
        path: Attendees
        split: ";"
        map:
          Social worker: practitioner
          Team manager: team_manager
          Parent: parent
          Child: child
          Network member: network_member
          Practice lead: practice_lead
      area.danger_statements: {path: Danger statements, map: $grade_map}
      area.safety_goals: {path: Safety goals, map: $grade_map}
      area.safety_planning: {path: Safety planning, map: $grade_map}
  episodes:
    source_id: {path: episode_id}
    fields:
      case_ref: {path: LAchildID}
      kind: {path: episode_kind, map: {referral: referral, cp_plan: cp_plan}}
      started_on: {path: start, date: iso}
      ended_on: {path: end, date: iso}
      end_reason: {path: end_reason}
      previous_cp_plans: {path: NumberOfPreviousCPP, number: true}

# The quality assurance team grades on three words; Good is the good line.
audit_scale:
  grades:
    - {code: good, words: Good}
    - {code: requires_improvement, words: Requires improvement}
    - {code: inadequate, words: Inadequate}
  good_line: good

timeliness:
  mapping: {due: {days: 20, after: opened}, review_every_days: 90}
  safety_plan: {due: {days: 15, working: true, after: cp_plan_start}, case_types: [cp], review_every_days: 60}
  safety_network: {review_every_days: 90}
""")


def authority_yaml(folder: Path) -> str:
    return AUTHORITY_YAML.substitute(
        folder=folder,
        census_glob=CENSUS_GLOB,
        forms_glob=FORMS_GLOB,
        audits_glob=AUDITS_GLOB,
        history_glob=HISTORY_GLOB,
        grade_map=GRADE_MAP,
    )
