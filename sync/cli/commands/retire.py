"""`retire`: delete an authority's data from the store once it no longer syncs, recorded with who and why."""

from __future__ import annotations

import click

from store.write.lease import LeaseHeld, StoreLease, utc_now
from store.write.retire import retire_authority
from store.write.runs import Counts, audit, finish_run, start_run
from sync.cli.app import App
from sync.cli.commands.run import by_option, who_asked
from sync.cli.output import EXIT_USAGE


@click.command()
@click.argument("authority")
@click.option("--reason", required=True, help="Why its data goes (kept in the run history and audit log).")
@by_option
@click.pass_context
def retire(ctx: click.Context, authority: str, reason: str, by: str | None) -> None:
    """Delete a retired authority's data from the store; its runs and audit log keep who, when and why.

    Refused while the authority's file is still enabled: set `enabled: false` or remove the file first.
    """
    app: App = ctx.obj
    config = app.config
    if authority in config.authorities and config.authorities[authority].file.enabled:
        path = config.authorities[authority].path
        raise click.UsageError(
            f"{authority} is still enabled in {path}: set enabled: false, or remove the file"
        )
    broken = [p for p in config.broken if p.stem == authority]
    if broken:
        raise click.UsageError(f"{broken[0]} has errors: fix it (with enabled: false) or remove it first")
    engine = app.ready_engine()
    who = who_asked(by)
    lease = StoreLease(engine, f"authority:{authority}")
    try:
        lease.__enter__()
    except LeaseHeld as held:
        click.echo(
            f"error: {authority} is being synced ({held.holder.describe()}); try again later", err=True
        )
        ctx.exit(EXIT_USAGE)
    try:
        now = utc_now()
        run_id = start_run(
            engine,
            authority=authority,
            trigger="cli",
            requested_by=who,
            reason=reason,
            mode="retire",
            scope_case_ref=None,
            started_at=now,
        )
        with engine.begin() as conn:
            lease.confirm(conn)
            deleted = retire_authority(conn, authority)
            removed = ", ".join(f"{n} {table}" for table, n in deleted.items() if n) or "nothing stored"
            scope = f"all data: {removed}"
            audit(
                conn,
                at=now,
                actor=who,
                action="retire",
                authority=authority,
                scope=scope[:200],
                reason=reason,
                run_id=run_id,
            )
        records = ("cases", "evidence", "audits", "case_episodes")
        counts = Counts(deleted=sum(deleted.get(table, 0) for table in records))
        finish_run(engine, run_id, "succeeded", utc_now(), counts)
    finally:
        lease.__exit__(None, None, None)
    click.echo(f"{authority}: retired (run {run_id}); deleted {removed}")
