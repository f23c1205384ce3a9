"""`check` samples by join: it reads the cases the sampled practice evidence names, judges the sample
with the guards a sync uses and says which one a sync would trip. Real sources each time: a SQLite
SSD built from the dataset's own definitions, a SQLite reporting database, a loopback REST API."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.sources import (
    build_sqlite_source,
    loopback_api,
    rest_authority_yaml,
    sql_authority_yaml,
    synthetic,
)
from tests.sync.measure_sources import on_sqlite
from tests.sync.test_never_green import write_config
from tests.sync.test_onboarding import (
    FORM_TABLES,
    KEY_ENV,
    build_database,
    newcomer,
    set_line,
    ssd_tables,
    without_line,
)

TODAY = date.today()


def day(d: date) -> str:
    return f"{d.isoformat()} 00:00:00"


def real_shaped_ssd(children: int, seed: int = 3) -> dict[str, list[dict[str, Any]]]:
    """An SSD whose children are numbered in one order and whose forms were last changed in
    another, as in a real one: the first children by reference and the oldest forms rarely meet."""
    rng = random.Random(seed)
    tables: dict[str, list[dict[str, Any]]] = {
        "ssd_cin_episodes": [],
        "ssd_cp_plans": [],
        "ssd_department": [{"dept_team_id": "1001", "dept_team_name": "Team North"}],
        "sos_forms": [],
        "sos_form_answers": [],
    }
    for n in range(children):
        person = str(300000 + n)
        opened = TODAY - timedelta(days=rng.randint(30, 900))
        tables["ssd_cin_episodes"].append(
            {
                "cine_referral_id": f"{person}-R",
                "cine_person_id": person,
                "cine_referral_date": day(opened),
                "cine_close_date": None,
                "cine_referral_team": "1001",
                "cine_referral_worker_id": "a name, as SystemC fills it",
            }
        )
        if rng.random() < 0.4:
            tables["ssd_cp_plans"].append(
                {
                    "cppl_cp_plan_id": f"{person}-CP",
                    "cppl_referral_id": f"{person}-R",
                    "cppl_person_id": person,
                    "cppl_cp_plan_start_date": day(opened + timedelta(days=5)),
                    "cppl_cp_plan_end_date": None,
                }
            )
        if rng.random() < 0.6:
            on = TODAY - timedelta(days=rng.randint(1, 400))
            form = f"{person}-F"
            tables["sos_forms"].append(
                {
                    "form_id": form,
                    "person_ref": person,
                    "form_type": rng.choice(["SoS Mapping", "Safety Plan", "Chronology"]),
                    "status": "completed",
                    "started_on": on.isoformat(),
                    "completed_on": on.isoformat(),
                    "updated_at": f"{on.isoformat()} 10:{rng.randint(10, 59)}:00",
                }
            )
            tables["sos_form_answers"].append(
                {
                    "answer_id": len(tables["sos_form_answers"]) + 1,
                    "form_id": form,
                    "question": "WORRY",
                    "text_answer": "...",
                    "number_answer": None,
                    "date_answer": None,
                }
            )
    return tables


def test_a_real_shaped_ssd_passes_check_with_the_default_sample_and_then_syncs(tmp_path: Path) -> None:
    tables = real_shaped_ssd(300)
    sofs = newcomer(
        tmp_path,
        "ssd",
        lambda text: on_sqlite(without_line(set_line(text, "url", '"sqlite:///../ssd.db"'), "password_env")),
    )
    build_database(tmp_path / "sofs" / "ssd.db", ssd_tables() + ";" + FORM_TABLES, tables)
    oldest = sorted(tables["sos_forms"], key=lambda f: f["updated_at"])[:20]
    first_children = {r["cine_person_id"] for r in tables["ssd_cin_episodes"][:20]}
    assert not {f["person_ref"] for f in oldest} & first_children  # the samples alone never meet

    report = json.loads(sofs("check", "westshire", "--json"))
    [run] = json.loads(sofs("sync", "westshire", "--json"))

    assert report["guards"] == []
    assert report["problems"] == []
    assert report["orphans"]["practice_evidence"] > 0
    assert report["orphans"]["orphaned"] == 0
    assert run["outcome"] == "succeeded"


def test_evidence_keyed_to_its_own_form_id_fails_check_naming_the_orphans_guard(tmp_path: Path) -> None:
    cases, forms = synthetic(cases=40, forms_per_case=3)
    authority = rest_authority_yaml("la", "{url}").replace(
        "      case_ref: {path: case_id}", "      case_ref: {path: form_id}"
    )
    with loopback_api(cases, forms) as url:
        settings = write_config(tmp_path / "config", "la", authority.replace("{url}", url))
        check = run_cli("--config", str(settings), "check", "la")
        as_json = run_cli("--config", str(settings), "check", "la", "--json")
        sync = run_cli("--config", str(settings), "sync", "la")

    assert check.exit_code == 1
    said = " ".join(check.output.split())
    assert "a sync would be refused: orphans guard:" in said
    assert (
        "sampled practice evidence records name a case not found in the cases stream read by case reference"
        in said
    )
    [trip] = json.loads(as_json.stdout)["guards"]
    assert trip["guard"] == "orphans"
    assert json.loads(as_json.stdout)["no_case_filter"] == []  # both streams can read one case
    assert "resync --case cannot read one case" not in said
    assert sync.exit_code == 3  # and a sync is refused by the same guard
    assert "orphans" in sync.output


def test_an_evidence_case_key_the_query_does_not_return_fails_check_naming_the_quarantine_guard(
    tmp_path: Path,
) -> None:
    cases, forms = synthetic(cases=40, forms_per_case=3)
    url = build_sqlite_source(tmp_path / "source.db", cases, forms)
    authority = sql_authority_yaml("la", url).replace(
        "      case_ref: {path: case_id}", "      case_ref: {path: child_id}"
    )
    settings = write_config(tmp_path / "config", "la", authority)

    check = run_cli("--config", str(settings), "check", "la")
    report = json.loads(run_cli("--config", str(settings), "check", "la", "--json").stdout)

    assert check.exit_code == 1
    said = " ".join(check.output.split())
    assert "a sync would be refused: quarantine guard:" in said
    assert "sampled evidence records could not be mapped" in said
    assert [t["guard"] for t in report["guards"]] == ["quarantine"]
    [evidence] = [s for s in report["coverage"]["streams"] if s["stream"] == "evidence"]
    assert evidence["counts"]["mapped"] == 0


def test_without_a_case_filter_check_reads_the_cases_stream_for_the_sampled_evidence(tmp_path: Path) -> None:
    cases, forms = synthetic(cases=120, forms_per_case=2)
    # The forms last changed first belong to the last cases: a sample of 20 of each never meets.
    for form in forms:
        form["updated"] = f"2026-03-{1 + (119 - int(form['case_id'][1:])) // 5:02d}T09:00:00"
    authority = rest_authority_yaml("la", "{url}").replace("      case_filter: {param: case_id}\n", "")
    with loopback_api(cases, forms) as url:
        settings = write_config(tmp_path / "config", "la", authority.replace("{url}", url))
        report = json.loads(run_cli("--config", str(settings), "check", "la", "--json").stdout)
        miskeyed = tmp_path / "miskeyed"
        bad = write_config(
            miskeyed,
            "la",
            authority.replace("{url}", url).replace(
                "      case_ref: {path: case_id}", "      case_ref: {path: form_id}"
            ),
        )
        refused = run_cli("--config", str(bad), "check", "la", "--json", env=KEY_ENV)

    assert report["guards"] == [], report
    assert report["orphans"]["orphaned"] == 0
    assert report["orphans"]["cases_read"] == "the first 120 cases records"
    # Said before an admin needs it: a one-case resync of this authority would be refused.
    assert report["no_case_filter"] == ["cases", "evidence"]
    assert [t["guard"] for t in json.loads(refused.stdout)["guards"]] == ["orphans"]
    assert refused.exit_code == 1
