"""Listings: `status`, `runs`, `quarantine` and `dashboard`. Every one has `--json`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from store.read import status_read
from store.read.status_read import ORPHAN_ALERT_SHARE
from sync.cli.app import App
from sync.cli.output import emit_json
from sync.daemon.triggers import next_run

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from dashboard.listing import print_listing  # the terminal library, for a terminal only

    print_listing(title, columns, rows, prose=("reason", "error"))


@click.command()
@json_option
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """Per authority: last run, outcome, counts, next run, records in quarantine."""
    # Every authority file validated, so a broken one is named; the store read with a few plain
    # queries on a driver connection, without the ORM behind the other listings.
    config = app.config
    with app.ready_engine().connect() as conn:
        db = conn.connection
        last = status_read.last_runs(db)
        quarantined = status_read.quarantine_counts(db)
        open_cases = status_read.open_case_count(db)
        orphans = status_read.orphan_counts(db)
        stored = status_read.stored_authorities(db)
    now = datetime.now(UTC)
    result: list[dict[str, Any]] = []
    for code, authority in sorted(config.authorities.items()):
        run = last.get(code, {})
        started = datetime.fromisoformat(run["started_at"]) if run.get("started_at") else None
        result.append(
            {
                "authority": code,
                "name": authority.name,
                "file": str(authority.path),
                "enabled": authority.file.enabled,
                "last_run": run or None,
                "last_success_at": run.get("last_success_at"),
                "next_run": next_run(config.schedule_for(code), started, now).isoformat()
                if authority.file.enabled
                else None,
                "open_cases": open_cases.get(code, 0),
                "in_quarantine": quarantined.get(code, 0),
                **_orphan_fields(orphans.get(code, (0, 0))),
            }
        )
    # Data whose file is gone still shows on dashboards: list it, so it is retired or its file restored.
    broken = {p.stem for p in config.broken}
    for code, name in sorted(stored.items()):
        if code not in config.authorities and code not in broken:
            run = last.get(code, {})
            result.append(
                {
                    "authority": code,
                    "name": name,
                    "file": None,
                    "enabled": False,
                    "last_run": run or None,
                    "last_success_at": run.get("last_success_at"),
                    "next_run": None,
                    "open_cases": open_cases.get(code, 0),
                    "in_quarantine": quarantined.get(code, 0),
                    **_orphan_fields(orphans.get(code, (0, 0))),
                }
            )
    if as_json:
        emit_json(result)
        return
    _table(
        "Authorities",
        [
            "authority",
            "last run",
            "outcome",
            "read",
            "written",
            "quarantined",
            "next run",
            "open cases",
            "in quarantine",
            "evidence naming no stored case",
        ],
        [
            [
                r["authority"],
                (r["last_run"] or {}).get("started_at", "never"),
                (r["last_run"] or {}).get("outcome"),
                (r["last_run"] or {}).get("read_count"),
                (r["last_run"] or {}).get("written_count"),
                (r["last_run"] or {}).get("quarantined_count"),
                r["next_run"] or ("disabled" if r["file"] else "no file: restore it or retire it"),
                r["open_cases"],
                r["in_quarantine"],
                _orphans(r["orphaned_evidence"], orphans.get(r["authority"], (0, 0))[1], r["orphan_alert"]),
            ]
            for r in result
        ],
    )


def _orphan_fields(counts: tuple[int, int]) -> dict[str, Any]:
    """How much of an authority's evidence names no stored case, and whether that is a large share."""
    orphaned, evidence = counts
    return {
        "orphaned_evidence": orphaned,
        "orphan_alert": evidence > 0 and orphaned / evidence > ORPHAN_ALERT_SHARE,
    }


def _orphans(orphaned: int, evidence: int, alert: bool) -> Any:
    """The count, and when it is a large share a styled warning (a rich Text: never markup in a pipe)."""
    if not orphaned:
        return "0"
    text = f"{orphaned} ({orphaned / evidence:.0%})"
    if not alert:
        return text
    from rich.text import Text  # the terminal library, for a terminal only

    return Text(f"{text} check how both streams key cases", style="bold red")


RUN_COLUMNS = [
    ("id", "id"),
    ("authority", "authority"),
    ("trigger", "trigger"),
    ("by", "requested_by"),
    ("mode", "mode"),
    ("started", "started_at"),
    ("outcome", "outcome"),
    ("read", "read_count"),
    ("written", "written_count"),
    ("unchanged", "unchanged_count"),
    ("quarantined", "quarantined_count"),
    ("not evidence", "not_evidence_count"),
    ("deleted", "deleted_count"),
    ("orphaned", "orphaned_count"),
    ("superseded", "superseded_count"),
    ("duplicates", "duplicates_count"),
    ("staged", "stage"),
    ("reason", "reason"),
    ("error", "error"),
    ("notes", "notes"),
]
OCCASIONAL = {"superseded_count", "duplicates_count", "stage", "notes"}
"""Columns shown only when a listed run has something in them: a stage only while a read waits."""


def _met(value: object) -> bool:
    return bool(value) and value not in ("published", "adopted", "discarded")


@click.command()
@click.argument("authority", required=False)
@click.option("--limit", default=50, show_default=True, help="How many runs, newest first.")
@json_option
@click.pass_obj
def runs(app: App, authority: str | None, limit: int, as_json: bool) -> None:
    """Run history: trigger, who asked and why, outcome and counts."""
    if authority:
        app.config.authority(authority)
    from store.read import queries

    rows = queries.runs(app.ready_engine(), authority, limit)
    if as_json:
        emit_json(rows)
        return
    columns = [
        (label, key) for label, key in RUN_COLUMNS if key not in OCCASIONAL or any(_met(r[key]) for r in rows)
    ]
    _table("Runs", [label for label, _ in columns], [[r[key] for _, key in columns] for r in rows])


@click.command()
@click.argument("authority", required=False)
@click.option("--all", "include_resolved", is_flag=True, help="Include records that later synced cleanly.")
@json_option
@click.pass_obj
def quarantine(app: App, authority: str | None, include_resolved: bool, as_json: bool) -> None:
    """Records that could not be mapped, with the reason and the run that met them."""
    if authority:
        app.config.authority(authority)
    from store.read import queries

    rows = queries.quarantine(app.ready_engine(), authority, include_resolved)
    if as_json:
        emit_json(rows)
        return
    _table(
        "Quarantine",
        ["id", "authority", "stream", "source id", "reason", "first seen", "last seen"],
        [
            [
                r["id"],
                r["authority"],
                r["stream"],
                r["source_id"],
                r["reason"],
                r["first_seen_at"],
                r["last_seen_at"],
            ]
            for r in rows
        ],
    )
