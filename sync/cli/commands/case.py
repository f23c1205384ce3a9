"""`case`: one case's timeline, and its printable audit pack."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from config.loader import Config
from dashboard.case_measures import load_case_measures
from dashboard.changes import StatusChange
from dashboard.timeline import CaseTimeline, build_timeline, print_timeline
from dashboard.whiteboard import ENGLAND, source_record
from mapping.identifiers import PSEUDONYM_HEX_DIGITS, PSEUDONYM_PREFIX
from store.read import history
from sync.cli.app import App
from sync.cli.output import UsageError, emit_json
from sync.run.compile import stored_case_ref


@click.command()
@click.argument("authority")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the printable audit pack for a collaborative case audit.",
)
@click.pass_obj
def case(app: App, authority: str, ref: str, as_json: bool, html_file: Path | None) -> None:
    """One case's timeline: each element's records with dates, states, scale values, status changes.

    REF is the authority's own case reference; where the authority pseudonymises, it is turned into
    the stored pseudonym with the authority's key here, as `pseudonym` does. The pseudonym shown on
    the whiteboard is accepted too. `--html` writes the audit pack: the case's elements, dates and
    scale trajectory, and a page for the auditors' notes, ready to print on A4.
    """
    timeline = load_timeline(app, authority, ref)
    if html_file is not None:
        from dashboard.audit_pack import write_audit_pack

        write_audit_pack(html_file, timeline)
        click.echo(f"wrote {html_file}", err=as_json)
    if as_json:
        emit_json(timeline.as_json())
    elif html_file is None:
        print_timeline(timeline)


def load_timeline(app: App, authority: str, ref: str) -> CaseTimeline:
    config: Config = app.config
    la = config.authority(authority)
    engine = app.ready_engine()
    stored = stored_case_ref(la, ref)
    found = history.case(engine, authority, stored)
    if found is None and _looks_like_pseudonym(ref):
        stored, found = ref, history.case(engine, authority, ref)
    if found is None or found.get("deleted_on"):
        # The reference stays out of the message: it may be a child's case number.
        raise UsageError(f"no case with that reference in {authority}")
    changes = [StatusChange.from_row(r) for r in history.status_changes(engine, authority, [stored])]
    today = datetime.now(ENGLAND).date()
    return build_timeline(
        authority,
        la.name,
        found,
        config.settings.catalogue,
        history.case_statuses(engine, authority, stored),
        [source_record(r) for r in history.case_evidence(engine, authority, stored)],
        changes,
        la.file.timeliness,
        today,
        current_months=la.file.evidence_current_months,
        measures=load_case_measures(engine, authority, stored, today),
    )


def _looks_like_pseudonym(ref: str) -> bool:
    digits = ref.removeprefix(PSEUDONYM_PREFIX)
    return ref.startswith(PSEUDONYM_PREFIX) and len(digits) == PSEUDONYM_HEX_DIGITS and digits.isalnum()
