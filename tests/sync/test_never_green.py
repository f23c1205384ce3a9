"""Never green with wrong data: a misconfigured source or a large deletion stops the run, through the CLI.

Each test drives `sofs-sync` as a user would, against a real source: a SQLite reporting database or
a REST API on loopback.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.write.runs import Counts
from tests.conftest import run_cli
from tests.connectors.scripted_http import Reply, ScriptedServer, SeenRequest
from tests.sources import MAPPING_YAML, build_sqlite_source, sql_authority_yaml, synthetic

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def write_config(folder: Path, code: str, authority_yaml: str) -> Path:
    (folder / "authorities").mkdir(parents=True)
    (folder / "authorities" / f"{code}.yaml").write_text(authority_yaml)
    settings = folder / "sofs-sync.yaml"
    settings.write_text("store:\n  url: sqlite:///store.db\n")
    assert run_cli("--config", str(settings), "init").exit_code == 0
    return settings


@pytest.fixture
def sql_source(tmp_path: Path) -> tuple[Path, Path]:
    """A synced SQL authority of 60 cases and 180 forms; returns its settings file and source database."""
    cases, forms = synthetic(cases=60, forms_per_case=3)
    source = tmp_path / "source.db"
    settings = write_config(
        tmp_path / "config", "la", sql_authority_yaml("la", build_sqlite_source(source, cases, forms))
    )
    first = run_cli("--config", str(settings), "sync")
    assert first.exit_code == 0, first.output
    return settings, source


def live_forms(settings: Path) -> int:
    with sqlite3.connect(settings.parent / "store.db") as db:
        return int(db.execute("SELECT count(*) FROM evidence WHERE deleted_on IS NULL").fetchone()[0])


def test_a_resync_that_would_delete_a_large_share_exits_3_and_deletes_nothing(
    sql_source: tuple[Path, Path],
) -> None:
    settings, source = sql_source
    before = live_forms(settings)
    with sqlite3.connect(source) as db:
        db.execute("DELETE FROM forms WHERE case_id >= 'C00030'")  # half the source's forms gone

    result = run_cli("--config", str(settings), "resync", "la", "--reason", "monthly check")

    assert result.exit_code == 3, result.output
    assert "la: refused" in result.output
    assert "more than its deletion guard of 10%" in result.output
    assert "nothing was published" in result.output
    assert "resync again with --allow-deletions" in result.output
    assert live_forms(settings) == before


def test_allow_deletions_marks_them_deleted_and_is_audited_with_who_and_why(
    sql_source: tuple[Path, Path],
) -> None:
    settings, source = sql_source
    with sqlite3.connect(source) as db:
        gone = db.execute("DELETE FROM forms WHERE case_id >= 'C00030'").rowcount

    result = run_cli(
        "--config",
        str(settings),
        "resync",
        "la",
        "--reason",
        "LA archived closed cases",
        "--allow-deletions",
        "--by",
        "admin-raj",
        "--json",
    )

    assert result.exit_code == 0, result.output
    [run] = json.loads(result.stdout)
    assert run["outcome"] == "succeeded"
    assert 0 < run["counts"]["deleted"] <= gone
    with sqlite3.connect(settings.parent / "store.db") as db:
        [audit] = db.execute("SELECT actor, action, reason FROM audit_log").fetchall()
    assert audit == ("admin-raj", "resync:full:allow-deletions", "LA archived closed cases")


def test_a_small_deletion_under_the_guard_goes_ahead(sql_source: tuple[Path, Path]) -> None:
    settings, source = sql_source
    with sqlite3.connect(source) as db:
        db.execute("DELETE FROM forms WHERE form_id = 'F000004'")

    result = run_cli("--config", str(settings), "resync", "la", "--reason", "source cleanup", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["counts"]["deleted"] == 1


def cursor_api(server: ScriptedServer, rows: list[dict[str, object]], size: int = 10) -> None:
    """Serve `rows` at /cases and /forms with the cursor under `meta.page.after`."""

    def page(request: SeenRequest, items: list[dict[str, object]]) -> Reply:
        start = int(request.param("after") or 0)
        following = start + size if start + size < len(items) else None
        return Reply(
            json={"data": items[start : start + size], "meta": {"page": {"after": following, "size": size}}}
        )

    server.handle("/cases", lambda r: page(r, rows))
    server.handle("/forms", lambda r: page(r, []))


def cursor_authority(base_url: str, cursor_path: str) -> str:
    pagination = f"{{type: cursor, cursor_path: {cursor_path}, cursor_param: after}}"
    return f"""
code: la
name: Cursor Council
connector:
  type: rest
  base_url: "{base_url}"
  timeouts: {{connect: 2, read: 5}}
  streams:
    cases: {{path: /cases, records_path: data, pagination: {pagination}}}
    evidence: {{path: /forms, records_path: data, pagination: {pagination}}}
{MAPPING_YAML}"""


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    running = ScriptedServer().start()
    yield running
    running.stop()


def test_a_misspelt_cursor_path_fails_check_and_sync_naming_the_key(
    tmp_path: Path, server: ScriptedServer
) -> None:
    cases, _forms = synthetic(cases=35, forms_per_case=0)
    cursor_api(server, cases)
    settings = write_config(tmp_path / "config", "la", cursor_authority(server.url, "meta.page.next"))

    check = run_cli("--config", str(settings), "check", "la")
    sync = run_cli("--config", str(settings), "sync", "la")

    expected = "no 'meta.page.next' (cursor_path); 'meta.page' has: after, size"
    assert check.exit_code == 1
    assert expected in check.output
    assert sync.exit_code == 1
    assert "la: failed" in sync.output
    assert expected in sync.output


def test_the_right_cursor_path_reads_every_page(tmp_path: Path, server: ScriptedServer) -> None:
    cases, _forms = synthetic(cases=35, forms_per_case=0)
    cursor_api(server, cases)
    settings = write_config(tmp_path / "config", "la", cursor_authority(server.url, "meta.page.after"))

    result = run_cli("--config", str(settings), "sync", "la", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["counts"]["read"] == 35


def quarantine_rows(settings: Path) -> list[dict[str, object]]:
    rows = json.loads(run_cli("--config", str(settings), "quarantine", "la", "--json").stdout)
    assert isinstance(rows, list)
    return rows


def test_a_record_that_fails_again_after_an_edit_stays_one_quarantine_row(
    sql_source: tuple[Path, Path],
) -> None:
    settings, source = sql_source
    before = {r["source_id"]: r["reason"] for r in quarantine_rows(settings)}
    assert "F000158" in before  # its form date is 31/02/2026
    with sqlite3.connect(source) as db:
        db.execute(
            "UPDATE forms SET form_date = '2026-13-01', updated = '2026-06-01T00:00:00' "
            "WHERE form_id = 'F000158'"
        )

    assert run_cli("--config", str(settings), "sync").exit_code == 0

    after = quarantine_rows(settings)
    assert [r["source_id"] for r in after].count("F000158") == 1
    assert len(after) == len(before)


def test_a_quarantined_record_deleted_at_source_leaves_quarantine_on_a_full_resync(
    sql_source: tuple[Path, Path],
) -> None:
    settings, source = sql_source
    with sqlite3.connect(source) as db:
        db.execute("DELETE FROM forms WHERE form_id = 'F000158'")

    resync = run_cli("--config", str(settings), "resync", "la", "--reason", "source cleanup", "--json")

    assert resync.exit_code == 0, resync.output
    [run] = json.loads(resync.stdout)
    assert "F000158" not in [r["source_id"] for r in quarantine_rows(settings)]
    [status] = json.loads(run_cli("--config", str(settings), "status", "--json").stdout)
    assert status["in_quarantine"] == run["counts"]["quarantined"] == len(quarantine_rows(settings))


def test_evidence_keyed_to_another_case_column_is_refused_and_status_says_so(tmp_path: Path) -> None:
    cases, forms = synthetic(cases=40, forms_per_case=3)
    url = build_sqlite_source(tmp_path / "source.db", cases, forms)
    # The cases mapping takes its reference from another column than the one evidence names.
    authority = sql_authority_yaml("la", url).replace(
        "      case_ref: {path: id}\n      team:", "      case_ref: {path: cp_start}\n      team:"
    )
    settings = write_config(tmp_path / "config", "la", authority)

    check = run_cli("--config", str(settings), "check", "la")
    sync = run_cli("--config", str(settings), "sync", "la")

    assert check.exit_code == 1
    assert "a sync would be refused: orphans guard:" in " ".join(check.output.split())
    assert sync.exit_code == 3
    assert "evidence records name a case the store does not have" in sync.output
    [status] = json.loads(run_cli("--config", str(settings), "status", "--json").stdout)
    assert status["last_run"]["outcome"] == "refused"
    assert status["orphaned_evidence"] == 0  # nothing of the refused read reached the store
    [run] = json.loads(run_cli("--config", str(settings), "runs", "--json").stdout)
    assert run["orphaned_count"] > 0
    assert Counts.of_columns(run).adds_up()


def filtering_api(server: ScriptedServer, cases: list[dict[str, object]], honours: str | None) -> None:
    """/cases and /forms; a `case` query parameter is honoured only when named in `honours`."""

    def reply(request: SeenRequest, rows: list[dict[str, object]]) -> Reply:
        wanted = request.param(honours) if honours else None
        return Reply(json={"data": [r for r in rows if wanted is None or r["id"] == wanted]})

    server.handle("/cases", lambda r: reply(r, cases))
    server.handle("/forms", lambda r: reply(r, []))


def checked_authority(base_url: str, cases_stream: str) -> str:
    return f"""
code: la
name: Checked Council
connector:
  type: rest
  base_url: "{base_url}"
  streams:
    cases: {cases_stream}
    evidence: {{path: /forms, records_path: data}}
{MAPPING_YAML}"""


def test_check_names_an_incremental_cursor_field_missing_from_every_sampled_record(
    tmp_path: Path, server: ScriptedServer
) -> None:
    cases, _forms = synthetic(cases=5, forms_per_case=0)
    filtering_api(server, cases, honours=None)
    stream = (
        "{path: /cases, records_path: data, incremental: {cursor_field: LAST_MODIFED, param: changed_since}}"
    )
    settings = write_config(tmp_path / "config", "la", checked_authority(server.url, stream))

    check = run_cli("--config", str(settings), "check", "la")

    assert check.exit_code == 1
    assert (
        "stream cases: incremental cursor_field 'LAST_MODIFED' is in none of the 5 sampled records; "
        "a sampled record has: closed, cp_start, id, opened, team, type, updated"
    ) in " ".join(check.output.split())


def test_check_flags_a_case_filter_param_the_api_ignores_and_names_a_path_it_cannot_try(
    tmp_path: Path, server: ScriptedServer
) -> None:
    cases, _forms = synthetic(cases=5, forms_per_case=0)
    filtering_api(server, cases, honours="case")
    stream = "{path: /cases, records_path: data, case_filter: {param: case_ref}}"
    settings = write_config(tmp_path / "config", "la", checked_authority(server.url, stream))
    honoured = write_config(
        tmp_path / "honoured",
        "la",
        checked_authority(server.url, "{path: /cases, records_path: data, case_filter: {param: case}}"),
    )
    by_path = write_config(
        tmp_path / "path",
        "la",
        checked_authority(
            server.url, '{path: /cases, records_path: data, case_filter: {path: "/cases/{case_ref}"}}'
        ),
    )

    ignored = run_cli("--config", str(settings), "check", "la")
    fine = run_cli("--config", str(honoured), "check", "la", "--json")
    untried = run_cli("--config", str(by_path), "check", "la", "--json")

    assert ignored.exit_code == 1
    assert (
        "stream cases: asked for a case that does not exist through case_filter param 'case_ref', the "
        "API returned 5 records: it seems to ignore the parameter"
    ) in " ".join(ignored.output.split())
    assert fine.exit_code == 0, fine.output
    assert json.loads(fine.output)["notes"] == []
    assert untried.exit_code == 0, untried.output
    assert json.loads(untried.output)["notes"] == [
        "stream cases: case_filter path '/cases/{case_ref}' is not tried by check; "
        "`resync AUTHORITY --case REF` with a known case is its test"
    ]
