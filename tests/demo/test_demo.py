"""`sofs-sync demo` end to end: three authorities built, synced and shown, and built again safely."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import stat
from datetime import date
from pathlib import Path

import yaml

from demo.build import build_sources
from demo.layout import AUTHORITIES, DemoPaths
from store.write.runs import Counts
from tests.conftest import run_cli
from tests.demo.conftest import SMALL, build_demo, demo_cli, query

STORE_TABLES = (
    "cases", "evidence", "audits", "case_episodes", "case_element_status", "quarantine", "stream_positions",
)  # fmt: skip


def settings(folder: Path) -> str:
    return str(folder / "sofs-sync.yaml")


def table_counts(folder: Path) -> dict[str, int]:
    store = folder / "store.db"
    return {table: int(query(store, f"SELECT count(*) FROM {table}")[0][0]) for table in STORE_TABLES}


def dashboard_json(folder: Path) -> dict[str, object]:
    result = run_cli("--config", settings(folder), "dashboard", "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def test_the_demo_syncs_three_authorities_each_through_another_connector_type(demo_dir: Path) -> None:
    types = {
        code: yaml.safe_load((demo_dir / "authorities" / f"{code}.yaml").read_text())["connector"]["type"]
        for code in AUTHORITIES
    }
    assert types == {"northmoor": "sql", "eastbridge": "rest", "westvale": "files"}
    runs = query(demo_dir / "store.db", "SELECT authority, outcome, written_count FROM sync_runs")
    assert sorted(a for a, _, _ in runs) == sorted(AUTHORITIES)
    assert all(written > 0 for _, _, written in runs), runs
    # The file drop carries a cut-short export on purpose: that run is partial and says so.
    assert {a: outcome for a, outcome, _ in runs} == {
        "northmoor": "succeeded",
        "eastbridge": "succeeded",
        "westvale": "partial",
    }


def test_every_run_reads_exactly_what_it_wrote_kept_quarantined_or_set_aside(demo_dir: Path) -> None:
    names = [f"{name}_count" for name in Counts.__dataclass_fields__]
    rows = query(demo_dir / "store.db", f"SELECT {', '.join(names)} FROM sync_runs")
    runs = [Counts.of_columns(dict(zip(names, row, strict=True))) for row in rows]
    assert [c for c in runs if not c.adds_up()] == []
    assert all(c.not_evidence > 0 for c in runs), "case notes and visits are set aside"


def test_each_authority_quarantines_its_malformed_records_with_a_reason(demo_dir: Path) -> None:
    held = query(demo_dir / "store.db", "SELECT authority, stream, reason FROM quarantine")
    assert {a for a, _, _ in held} == set(AUTHORITIES)
    assert {s for _, s, _ in held} == {"cases", "evidence", "audits", "episodes"}
    reasons = " | ".join(r for _, _, r in held)
    for expected in ("closed_on is before opened_on", "scale_value", "not in the map", "is missing"):
        assert expected in reasons
    # Each source holds one audit graded off its scale: never stored with a grade it does not have.
    off_scale = {a for a, s, r in held if s == "audits" and r.startswith("grade: ")}
    assert off_scale == set(AUTHORITIES)
    assert "is not a grade on the authority's audit scale (10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)" in reasons


def test_each_authority_holds_audits_on_its_own_scale_and_every_childs_episodes(demo_dir: Path) -> None:
    store = demo_dir / "store.db"
    scales = query(store, "SELECT authority, grade_words, grade_rank, meets_good_line FROM audits")
    words = {a: {w for a2, w, _, _ in scales if a2 == a} for a in AUTHORITIES}
    assert words["northmoor"] <= {"Outstanding", "Good", "Requires improvement", "Inadequate"}
    assert words["westvale"] <= {"Good", "Requires improvement", "Inadequate"}
    assert all(re.fullmatch(r"\d+ of 10", w) for w in words["eastbridge"])
    assert all(words.values())
    # The good line is each authority's own: Good (Northmoor, Westvale), 7 of 10 (Eastbridge).
    line = {"northmoor": 2, "westvale": 2, "eastbridge": 7}
    assert all(bool(meets) == (rank >= line[a]) for a, _, rank, meets in scales)
    kinds = query(store, "SELECT authority, kind, count(*) FROM case_episodes GROUP BY authority, kind")
    assert {(a, k) for a, k, _ in kinds} >= {(a, k) for a in AUTHORITIES for k in ("referral", "cp_plan")}
    assert {a for a, k, _ in kinds if k == "looked_after"} == {"northmoor", "eastbridge"}
    # Every stored case has its current referral among its episodes; many have earlier ones.
    (without,) = query(
        store,
        "SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_episodes e WHERE "
        "e.authority = c.authority AND e.case_ref = c.case_ref AND e.started_on = c.opened_on)",
    )[0]
    assert without == 0
    repeat = query(
        store, "SELECT count(*) FROM case_episodes WHERE kind = 'cp_plan' AND previous_cp_plans >= 1"
    )
    assert repeat[0][0] > 0


def test_the_whiteboard_has_one_row_per_open_case_in_every_form(demo_dir: Path) -> None:
    (open_cases,) = query(
        demo_dir / "store.db", "SELECT count(*) FROM cases WHERE closed_on IS NULL AND deleted_on IS NULL"
    )[0]
    assert open_cases > int(SMALL)  # three authorities, most of their cases open

    board = dashboard_json(demo_dir)
    assert isinstance(board["cases"], list)
    assert len(board["cases"]) == open_cases
    site = DemoPaths(demo_dir).site
    team_rows = sum(
        len(re.findall(r'<th scope="row" class="ref">', p.read_text())) for p in site.glob("teams/*/*.html")
    )
    assert team_rows == open_cases
    assert len(list(site.glob("cases/*/*.html"))) == open_cases
    terminal = run_cli("--config", settings(demo_dir), "dashboard")
    assert f"Whiteboard: {open_cases} open cases" in terminal.output


def test_no_worker_reference_reaches_the_page_or_the_json(demo_dir: Path) -> None:
    paths = DemoPaths(demo_dir)
    stored = {w for (w,) in query(paths.store, "SELECT DISTINCT worker FROM cases WHERE worker IS NOT NULL")}
    with sqlite3.connect(paths.reporting_db) as db:
        source = {w for (w,) in db.execute("SELECT WORKER_ID_CODE FROM DIM_WORKER")}
    api_cases = json.loads((paths.api_data / "cases.json").read_text())
    source |= {c["allocated_worker"]["id"] for c in api_cases}
    assert stored
    assert all(w.startswith("p_") for w in stored), "workers are stored as pseudonyms only"
    page = "".join(p.read_text() for p in paths.site.rglob("*.html"))
    as_json = json.dumps(dashboard_json(demo_dir))
    for worker in stored | source:
        assert worker not in page
        assert worker not in as_json
    assert "worker" not in as_json


def test_running_the_demo_again_duplicates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    build_demo(folder)
    before, board_before = table_counts(folder), dashboard_json(folder)
    again = build_demo(folder)
    assert "Reusing the demo sources" in again.output
    assert table_counts(folder) == before
    assert dashboard_json(folder)["cases"] == board_before["cases"]
    second_runs = query(folder / "store.db", "SELECT written_count FROM sync_runs WHERE id > 3")
    assert second_runs == [(0,), (0,), (0,)]


def test_another_size_rebuilds_the_folder_from_scratch(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    build_demo(folder)
    result = demo_cli("--dir", str(folder), "--cases", "5", "--port", "0")
    assert result.exit_code == 0, result.output
    assert "Built three demo authorities" in result.output
    per_authority = dict(
        query(folder / "store.db", "SELECT authority, count(*) FROM cases GROUP BY authority")
    )
    # Each source also holds a flawed case or two; they are quarantined, never stored.
    assert per_authority == {"northmoor": 5, "eastbridge": 5, "westvale": 5}
    assert query(folder / "store.db", "SELECT count(*) FROM sync_runs") == [(3,)]


def test_the_same_seed_and_date_build_the_same_sources(tmp_path: Path) -> None:
    on = date(2026, 3, 2)
    first, second = DemoPaths(tmp_path / "a"), DemoPaths(tmp_path / "b")
    build_sources(first, 20, 7, on)
    build_sources(second, 20, 7, on)
    for path in sorted(p for p in first.sources.rglob("*") if p.is_file() and p.suffix != ".db"):
        assert path.read_bytes() == (second.sources / path.relative_to(first.sources)).read_bytes(), path
    with sqlite3.connect(first.reporting_db) as a, sqlite3.connect(second.reporting_db) as b:
        assert list(a.iterdump()) == list(b.iterdump())
    other = DemoPaths(tmp_path / "c")
    build_sources(other, 20, 8, on)
    assert (other.api_data / "workflow-steps.json").read_bytes() != (
        first.api_data / "workflow-steps.json"
    ).read_bytes()


def test_secrets_are_files_only_their_owner_can_read_and_the_config_only_refers_to_them(
    demo_dir: Path,
) -> None:
    paths = DemoPaths(demo_dir)
    for secret_file in (paths.pseudonym_key, paths.client_secret):
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    rest = yaml.safe_load(paths.authority_file("eastbridge").read_text())
    assert rest["connector"]["auth"]["type"] == "oauth2_client_credentials"
    assert rest["connector"]["auth"]["client_secret_file"] == str(paths.client_secret)
    secret = paths.client_secret.read_text().strip()
    for written in [paths.settings, *paths.authorities.iterdir()]:
        assert secret not in written.read_text()


def test_a_folder_the_demo_did_not_make_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    result = demo_cli("--dir", str(tmp_path), "--cases", "3", "--port", "0")
    assert result.exit_code == 2
    assert "was not made by the demo" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_busy_port_is_swapped_for_a_free_one_and_written_in_the_config(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = demo_cli("--dir", str(tmp_path / "demo"), "--cases", "3", "--port", str(busy))
    assert result.exit_code == 0, result.output
    assert f"Port {busy} is busy" in result.output
    rest = yaml.safe_load((tmp_path / "demo" / "authorities" / "eastbridge.yaml").read_text())
    port = int(rest["connector"]["base_url"].rsplit(":", 1)[1])
    assert port != busy
    assert json.loads((tmp_path / "demo" / "demo.json").read_text())["port"] == port


NORTHMOOR_MEASURES = (
    "SELECT 'audit', case_ref, source_id, grade, content_hash, deleted_on FROM audits "
    "WHERE authority = 'northmoor' UNION ALL SELECT 'episode', case_ref, source_id, end_reason, "
    "content_hash, deleted_on FROM case_episodes WHERE authority = 'northmoor' ORDER BY 1, 2, 3"
)


def resync_case(folder: Path, authority: str, case_ref: str) -> None:
    reason = ("--reason", "a check")
    result = run_cli("--config", settings(folder), "resync", authority, "--case", case_ref, *reason)
    assert result.exit_code == 0, result.output


def test_a_one_case_resync_of_northmoor_reads_that_cases_audits_and_episodes_and_changes_nothing_else(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "demo"
    build_demo(folder)
    store, reporting_db = folder / "store.db", DemoPaths(folder).reporting_db
    [(case_ref, audit, referral)] = query(
        store,
        "SELECT a.case_ref, min(a.source_id), min(e.source_id) FROM audits a JOIN case_episodes e "
        "ON e.authority = a.authority AND e.case_ref = a.case_ref AND e.kind = 'referral' "
        "WHERE a.authority = 'northmoor' GROUP BY a.case_ref ORDER BY a.case_ref LIMIT 1",
    )
    before = query(store, NORTHMOOR_MEASURES)

    resync_case(folder, "northmoor", case_ref)
    assert query(store, NORTHMOOR_MEASURES) == before  # read again, nothing changed

    with sqlite3.connect(reporting_db) as db:  # the source changes that case's audit and referral
        db.execute(
            "UPDATE FACT_FORM_ANSWERS SET ANSWER = 'Inadequate' WHERE FACT_FORM_ID = ? "
            "AND ANSWER_NO = 'OVERALL_GRADE'",
            (int(audit),),
        )
        db.execute(
            "UPDATE FACT_REFERRALS SET DIM_LOOKUP_REFRL_ENDRSN_ID_CODE = 'RC9' WHERE FACT_REFERRAL_ID = ?",
            (int(referral) // 10,),
        )
    resync_case(folder, "northmoor", case_ref)

    changed = {row[:4] for row in query(store, NORTHMOOR_MEASURES)} - {row[:4] for row in before}
    assert changed == {("audit", case_ref, audit, "inadequate"), ("episode", case_ref, referral, "RC9")}
