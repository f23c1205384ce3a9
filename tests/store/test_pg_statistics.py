"""An authority's first sync into a fresh PostgreSQL store leaves statistics that know its rows, so
the statements after the merge in the same transaction (settling statuses reads each chunk of
cases' evidence) plan for the table's size, not for the empty table it was when first analysed."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, event

from store.schema.tables import EVIDENCE
from store.write.writer import ensure_authority, gather_first_statistics, gather_statistics_after_growth
from tests.store.conftest import NOW

pytestmark = pytest.mark.postgres

FORMS = 12_000
"""Past `GROWTH_WORTH_ANALYSING`, as a first sync of any size that matters is."""


def first_merge(conn: Connection) -> None:
    """As publishing a first sync does: first statistics of the empty table, then its rows."""
    gather_first_statistics(conn, EVIDENCE)
    conn.exec_driver_sql(
        "INSERT INTO evidence (authority, source_id, case_ref, element, state, evidenced_on, content_hash, "
        "synced_at) SELECT 'la', 'F' || n, 'C' || (n / 7), 'safety_plan', 'completed', DATE '2026-01-01', "
        "'h', now() FROM generate_series(1, %(forms)s) AS n",
        {"forms": FORMS},
    )


def evidence_read_plan(conn: Connection) -> str:
    """The plan of reading the live evidence of 20 cases, as settling statuses reads a chunk."""
    refs = [f"C{n}" for n in range(20)]
    plan = conn.exec_driver_sql(
        "EXPLAIN SELECT case_ref, element, state, evidenced_on FROM evidence WHERE authority = 'la' "
        "AND deleted_on IS NULL AND state != 'cancelled' AND case_ref = ANY(%(refs)s)",
        {"refs": refs},
    ).all()
    return "\n".join(row[0] for row in plan)


def test_the_evidence_read_after_a_first_merge_finds_each_case_by_the_index(postgres_store: Engine) -> None:
    with postgres_store.begin() as conn:
        ensure_authority(conn, "la", "LA", NOW)
    with postgres_store.connect() as conn, conn.begin():
        first_merge(conn)
        before = evidence_read_plan(conn)
        gather_statistics_after_growth(conn, EVIDENCE, FORMS)
        after = evidence_read_plan(conn)
    # Planned for an empty table, the cases were a filter over every row of the authority.
    assert "Filter: (((state)::text <> 'cancelled'::text) AND ((case_ref)::text = ANY" in before
    assert "Index Cond: (((authority)::text = 'la'::text) AND ((case_ref)::text = ANY" in after


def test_a_table_whose_statistics_know_at_least_the_rows_added_is_left_to_the_server(
    postgres_store: Engine,
) -> None:
    with postgres_store.begin() as conn:
        ensure_authority(conn, "la", "LA", NOW)
        first_merge(conn)
        conn.exec_driver_sql("ANALYZE evidence")
    sent: list[str] = []
    event.listen(postgres_store, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with postgres_store.begin() as conn:
        gather_statistics_after_growth(conn, EVIDENCE, FORMS)  # the table's size: it does not double
        gather_statistics_after_growth(conn, EVIDENCE, 5_000)  # too few to be worth it
    assert [s for s in sent if s.startswith("ANALYZE")] == []
