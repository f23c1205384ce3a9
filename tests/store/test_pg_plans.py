"""Publishing a new authority into a store that holds others reads only that authority's live rows.

A store shared by many authorities knows, from its statistics, the authorities it held when last
analysed. Joined on the staged rows' authority alone, the planner met a new one by scanning every
authority's live rows at each publish statement, so each authority a store took on made the next
one's first sync slower. The plan, not a timing, is held here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from mapping.schema import Evidence, EvidenceState
from store.write import publish as publishing
from store.write import staging
from store.write.writer import ensure_authority
from tests.store.conftest import AUTHORITY, NOW, a_run
from tests.store.publishing import stage

pytestmark = pytest.mark.postgres

KNOWN = "known-la"
KNOWN_FORMS = 30_000
NEW_FORMS = 1_000


def forms(authority: str, count: int) -> list[Evidence]:
    return [
        Evidence(
            authority=authority,
            source_id=f"F{n:06d}",
            case_ref=f"C{n // 7:05d}",
            element="safety_plan",
            state=EvidenceState.COMPLETED,
            evidenced_on=date(2026, 1, 1) + timedelta(days=n % 60),
            source_updated_at=NOW,
        )
        for n in range(count)
    ]


def publish_records(conn: Connection, authority: str, run_id: int) -> None:
    """The publish steps that join staged rows to live ones, in the engine's order."""
    for stream in publishing.STAGED:
        measure = publishing.keep_one_per_key(conn, run_id, stream, "source_updated_at")
        publishing.classify(conn, authority, run_id, stream, measure)
    publishing.note_touched(conn, authority, run_id, [], None)
    for stream in publishing.STAGED:
        publishing.merge_records(conn, authority, run_id, stream, NOW)


def plans_of_publishing(store: Engine, authority: str, run_id: int) -> list[str]:
    """EXPLAIN of each statement publishing ran against the live evidence, in the same transaction."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if " evidence" in statement and "staged_evidence" in statement:
            statements.append((statement, parameters))

    with store.begin() as conn:
        event.listen(conn, "before_cursor_execute", capture)
        publish_records(conn, authority, run_id)
        event.remove(conn, "before_cursor_execute", capture)
        plans = [
            "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
            for statement, parameters in statements
        ]
        conn.rollback()
    return plans


def test_a_new_authoritys_publish_never_scans_the_other_authorities_rows(postgres_store: Engine) -> None:
    with postgres_store.begin() as conn:
        ensure_authority(conn, KNOWN, "Known LA", NOW)
        ensure_authority(conn, AUTHORITY, "Test LA", NOW)
    known_run = a_run(postgres_store, authority=KNOWN)
    stage(postgres_store, known_run, forms(KNOWN, KNOWN_FORMS))
    with postgres_store.begin() as conn:
        publish_records(conn, KNOWN, known_run)
        staging.drop(conn, known_run)
    with postgres_store.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # the statistics know the store's one authority
    new_run = a_run(postgres_store)
    stage(postgres_store, new_run, forms(AUTHORITY, NEW_FORMS))
    with postgres_store.begin() as conn:
        publishing.analyse_staged(conn)  # as publishing does before its statements

    plans = plans_of_publishing(postgres_store, AUTHORITY, new_run)

    assert len(plans) >= 4, "classify, the touched cases (twice) and the merge each join the live rows"
    for plan in plans:
        assert "Seq Scan on evidence " not in plan, plan
        assert f"'{AUTHORITY}'" in plan, plan


def test_the_stores_sessions_compile_no_statement_to_machine_code(postgres_store: Engine) -> None:
    """PostgreSQL's JIT spent 0.68 s compiling a first sync's 0.87 s count of its staged forms."""
    with postgres_store.begin() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
        conn.exec_driver_sql("SET LOCAL jit_above_cost = 0")  # any statement would be compiled
        explained = conn.exec_driver_sql("EXPLAIN (ANALYZE) SELECT count(*) FROM evidence")
        assert not any("JIT" in line for (line,) in explained)
