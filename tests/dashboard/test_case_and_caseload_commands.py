"""`case`, the audit pack and the dashboard's filters and worker caseload, through the command line
against a store synced from an authority that pseudonymises case references and workers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

import config.loader
from sync.run.compile import stored_case_ref
from sync.run.runner import Mode, RunRequest, SyncRunner, Trigger
from tests.conftest import run_cli
from tests.sync.memory import (
    AUTHORITY_YAML,
    MemoryConnector,
    a_case_record,
    a_form,
    memory_store,
)

WORKER = "W-RAW-7"
"""The id a manager types, as the case system knows it: it must end up nowhere."""
KEY = "k" * 32
TODAY = date.today()
FIRST_SYNC = TODAY - timedelta(days=21)

PSEUDONYMISING_YAML = (
    AUTHORITY_YAML.replace(
        "case_ref: keep\n  worker: keep", "case_ref: pseudonymise\n  worker: pseudonymise\n  key_env: MEM_KEY"
    )
    .replace("      team: {path: team}\n", "      team: {path: team}\n      worker: {path: worker}\n")
    .replace(
        '          - {match: "Mapping*", element: mapping}\n',
        '          - {match: "Mapping*", element: mapping}\n'
        '          - {match: "Safety Scale*", element: safety_scale}\n'
        '          - {match: "Three Houses*", element: work_with_children}\n'
        "      kind:\n"
        "        path: template\n"
        '        patterns: [{match: "Three Houses*", value: three_houses}]\n'
        "        default: null\n"
        "      scale_value: {path: scale, number: true}\n",
    )
)


def _source() -> dict[str, list[dict[str, object]]]:
    return {
        "cases": [
            a_case_record("C1", worker=WORKER),
            a_case_record("C2", worker="W-OTHER"),
            a_case_record("C3", worker=WORKER, team="South", type="CIN", cp_start=None),
        ],
        "evidence": [
            *[
                a_form(f"S{n}", "C1", "Safety Scale", scale=v, date=f"2026-0{n + 2}-10")
                for n, v in enumerate([2, 3, 5, 6, 6])
            ],
            a_form("P1", "C1", "Safety Plan", date="2026-03-02"),
            a_form("T1", "C1", "Three Houses", date="2026-02-01"),
            a_form("M1", "C3", "Mapping", status="D", date="2026-01-20"),
            a_form("M2", "C2", "Mapping", date=(TODAY - timedelta(days=5)).isoformat()),
        ],
    }


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Engine]]:
    monkeypatch.setenv("MEM_KEY", KEY)
    folder = tmp_path / "config"
    cfg, store = memory_store(folder, monkeypatch, PSEUDONYMISING_YAML)
    source = MemoryConnector(data=_source())
    # First synced three weeks ago, then recomputed daily, as the daemon would have.
    day = FIRST_SYNC
    engine = SyncRunner(cfg, store, today=lambda: day, connector_factory=lambda _a: source)
    engine.run("mem-la", RunRequest(Trigger.CLI, "tester", Mode.INCREMENTAL))
    while day < TODAY:
        day += timedelta(days=1)
        engine.recompute("mem-la")
    yield folder / "sofs-sync.yaml", store
    store.dispose()


def pseudonym(settings: Path, ref: str) -> str:
    return stored_case_ref(config.loader.load_config(settings).authority("mem-la"), ref)


def test_a_worker_caseload_shows_their_cases_and_the_typed_id_is_never_written(
    synced: tuple[Path, Engine], caplog: pytest.LogCaptureFixture
) -> None:
    settings, store = synced
    caplog.set_level(logging.DEBUG)
    result = run_cli(
        "--config", str(settings), "--log-level", "debug", "dashboard", "mem-la", "--worker", WORKER, "--json"
    )
    terminal = run_cli(
        "--config", str(settings), "--log-level", "debug", "dashboard", "mem-la", "--worker", WORKER
    )
    assert result.exit_code == 0, result.output
    shown = {c["case_ref"] for c in json.loads(result.stdout)["cases"]}
    assert shown == {pseudonym(settings, "C1"), pseudonym(settings, "C3")}
    assert "One worker's caseload: 2 open cases." in terminal.stdout
    for output in (result.output, result.stderr, terminal.output, terminal.stderr, caplog.text):
        assert WORKER not in output
    with store.connect() as conn:
        for table in inspect(store).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                assert WORKER not in repr(tuple(row))
    store.dispose()
    for path in settings.parent.glob("store.db*"):
        assert WORKER.encode() not in path.read_bytes()


def test_filters_narrow_the_cases_and_recount_the_summary(synced: tuple[Path, Engine]) -> None:
    settings, _ = synced
    cin = json.loads(
        run_cli("--config", str(settings), "dashboard", "mem-la", "--type", "CIN", "--json").stdout
    )
    assert [c["case_ref"] for c in cin["cases"]] == [pseudonym(settings, "C3")]
    assert {t["team"] for t in cin["teams"]} == {"South"}
    plans = run_cli(
        "--config",
        str(settings),
        "dashboard",
        "mem-la",
        "--element",
        "safety_plan",
        "--status",
        "evidenced",
        "--json",
    )
    board = json.loads(plans.stdout)
    assert [c["case_ref"] for c in board["cases"]] == [pseudonym(settings, "C1")]
    assert [e["key"] for e in board["elements"]] == ["safety_plan"]
    assert board["teams"] == [
        {
            "authority": "mem-la",
            "team": "North",
            "element": "safety_plan",
            "open_cases": 1,
            "evidenced": 1,
            "review_due": 0,
            "in_progress": 0,
            "not_started": 0,
            "overdue": 0,
        }
    ]


def test_dashboard_json_carries_each_cell_with_its_evidence(synced: tuple[Path, Engine]) -> None:
    settings, _ = synced
    board = json.loads(run_cli("--config", str(settings), "dashboard", "mem-la", "--json").stdout)
    c1 = next(c for c in board["cases"] if c["case_ref"] == pseudonym(settings, "C1"))
    scale = c1["cells"]["safety_scale"]
    assert (scale["scale_value"], scale["scale_direction"], scale["scale_trajectory"]) == (
        6,
        "same",
        [2, 3, 5, 6, 6],
    )
    plan = c1["cells"]["safety_plan"]
    # CP plan from Tue 20 Jan 2026, due 15 working days later (Tue 10 Feb); evidenced Mon 2 Mar.
    assert (plan["due_on"], plan["late"], plan["late_working_days"]) == ("2026-02-10", True, 14)
    c3 = next(c for c in board["cases"] if c["case_ref"] == pseudonym(settings, "C3"))
    assert c3["cells"]["safety_plan"]["deadline_set"] is False
    assert c3["cells"]["mapping"]["status"] == "in_progress"


def test_case_takes_the_authority_own_reference_and_shows_the_timeline(synced: tuple[Path, Engine]) -> None:
    settings, _ = synced
    result = run_cli("--config", str(settings), "case", "mem-la", "C1", "--json")
    assert result.exit_code == 0, result.output
    timeline = json.loads(result.stdout)
    assert timeline["case"]["case_ref"] == pseudonym(settings, "C1")
    assert "worker" not in timeline["case"]
    assert [p["value"] for p in timeline["scale_trajectory"]] == [2, 3, 5, 6, 6]
    work = next(e for e in timeline["elements"] if e["element"] == "work_with_children")
    assert [(r["kind"], r["state"], r["evidenced_on"]) for r in work["records"]] == [
        ("three_houses", "completed", "2026-02-01")
    ]
    by_pseudonym = run_cli("--config", str(settings), "case", "mem-la", pseudonym(settings, "C1"), "--json")
    assert json.loads(by_pseudonym.stdout)["case"] == timeline["case"]
    text_view = run_cli("--config", str(settings), "case", "mem-la", "C1").stdout
    assert "Safety scale: 2 → 3 → 5 → 6 → 6" in text_view
    assert "Three Houses" in text_view


def test_an_unknown_case_is_a_usage_error_that_does_not_repeat_the_reference(
    synced: tuple[Path, Engine],
) -> None:
    settings, _ = synced
    result = run_cli("--config", str(settings), "case", "mem-la", "C404-SECRET")
    assert result.exit_code == 2
    assert "no case with that reference in mem-la" in result.output
    assert "C404-SECRET" not in result.output


class _Tables(HTMLParser):
    """Collects captions, header scopes and row-header texts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.captions = 0
        self.scopes: list[str] = []
        self.row_headers: list[str] = []
        self._in_row_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "caption":
            self.captions += 1
        if tag == "th":
            scope = dict(attrs).get("scope") or ""
            self.scopes.append(scope)
            self._in_row_header = scope == "row"
            if self._in_row_header:
                self.row_headers.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_row_header = False

    def handle_data(self, data: str) -> None:
        if self._in_row_header:
            self.row_headers[-1] += data


def test_the_audit_pack_prints_with_table_semantics_and_holds_nothing_the_store_does_not(
    synced: tuple[Path, Engine], tmp_path: Path
) -> None:
    settings, store = synced
    page = tmp_path / "pack.html"
    result = run_cli("--config", str(settings), "case", "mem-la", "C1", "--html", str(page))
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    tables = _Tables()
    tables.feed(html)
    assert tables.captions == html.count("<table")
    assert all(scope in ("row", "col") for scope in tables.scopes)
    assert pseudonym(settings, "C1") in tables.row_headers
    assert "@page" in html
    assert "A4" in html
    assert "Auditors' notes" in html
    assert "no deadline set" in html
    assert "14 working days" in html
    with store.connect() as conn:
        worker = conn.execute(
            text("SELECT worker FROM cases WHERE case_ref = :r"), {"r": pseudonym(settings, "C1")}
        ).scalar_one()
    assert worker not in html
    assert WORKER not in html
    assert not re.search(r"\bC1\b", html)


def test_since_lists_per_team_the_cases_whose_statuses_moved(synced: tuple[Path, Engine]) -> None:
    settings, _ = synced
    since = (TODAY - timedelta(days=14)).isoformat()
    result = run_cli("--config", str(settings), "dashboard", "mem-la", "--since", since, "--json")
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["log_starts"] == FIRST_SYNC.isoformat()
    north, south = view["teams"]
    assert (north["team"], north["open_cases"], south["team"], south["cases"]) == ("North", 2, "South", [])
    [case] = north["cases"]
    assert case["case_ref"] == pseudonym(settings, "C2")
    assert case["changes"] == [
        {
            "element": "mapping",
            "from": "not_started",
            "to": "evidenced",
            "on": (TODAY - timedelta(days=5)).isoformat(),
            "direction": "better",
        }
    ]
    text_view = run_cli("--config", str(settings), "dashboard", "mem-la", "--since", since).stdout
    assert "1 of 2 open cases changed (1 better)" in text_view
    assert "Mapping: not started → evidenced" in text_view


def test_trends_show_one_team_against_its_own_weeks(synced: tuple[Path, Engine]) -> None:
    settings, _ = synced
    result = run_cli(
        "--config", str(settings), "trends", "mem-la", "--team", "North", "--weeks", "5", "--json"
    )
    assert result.exit_code == 0, result.output
    [north] = json.loads(result.stdout)["teams"]
    mapping = north["elements"]["mapping"]
    assert [w["week_ending"] for w in mapping] == [
        (TODAY - timedelta(weeks=n)).isoformat() for n in range(4, -1, -1)
    ]
    assert mapping[0]["share_evidenced"] is None  # before the log began: no figure, not a zero
    assert (mapping[1]["recorded"], mapping[1]["share_evidenced"]) == (2, 0.0)
    assert (mapping[-1]["recorded"], mapping[-1]["share_evidenced"]) == (2, 0.5)


def test_trends_compare_teams_only_when_asked(synced: tuple[Path, Engine]) -> None:
    settings, _ = synced
    refused = run_cli("--config", str(settings), "trends", "mem-la")
    assert refused.exit_code == 2
    assert "one team against its own past" in refused.output
    compared = run_cli("--config", str(settings), "trends", "mem-la", "--compare", "--json")
    assert [t["team"] for t in json.loads(compared.stdout)["teams"]] == ["North", "South"]
