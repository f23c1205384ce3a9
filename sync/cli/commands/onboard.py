"""Commands for ops staff bringing an authority on: `new-authority`, `check` and `pseudonym`."""

from __future__ import annotations

from dataclasses import asdict

import click
from rich.console import Console
from rich.table import Table

from config.authority import Guards
from config.settings import load_settings
from connectors.base import CheckReport, Connector
from connectors.errors import ConnectorError
from mapping.checks import PRACTICE_RECORDS
from mapping.coverage import coverage
from mapping.mapper import CompiledMapping
from sync.cli.app import App
from sync.cli.output import RunFailed, emit_json
from sync.run.compile import compile_for, identifiers_for, stored_case_ref
from sync.run.runner import build_connector
from sync.run.sample_guards import SampleJudgement, StreamSample, judge_sample
from sync.run.sample_join import cases_for, sampled_records


@click.command()
@click.argument("authority")
@click.option("--sample", "sample_size", default=20, show_default=True, help="Records to read per stream.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def check(app: App, authority: str, sample_size: int, as_json: bool) -> None:
    """Connectivity, a sample of each stream, how the mapping covers it, and the guard a sync would trip.

    The cases the sampled practice evidence names are read to judge it, as a sync would find them.
    Reads without moving any stream position and writes nothing to the store.
    """
    config = app.config
    la = config.authority(authority)
    compiled = compile_for(la, config.settings.element_keys)
    identifiers = identifiers_for(la)
    judgement = SampleJudgement()
    try:
        with build_connector(la) as connector:
            # What a one-case resync would refuse for, said now rather than when an admin needs it.
            no_case_filter = [
                s
                for s in connector.streams()
                if s in compiled.streams and not connector.supports_case_filter(s)
            ]
            report = connector.check(sample_size)
            if report.reachable:
                judgement = _judged_by_join(connector, compiled, report, sample_size, la.file.guards)
    except ConnectorError as exc:
        raise RunFailed(f"{authority}: cannot read the source: {exc}") from None
    if not report.reachable and not as_json:
        # Nothing was sampled: the coverage report would only list every element as unreached.
        raise RunFailed(f"{authority}: source not reachable: {report.detail}")
    samples = {s.stream: s.records for s in report.samples}
    result = {
        "authority": authority,
        "reachable": report.reachable,
        "detail": report.detail,
        "problems": report.problems,
        "guards": [asdict(trip) for trip in judgement.trips],
        "orphans": judgement.orphans,
        "notes": [*report.notes, *judgement.notes],
        "no_case_filter": no_case_filter,
        "unreadable": [asdict(r.told(identifiers)) for s in report.samples for r in s.rejected],
        "coverage": asdict(coverage(compiled, samples)),
    }
    if as_json:
        emit_json(result)
    else:
        _print_check(result)
    if not report.reachable:
        raise RunFailed(f"{authority}: source not reachable: {report.detail}")
    if report.problems or judgement.trips:
        raise RunFailed(
            f"{authority}: a sync would fail, be refused or go wrong; put right what is said above"
        )


def _judged_by_join(
    connector: Connector, compiled: CompiledMapping, report: CheckReport, sample_size: int, guards: Guards
) -> SampleJudgement:
    """The samples as a sync would map them, with the cases the sampled evidence names, judged."""
    streams: dict[str, StreamSample] = {}
    for sample in report.samples:
        if sample.stream in compiled.streams:
            records = sampled_records(compiled.stream(sample.stream), sample.records)
            full = len(records) + len(sample.rejected) >= sample_size
            streams[sample.stream] = StreamSample(records, len(sample.rejected), full)
    practice = [r for name in PRACTICE_RECORDS for r in streams.get(name, StreamSample([])).records]
    cases = next((s.records for s in report.samples if s.stream == "cases"), [])
    found = cases_for(connector, compiled, practice, cases)
    return judge_sample(streams, found, guards)


def _print_check(result: dict[str, object]) -> None:
    console = Console()
    console.print(
        f"[bold]{result['authority']}[/]: {'reachable' if result['reachable'] else 'NOT reachable'}"
        f" - {result['detail']}"
    )
    problems = result["problems"]
    assert isinstance(problems, list)
    for problem in problems:
        console.print(f"[bold red]problem[/]: {problem}", highlight=False)
    trips = result["guards"]
    assert isinstance(trips, list)
    for trip in trips:
        console.print(
            f"[bold red]a sync would be refused[/]: {trip['guard']} guard: {trip['message']}", highlight=False
        )
    notes = result["notes"]
    assert isinstance(notes, list)
    for note in notes:
        console.print(f"[yellow]not checked[/]: {note}", highlight=False)
    cov = result["coverage"]
    assert isinstance(cov, dict)
    for stream in cov["streams"]:
        counts = stream["counts"]
        console.print(
            f"\n[bold]{stream['stream']}[/]: {counts['records']} sample records, {counts['mapped']} mapped, "
            f"{counts['not_practice_evidence']} not practice evidence, "
            f"{counts['quarantined']} would be quarantined"
        )
        if stream["source_types"]:
            table = Table("source type", "element", "records", "quarantined")
            for t in stream["source_types"]:
                table.add_row(
                    str(t["source_type"]),
                    t["element"] or "[dim]none[/]",
                    str(t["records"]),
                    str(t["quarantined"]),
                )
            console.print(table)
        for reason in stream["quarantine_reasons"]:
            console.print(f"  quarantine reason: {reason}")
        if stream["unlisted_teams"]:
            console.print(
                f"[yellow]warning[/]: {stream['unlisted_teams']} sampled cases name a team code the team "
                "list lacks; they show as '(team not in the team list)' until the list has it",
                highlight=False,
            )
        if stream["worker_names"]:
            console.print(
                f"[yellow]warning[/]: {stream['worker_names']} sampled records hold a person's name as "
                "their worker; map worker from a worker id column, or set identifiers.worker: drop",
                highlight=False,
            )
    _print_warnings(console, result)


def _print_warnings(console: Console, result: dict[str, object]) -> None:
    """What a sync would not do as the authority may expect: elements and streams left unread, one
    case not readable alone, records that cannot be read."""
    cov = result["coverage"]
    assert isinstance(cov, dict)
    for element in cov["unreached_elements"]:
        console.print(f"[yellow]warning[/]: no rule maps any record to element {element}")
    for name in cov["unmapped_streams"]:
        console.print(
            f"[yellow]warning[/]: stream {name} is configured on the connector but has no mapping;"
            " nothing syncs it"
        )
    no_case_filter = result["no_case_filter"]
    assert isinstance(no_case_filter, list)
    if no_case_filter:
        console.print(
            "[yellow]warning[/]: resync --case cannot read one case from stream(s) "
            f"{', '.join(no_case_filter)}; give them a case filter (case_query, case_filter or "
            "case_field) to resync one case",
            highlight=False,
        )
    unreadable = result["unreadable"]
    assert isinstance(unreadable, list)
    for item in unreadable:
        console.print(f"  unreadable: {item['reason']}")


@click.command()
@click.argument("authority")
@click.argument("source_ref")
@click.pass_obj
def pseudonym(app: App, authority: str, source_ref: str) -> None:
    """Print the case reference the store holds for an authority's own case reference.

    With a pseudonymising policy this is the HMAC pseudonym under the authority's key, so an auditor
    can find a case without the store holding the source reference.
    """
    click.echo(stored_case_ref(app.config.authority(authority), source_ref))


@click.command("new-authority")
@click.argument("code")
@click.option(
    "--from",
    "template",
    required=True,
    help="A template (rest, sql, files, ssd, liquidlogic, mosaic, eclipse) or an authority file's path.",
)
@click.option("--name", help="The authority's name, e.g. 'Northshire County Council'.")
@click.option("--force", is_flag=True, help="Overwrite an existing file of that code.")
@click.pass_obj
def new_authority(app: App, code: str, template: str, name: str | None, force: bool) -> None:
    """Write a starting authority file, with comments marking what the authority must fill in."""
    from config.templates import starting_file, template_names

    settings = load_settings(app.config_path)
    target = settings.authorities_dir / f"{code}.yaml"
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(starting_file(template, code, name), encoding="utf-8")
    click.echo(f"wrote {target} (enabled: false until you say)")
    if template in template_names():
        click.echo("next: fill in every line marked 'LA:', then run")
    else:
        click.echo(f"next: point every connector setting, secret and key reference copied from {template} at")
        click.echo("this authority's own (its source, its credentials, its pseudonym key), then run")
    click.echo(f"  sofs-sync --config {app.config_path} check {code}")


@click.command()
@click.option("--settings", "of_settings", is_flag=True, help="The settings file's schema instead.")
def schema(of_settings: bool) -> None:
    """Print the JSON Schema of an authority file (or, with --settings, of the settings file).

    Point an editor's YAML support at it (e.g. `# yaml-language-server: $schema=authority.json`)
    to complete and check option names while typing; docs/reference.md is generated from it.
    """
    from config.schema import authority_schema, settings_schema

    emit_json(settings_schema() if of_settings else authority_schema())
