"""An authority with audits and episodes streams, synced from a REST API on loopback into the store,
on SQLite and on PostgreSQL: the two record kinds are staged, guarded, published, quarantined and
deleted as evidence is, and every run's counts add up."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from config.loader import load_config
from store.schema.tables import AUDITS, CASE_EPISODES, CASES, EVIDENCE, QUARANTINE
from sync.run.runner import Mode, RunOutcome, RunRequest, RunResult, SyncRunner, Trigger
from tests.conftest import run_cli
from tests.sources import MAPPING_YAML, _Api, serving

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)

MEASURES_YAML = """
  audits:
    source_id: {path: AUDIT_ID}
    fields:
      case_ref: {path: PERSON_ID}
      audited_on: {path: AUDIT_DATE, date: "%Y-%m-%d"}
      grade: {path: OVERALL_GRADE}  # the source writes the scale's codes
      family_participation: {path: FAMILY, map: {"Yes": took_part, "Partly": partly, "No": did_not_take_part}}
      participants: {path: ATTENDEES, split: ";", map: {"Social worker": practitioner, "Parent": parent}}
      area.danger_statements: {path: GRADE_DANGER, map: {"Good": good, "RI": requires_improvement}}
      source_updated_at: {path: updated, datetime: iso}
  episodes:
    source_id: {path: EPISODE_ID}
    fields:
      case_ref: {path: PERSON_ID}
      kind: {path: EPISODE_TYPE, map: {REF: referral, CPP: cp_plan, LAC: looked_after, EH: early_help}}
      started_on: {path: START, date: "%Y-%m-%d"}
      ended_on: {path: END, date: "%Y-%m-%d"}
      end_reason: {path: REASON}
      previous_cp_plans: {path: PREVIOUS_PLANS, number: true}
      source_updated_at: {path: updated, datetime: iso}
audit_scale:
  grades:
    - {code: outstanding, words: Outstanding}
    - {code: good, words: Good}
    - {code: requires_improvement, words: Requires improvement}
    - {code: inadequate, words: Inadequate}
  good_line: good
"""


def a_stream(path: str) -> str:
    return f"""    {path.strip("/")}:
      path: {path}
      records_path: items
      pagination: {{type: page_number, page_param: page, size_param: per_page, size: 2}}
      incremental: {{cursor_field: updated, param: updated_since}}
"""


def authority_yaml(base_url: str) -> str:
    streams = "".join(a_stream(p) for p in ("/cases", "/evidence", "/audits", "/episodes"))
    mapping = MAPPING_YAML.replace(
        "timeliness:",
        MEASURES_YAML.lstrip("\n") + "timeliness:",
        1,
    )
    return f"""
code: la
name: Measures Test Council
connector:
  type: rest
  base_url: "{base_url}"
  timeouts: {{connect: 2, read: 5}}
  streams:
{streams}{mapping}"""


def source() -> dict[str, list[dict[str, Any]]]:
    at = "2026-02-01T08:00:00"
    return {
        "/cases": [
            {
                "id": ref,
                "team": "North",
                "type": "CP",
                "opened": "2025-06-01",
                "closed": None,
                "cp_start": "2025-06-10",
                "updated": at,
            }
            for ref in ("C1", "C2")
        ],
        "/evidence": [
            {
                "form_id": "F1",
                "case_id": "C1",
                "template": "Danger Statement",
                "status": "C",
                "form_date": "2025-07-01",
                "updated": at,
            },
        ],
        "/audits": [
            an_audit("AU1", "C1", "good"),
            an_audit("AU2", "C2", "inadequate", ATTENDEES="Social worker"),
            an_audit("AU3", "C9", "good"),  # a case the store does not have
        ],
        "/episodes": [
            an_episode("EP1", "C1", "REF", "2024-01-05", END="2024-04-15", REASON="RC1"),
            an_episode("EP2", "C1", "REF", "2025-03-14"),
            an_episode("EP3", "C1", "CPP", "2025-06-10", PREVIOUS_PLANS="1"),
        ],
    }


def an_audit(source_id: str, case_ref: str, grade: str, **columns: Any) -> dict[str, Any]:
    return {
        "AUDIT_ID": source_id,
        "PERSON_ID": case_ref,
        "AUDIT_DATE": "2026-01-20",
        "OVERALL_GRADE": grade,
        "FAMILY": "Partly",
        "ATTENDEES": "Social worker; Parent",
        "GRADE_DANGER": "RI",
        "updated": "2026-02-01T08:00:00",
        **columns,
    }


def an_episode(source_id: str, case_ref: str, kind: str, start: str, **columns: Any) -> dict[str, Any]:
    return {
        "EPISODE_ID": source_id,
        "PERSON_ID": case_ref,
        "EPISODE_TYPE": kind,
        "START": start,
        "END": None,
        "REASON": None,
        "PREVIOUS_PLANS": None,
        "updated": "2026-02-01T08:00:00",
        **columns,
    }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(f"{request.param.replace('postgresql', 'postgres')}_store")
    return engine


class Source:
    """The authority's API on loopback, whose records a test changes between runs."""

    def __init__(self, tmp_path: Path, store: Engine) -> None:
        self.data = source()
        self.folder = tmp_path / "config"
        self.store = store

    def runner(self, base_url: str) -> SyncRunner:
        (self.folder / "authorities").mkdir(parents=True, exist_ok=True)
        (self.folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///unused.db\n")
        (self.folder / "authorities" / "la.yaml").write_text(authority_yaml(base_url))
        config = load_config(self.folder / "sofs-sync.yaml")
        assert not config.problems, config.problems
        return SyncRunner(config, self.store, clock=lambda: NOW, today=lambda: TODAY)


@pytest.fixture
def api(tmp_path: Path, store: Engine) -> Iterator[tuple[Source, SyncRunner]]:
    src = Source(tmp_path, store)
    # The handler reads `data` on every request, so a test's change reaches the next run.
    with serving(_Api, data=src.data, limited=threading.Event()) as url:
        yield src, src.runner(url)


def sync(runner: SyncRunner, mode: Mode = Mode.INCREMENTAL, **request: Any) -> RunResult:
    result = runner.run("la", RunRequest(Trigger.CLI, "tester", mode, **request))
    assert result.counts.adds_up(), result.counts
    return result


def rows(store: Engine, table: Any, *columns: str) -> dict[str, tuple[Any, ...]]:
    with store.connect() as conn:
        query = select(table.c.source_id, *(table.c[c] for c in columns)).where(table.c.authority == "la")
        return {row[0]: tuple(row[1:]) for row in conn.execute(query)}


def open_quarantine(store: Engine) -> dict[str, str]:
    with store.connect() as conn:
        q = QUARANTINE.c
        query = select(q.source_id, q.reason).where(q.stream == "audits", q.resolved_at.is_(None))
        return {str(row.source_id): str(row.reason) for row in conn.execute(query)}


def test_audits_and_episodes_sync_into_their_tables_and_orphans_are_counted(
    api: tuple[Source, SyncRunner], store: Engine
) -> None:
    _, runner = api
    result = sync(runner)
    assert result.outcome is RunOutcome.SUCCEEDED, result.error
    assert (result.counts.read, result.counts.orphaned) == (2 + 1 + 3 + 3, 1)
    audits = rows(
        store,
        AUDITS,
        "case_ref",
        "grade",
        "grade_words",
        "grade_rank",
        "meets_good_line",
        "family_participation",
        "participants",
        "area_grades",
        "deleted_on",
    )
    assert audits["AU1"] == (
        "C1",
        "good",
        "Good",
        2,
        True,
        "partly",
        ["practitioner", "parent"],
        {
            "danger_statements": {
                "grade": "requires_improvement",
                "words": "Requires improvement",
                "meets_good_line": False,
            }
        },
        None,
    )
    assert audits["AU2"][1:5] == ("inadequate", "Inadequate", 0, False)
    assert audits["AU2"][6] == ["practitioner"]
    assert "AU3" in audits  # stored: its case may arrive later, as evidence's may
    episodes = rows(store, CASE_EPISODES, "kind", "started_on", "ended_on", "end_reason", "previous_cp_plans")
    assert episodes == {
        "EP1": ("referral", date(2024, 1, 5), date(2024, 4, 15), "RC1", None),
        "EP2": ("referral", date(2025, 3, 14), None, None, None),
        "EP3": ("cp_plan", date(2025, 6, 10), None, None, 1),
    }


def test_an_incremental_run_and_a_full_one_after_the_first_see_nothing_changed(
    api: tuple[Source, SyncRunner], store: Engine
) -> None:
    _, runner = api
    sync(runner)
    incremental = sync(runner)
    assert incremental.outcome is RunOutcome.SUCCEEDED, incremental.error
    assert incremental.counts.written == 0
    assert incremental.counts.unchanged + incremental.counts.orphaned == incremental.counts.read
    again = sync(runner, Mode.FULL, reason="check")
    assert again.outcome is RunOutcome.SUCCEEDED, again.error
    assert (again.counts.written, again.counts.deleted) == (0, 0)
    assert again.counts.unchanged == 2 + 1 + 2 + 3


def test_a_grade_off_the_scale_is_quarantined_and_resolved_once_the_source_maps(
    api: tuple[Source, SyncRunner], store: Engine
) -> None:
    src, runner = api
    src.data["/audits"][1] = an_audit("AU2", "C2", "Gud")
    first = sync(runner)
    assert first.counts.quarantined == 1
    assert open_quarantine(store) == {
        "AU2": "grade: 'Gud' is not a grade on the authority's audit scale (outstanding, good, "
        "requires_improvement, inadequate): map the source's grade to one of these codes"
    }
    assert "AU2" not in rows(store, AUDITS)
    src.data["/audits"][1] = an_audit("AU2", "C2", "good", updated="2026-02-02T08:00:00")
    second = sync(runner)
    assert second.counts.quarantined == 0
    assert open_quarantine(store) == {}
    assert rows(store, AUDITS, "grade")["AU2"] == ("good",)


def test_a_full_resync_marks_a_vanished_audit_and_episode_deleted(
    api: tuple[Source, SyncRunner], store: Engine
) -> None:
    src, runner = api
    sync(runner)
    del src.data["/audits"][0]
    del src.data["/episodes"][0]
    result = sync(runner, Mode.FULL, reason="source tidied", allow_deletions=True)
    assert result.outcome is RunOutcome.SUCCEEDED, result.error
    assert result.counts.deleted == 2
    assert rows(store, AUDITS, "deleted_on")["AU1"] == (TODAY,)
    assert rows(store, CASE_EPISODES, "deleted_on")["EP1"] == (TODAY,)
    assert rows(store, AUDITS, "deleted_on")["AU2"] == (None,)


def test_the_deletion_guard_weighs_audits_and_episodes_with_the_rest(
    api: tuple[Source, SyncRunner], store: Engine
) -> None:
    src, runner = api
    sync(runner)
    src.data["/episodes"].clear()
    src.data["/audits"] = src.data["/audits"][:1]
    refused = sync(runner, Mode.FULL, reason="source tidied")
    assert refused.outcome is RunOutcome.REFUSED
    assert "would mark 5 of 9 (56%) live records deleted" in (refused.error or "")
    assert len([r for r in rows(store, CASE_EPISODES, "deleted_on").values() if r == (None,)]) == 3


def test_an_authority_without_the_new_streams_stores_none_of_them(tmp_path: Path, store: Engine) -> None:
    data = source()
    data = {path: data[path] for path in ("/cases", "/evidence")}
    with serving(_Api, data=data, limited=threading.Event()) as url:
        yaml = authority_yaml(url)
        plain = yaml[: yaml.index("    audits:")] + yaml[yaml.index("identifiers:") :]
        plain = plain.replace(MEASURES_YAML.lstrip("\n"), "")
        folder = tmp_path / "config"
        (folder / "authorities").mkdir(parents=True)
        (folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///unused.db\n")
        (folder / "authorities" / "la.yaml").write_text(plain)
        runner = SyncRunner(
            load_config(folder / "sofs-sync.yaml"), store, clock=lambda: NOW, today=lambda: TODAY
        )
        result = sync(runner)
    assert result.outcome is RunOutcome.SUCCEEDED, result.error
    assert (result.counts.read, result.counts.written) == (3, 3)
    assert rows(store, AUDITS) == rows(store, CASE_EPISODES) == {}
    assert len(rows(store, EVIDENCE)) == 1
    with store.connect() as conn:
        assert conn.execute(select(CASES.c.case_ref).where(CASES.c.authority == "la")).scalars().all()


def test_check_reports_how_the_audits_and_episodes_map(tmp_path: Path) -> None:
    data = source()
    data["/audits"][1] = an_audit("AU2", "C2", "Gud")
    with serving(_Api, data=data, limited=threading.Event()) as url:
        folder = tmp_path / "config"
        (folder / "authorities").mkdir(parents=True)
        (folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///store.db\n")
        (folder / "authorities" / "la.yaml").write_text(authority_yaml(url))
        result = run_cli("--config", str(folder / "sofs-sync.yaml"), "check", "la", "--json")
    report = json.loads(result.output)
    streams = {s["stream"]: s for s in report["coverage"]["streams"]}
    assert sorted(streams) == ["audits", "cases", "episodes", "evidence"]
    assert streams["audits"]["counts"] == {
        "records": 3,
        "mapped": 2,
        "not_practice_evidence": 0,
        "quarantined": 1,
        "source_rows": 3,
    }
    assert streams["audits"]["quarantine_reasons"][0].startswith("grade: 'Gud' is not a grade on the")
    assert streams["episodes"]["counts"]["mapped"] == 3
    assert report["coverage"]["unmapped_streams"] == []
    assert report["no_case_filter"] == ["cases", "evidence", "audits", "episodes"]
    # The audit naming case C9 is weighed with the evidence as a sync's orphans guard weighs it.
    assert report["orphans"]["orphaned"] == 1
