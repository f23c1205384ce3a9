"""The real-SSD trial: about 300 children in Data to Insight's `ssd_*` tables, with the value shapes
of their SystemC deployment (HDM ids as text, the referral's worker column holding names), onboarded
from the `ssd` template with only the edits its comments ask for, checked with the template's own
`check` and synced; the whiteboard is then compared, case by case and cell by cell, with an
independent reading of the same tables and of the authority file's timeliness rules
(tests/sync/ssd_trial_reading.py)."""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.sync.measure_sources import on_sqlite
from tests.sync.ssd_trial_reading import (
    ELEMENTS,
    FINISHED,
    FORM_ELEMENTS,
    TEAMS,
    Child,
    expected_case,
    expected_cells,
)
from tests.sync.test_onboarding import (
    FORM_TABLES,
    build_database,
    newcomer,
    set_line,
    ssd_tables,
    without_line,
)

TODAY = date.today()
UNLISTED_TEAM = "1999"  # a department the SSD's ssd_department lacks
WORKERS = [str(20400 + n) for n in range(40)]
WORKER_NAMES = [f"{first} {last}" for first in ("Jane", "Amir", "Ola", "Priya") for last in "ABCDEFGHIJ"]


def day(d: date) -> str:
    return f"{d.isoformat()} 00:00:00"


def a_child(rng: random.Random, n: int) -> Child:
    """A child with one to three referrals, perhaps CP plans and care episodes (open or ended), the
    involvements of their latest referral and perhaps Signs of Safety forms."""
    child = Child(person=str(300000 + n))
    start = TODAY - timedelta(days=rng.randint(30, 1500) if rng.random() < 0.9 else rng.randint(0, 12))
    for r in range(rng.randint(1, 3)):
        ref = f"{child.person}-R{r}"
        closed = None
        if rng.random() < 0.35:
            closed = start + timedelta(days=rng.randint(20, 200))
            if closed >= TODAY:
                closed = None
        # The first child is in a team the department table lacks, so that check's sample meets one.
        team = UNLISTED_TEAM if rng.random() < 0.05 or n == 0 else rng.choice(list(TEAMS))
        child.referrals.append(
            {
                "cine_referral_id": ref,
                "cine_person_id": child.person,
                "cine_referral_date": day(start),
                "cine_close_date": closed and day(closed),
                "cine_referral_team": team,
                "cine_referral_worker_id": rng.choice(WORKER_NAMES),  # a name, as SystemC fills it
            }
        )
        for i in range(rng.randint(0, 2)):
            began = start + timedelta(days=i * 40)
            ended = began + timedelta(days=30) if i == 0 and rng.random() < 0.5 else None
            child.involvements.append(
                {
                    "invo_involvements_id": f"{ref}-I{i}",
                    "invo_professional_id": rng.choice(WORKERS),
                    "invo_professional_team": rng.choice([*TEAMS, UNLISTED_TEAM]),
                    "invo_involvement_start_date": day(began),
                    "invo_involvement_end_date": ended and day(ended),
                    "invo_referral_id": ref,
                    "invo_person_id": child.person,
                }
            )
        if rng.random() < 0.4:
            began = start + timedelta(days=rng.randint(1, 20))
            ended = began + timedelta(days=rng.randint(30, 300)) if rng.random() < 0.4 else None
            child.plans.append(
                {
                    "cppl_cp_plan_id": f"{ref}-CP",
                    "cppl_referral_id": ref,
                    "cppl_person_id": child.person,
                    "cppl_cp_plan_start_date": day(began),
                    "cppl_cp_plan_end_date": ended and day(ended),
                }
            )
        if rng.random() < 0.2:
            began = start + timedelta(days=rng.randint(1, 60))
            ceased = began + timedelta(days=rng.randint(30, 300)) if rng.random() < 0.3 else None
            child.episodes.append(
                {
                    "clae_cla_episode_id": f"{ref}-E",
                    "clae_person_id": child.person,
                    "clae_cla_episode_start_date": day(began),
                    "clae_cla_episode_ceased_date": ceased and day(ceased),
                }
            )
        start = (closed or start) + timedelta(days=rng.randint(1, 120))
        if start >= TODAY:
            break
    for n in range(rng.choice([0, 0, 1, 2, 3, 5, 8])):
        a_form(rng, child, f"{child.person}-F{n}")
    return child


def a_form(rng: random.Random, child: Child, form: str) -> None:
    """A form of any type the CMS has, in any state: finished ones dated up to 400 days back (some
    by their start alone), drafts and cancelled ones some weeks ahead too (a meeting booked), safety
    scales with a judgement or without, and answer rows or none."""
    form_type = rng.choice(list(FORM_ELEMENTS))
    status = rng.choice(["completed", "authorised", "draft", "cancelled"])
    if status in FINISHED:
        started = TODAY - timedelta(days=rng.randint(0, 400))
        completed = min(started + timedelta(days=rng.randint(0, 10)), TODAY) if rng.random() < 0.8 else None
    else:
        started, completed = TODAY + timedelta(days=rng.randint(-200, 30)), None
    changed = min(completed or started, TODAY - timedelta(days=1))
    child.forms.append(
        {
            "form_id": form,
            "person_ref": child.person,
            "form_type": form_type,
            "status": status,
            "started_on": started.isoformat(),
            "completed_on": completed and completed.isoformat(),
            "updated_at": f"{changed.isoformat()} 10:00:00",
        }
    )
    if rng.random() < 0.5:  # half the forms have answer rows, half none
        child.answers.append(
            {"form_id": form, "question": "WORRY", "text_answer": "...", "number_answer": None}
        )
    if form_type in {"Safety Scale", "SoS Mapping"} and rng.random() < 0.7:
        judgement = rng.randint(0, 10)
        child.answers.append(
            {"form_id": form, "question": "SAFETY_SCALE", "text_answer": None, "number_answer": judgement}
        )


def edge_children() -> list[Child]:
    """Children on the rules' edges, written out: a map completed 90 and 91 days ago (the review
    interval's last day and the day after), and two scale judgements on one day, the higher one on
    the form with the lower id."""
    children = []
    edges: list[list[tuple[str, str, int, int | None]]] = [
        [("SoS Mapping", "completed", 90, None)],
        [("SoS Mapping", "authorised", 91, None)],
        [
            ("Safety Scale", "completed", 5, 7),
            ("Safety Scale", "completed", 5, 3),
            ("Safety Scale", "completed", 5, None),
        ],
    ]
    for n, forms in enumerate(edges):
        child = Child(person=str(300900 + n))
        child.referrals.append(
            {
                "cine_referral_id": f"{child.person}-R0",
                "cine_person_id": child.person,
                "cine_referral_date": day(TODAY - timedelta(days=200)),
                "cine_close_date": None,
                "cine_referral_team": "1001",
                "cine_referral_worker_id": WORKER_NAMES[0],
            }
        )
        for f, (form_type, status, days_ago, judgement) in enumerate(forms):
            on = (TODAY - timedelta(days=days_ago)).isoformat()
            form = f"{child.person}-F{f}"
            child.forms.append(
                {
                    "form_id": form,
                    "person_ref": child.person,
                    "form_type": form_type,
                    "status": status,
                    "started_on": on,
                    "completed_on": on,
                    "updated_at": f"{on} 10:00:00",
                }
            )
            if judgement is not None:
                child.answers.append(
                    {
                        "form_id": form,
                        "question": "SAFETY_SCALE",
                        "text_answer": None,
                        "number_answer": judgement,
                    }
                )
        children.append(child)
    return children


def test_a_300_child_ssd_onboards_from_the_template_and_every_open_child_is_exact(tmp_path: Path) -> None:
    rng = random.Random(23)
    children = [a_child(rng, n) for n in range(300)] + edge_children()
    tables: dict[str, list[dict[str, Any]]] = {
        "ssd_cin_episodes": [r for c in children for r in c.referrals],
        "ssd_cp_plans": [p for c in children for p in c.plans],
        "ssd_cla_episodes": [e for c in children for e in c.episodes],
        "ssd_involvements": [i for c in children for i in c.involvements],
        "ssd_department": [{"dept_team_id": k, "dept_team_name": v} for k, v in TEAMS.items()],
        "sos_forms": [f for c in children for f in c.forms],
        "sos_form_answers": [
            {"answer_id": n, "date_answer": None, **a}
            for n, a in enumerate((a for c in children for a in c.answers), 1)
        ],
    }
    sofs = newcomer(
        tmp_path,
        "ssd",
        # The edits the template's comments ask for: the database, no password for a SQLite file, and
        # || for CONCAT on a SQLite older than 3.44.
        lambda text: on_sqlite(without_line(set_line(text, "url", '"sqlite:///../ssd.db"'), "password_env")),
    )
    build_database(tmp_path / "sofs" / "ssd.db", ssd_tables() + ";" + FORM_TABLES, tables)

    checked = sofs("check", "westshire")  # the template's own check, with its defaults: exit 0
    assert "team code the team list lacks" in checked
    [run] = json.loads(sofs("sync", "westshire", "--json"))
    board = {c["case_ref"]: c for c in json.loads(sofs("dashboard", "westshire", "--json"))["cases"]}

    expected = {c.person: e for c in children if (e := expected_case(c)) is not None}
    open_children = {ref for ref, e in expected.items() if e.closed_on is None}
    unread = sum(
        len(FORM_ELEMENTS[f["form_type"]]) for c in children if c.person not in expected for f in c.forms
    )
    # A child the cases stream does not read (closed before the cut-off) keeps its episodes, counted
    # as naming no stored case, as its forms are.
    unread += sum(
        len(c.referrals) + len(c.plans) + len(c.episodes) for c in children if c.person not in expected
    )
    assert run["outcome"] == "succeeded"
    assert (run["counts"]["quarantined"], run["counts"]["orphaned"]) == (0, unread)
    assert len(expected) > 200
    assert set(board) == open_children  # every open child, and no other

    timeliness = yaml.safe_load((tmp_path / "sofs" / "authorities" / "westshire.yaml").read_text())[
        "timeliness"
    ]
    by_person = {c.person: c for c in children}
    wrong, seen = [], Counter[Any]()
    for ref, case in board.items():
        want, child = expected[ref], by_person[ref]
        assert (case["case_type"], case["team"], case["opened_on"]) == (
            want.case_type,
            want.team,
            want.opened_on,
        )
        assert set(case["cells"]) == set(ELEMENTS)
        for element, cell in expected_cells(child, want, timeliness, TODAY).items():
            shown = {k: case["cells"][element][k] for k in cell}
            if shown != cell:
                wrong.append((ref, element, shown, cell))
            seen[element, cell["status"]] += 1
            seen["scale"] += cell["scale_value"] is not None
        answerless = {f["form_id"] for f in child.forms} - {a["form_id"] for a in child.answers}
        seen["answerless finished"] += any(
            f["status"] in FINISHED for f in child.forms if f["form_id"] in answerless
        )
    assert wrong == [], f"{len(wrong)} cells differ, the first: {wrong[:3]}"

    # The children exercise every rule: each status where a rule can give it, scales, forms without answers.
    for element in ELEMENTS:
        assert all(seen[element, status] for status in ("evidenced", "in_progress", "not_started")), element
    assert all(
        seen[key] for key in [("mapping", "review_due"), ("mapping", "overdue"), ("safety_plan", "overdue")]
    )
    assert seen["scale"] > 20
    assert seen["answerless finished"] > 20

    # One pseudonym per worker id: each worker's caseload is exactly the children allocated to them.
    for worker in WORKERS:
        listed = json.loads(sofs("dashboard", "westshire", "--worker", worker, "--json"))["cases"]
        assert {c["case_ref"] for c in listed} == {
            r for r in open_children if expected[r].worker_id == worker
        }
    for name in WORKER_NAMES[:3]:  # the referral's worker names are never read
        assert json.loads(sofs("dashboard", "westshire", "--worker", name, "--json"))["cases"] == []
    with sqlite3.connect(tmp_path / "sofs" / "sofs-sync.db") as store:
        stored = {w for (w,) in store.execute("SELECT DISTINCT worker FROM cases WHERE worker IS NOT NULL")}
    assert len(stored) == len({e.worker_id for e in expected.values() if e.worker_id})
    assert not stored & set(WORKERS)
