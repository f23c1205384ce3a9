"""The real-SSD trial: about 300 children in Data to Insight's `ssd_*` tables, with the value shapes
of their SystemC deployment (HDM ids as text, the referral's worker column holding names), onboarded
from the `ssd` template with only the edits its comments ask for, checked with the template's own
`check` and synced; the whiteboard is then compared, case by case, with an independent reading of
the same tables written here."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.sync.test_onboarding import (
    FORM_TABLES,
    build_database,
    newcomer,
    set_line,
    ssd_tables,
    without_line,
)

CUT_OFF = date(2025, 4, 1)  # the template's own: cases closed before it are not read
TODAY = date.today()
TEAMS = {str(1001 + n): f"Team {name}" for n, name in enumerate(["North", "South", "East", "West", "Hub"])}
UNLISTED_TEAM = "1999"  # a department the SSD's ssd_department lacks
WORKERS = [str(20400 + n) for n in range(40)]
WORKER_NAMES = [f"{first} {last}" for first in ("Jane", "Amir", "Ola", "Priya") for last in "ABCDEFGHIJ"]


@dataclass
class Child:
    """One child as the trial writes them, and what the whiteboard must then show."""

    person: str
    referrals: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)
    involvements: list[dict[str, Any]] = field(default_factory=list)
    forms: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)


def day(d: date) -> str:
    return f"{d.isoformat()} 00:00:00"


def a_child(rng: random.Random, n: int) -> Child:
    """A child with one to three referrals, perhaps CP plans and care episodes (open or ended), the
    involvements of their latest referral and perhaps Signs of Safety forms."""
    child = Child(person=str(300000 + n))
    start = TODAY - timedelta(days=rng.randint(30, 1500))
    for r in range(rng.randint(1, 3)):
        ref = f"{child.person}-R{r}"
        closed = None
        if rng.random() < 0.35:
            closed = start + timedelta(days=rng.randint(20, 200))
            if closed >= TODAY:
                closed = None
        team = UNLISTED_TEAM if rng.random() < 0.05 else rng.choice(list(TEAMS))
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
    if rng.random() < 0.6:
        on = TODAY - timedelta(days=rng.randint(1, 60))
        status = rng.choice(["completed", "authorised", "draft"])
        form = f"{child.person}-F"
        child.forms.append(
            {
                "form_id": form,
                "person_ref": child.person,
                "form_type": "SoS Mapping",
                "status": status,
                "started_on": on.isoformat(),
                "completed_on": None if status == "draft" else on.isoformat(),
                "updated_at": f"{on.isoformat()} 10:00:00",
            }
        )
        if rng.random() < 0.5:  # half the forms have answer rows, half none
            child.answers.append(
                {"form_id": form, "question": "WORRY", "text_answer": "...", "number_answer": None}
            )
    return child


@dataclass(frozen=True)
class Expected:
    case_type: str
    team: str | None
    worker_id: str | None
    opened_on: str
    closed_on: str | None
    mapping_evidenced: bool


def expected_case(child: Child) -> Expected | None:
    """What the whiteboard must show for this child, read from the tables without the template."""
    latest = max(child.referrals, key=lambda r: r["cine_referral_date"])
    closed = latest["cine_close_date"]
    if closed is not None and closed[:10] < CUT_OFF.isoformat():
        return None
    open_plans = [p for p in child.plans if p["cppl_cp_plan_end_date"] is None]
    open_episodes = [e for e in child.episodes if e["clae_cla_episode_ceased_date"] is None]
    plan = max(open_plans, key=lambda p: p["cppl_cp_plan_start_date"], default=None)
    episode = max(open_episodes, key=lambda e: e["clae_cla_episode_start_date"], default=None)
    if episode is not None and (
        plan is None or episode["clae_cla_episode_start_date"] >= plan["cppl_cp_plan_start_date"]
    ):
        case_type = "looked_after"
    else:
        case_type = "cp" if plan is not None else "cin"
    involvements = [
        i
        for i in child.involvements
        if i["invo_referral_id"] == latest["cine_referral_id"] and i["invo_involvement_end_date"] is None
    ]
    involvement = max(involvements, key=lambda i: i["invo_involvement_start_date"], default=None)
    code = involvement["invo_professional_team"] if involvement else latest["cine_referral_team"]
    team = TEAMS.get(code, f"{code} (team not in the team list)")
    return Expected(
        case_type=case_type,
        team=team,
        worker_id=involvement["invo_professional_id"] if involvement else None,
        opened_on=latest["cine_referral_date"][:10],
        closed_on=closed and closed[:10],
        mapping_evidenced=any(f["status"] in {"completed", "authorised"} for f in child.forms),
    )


def test_a_300_child_ssd_onboards_from_the_template_and_every_open_child_is_exact(tmp_path: Path) -> None:
    rng = random.Random(23)
    children = [a_child(rng, n) for n in range(300)]
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
        # The edits the template's comments ask for: the database, and no password for a SQLite file.
        lambda text: without_line(set_line(text, "url", '"sqlite:///../ssd.db"'), "password_env"),
    )
    build_database(tmp_path / "sofs" / "ssd.db", ssd_tables() + ";" + FORM_TABLES, tables)

    checked = sofs("check", "westshire")  # the template's own check, with its defaults: exit 0
    assert "team code the team list lacks" in checked
    [run] = json.loads(sofs("sync", "westshire", "--json"))
    board = {c["case_ref"]: c for c in json.loads(sofs("dashboard", "westshire", "--json"))["cases"]}

    expected = {c.person: e for c in children if (e := expected_case(c)) is not None}
    open_children = {ref for ref, e in expected.items() if e.closed_on is None}
    unread_forms = sum(len(c.forms) for c in children if c.person not in expected)
    assert run["outcome"] == "succeeded"
    assert (run["counts"]["quarantined"], run["counts"]["orphaned"]) == (0, unread_forms)
    assert len(expected) > 200
    assert set(board) == open_children  # every open child, and no other

    by_person = {c.person: c for c in children}
    answerless = 0
    for ref, case in board.items():
        want, child = expected[ref], by_person[ref]
        assert (case["case_type"], case["team"], case["opened_on"]) == (
            want.case_type,
            want.team,
            want.opened_on,
        )
        mapping = case["cells"]["mapping"]
        finished = [f for f in child.forms if f["status"] in {"completed", "authorised"}]
        assert mapping["evidence_count"] == len(finished), ref
        if finished:
            assert (mapping["status"], mapping["last_evidenced_on"]) == (
                "evidenced",
                finished[0]["completed_on"],
            )
            answerless += not child.answers
        else:
            opened = date.fromisoformat(want.opened_on)
            due = date.fromisoformat(mapping["due_on"])
            assert timedelta(days=12) <= due - opened <= timedelta(days=20)  # ten working days
            assert mapping["status"] == (
                "overdue" if due < TODAY else "in_progress" if child.forms else "due"
            )
        for element, cell in case["cells"].items():
            if element not in {"mapping", "safety_plan"} or (
                element == "safety_plan" and want.case_type != "cp"
            ):
                assert cell["status"] == "not_started", (ref, element)
    assert answerless > 10  # forms without answer rows counted like any other

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
