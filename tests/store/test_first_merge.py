"""An authority's first merge into a table goes in by a plain INSERT; the general INSERT ... ON
CONFLICT is its reference, and every row each writes is the same, column for column."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, select

from mapping.outcomes import content_hash
from mapping.schema import EvidenceState
from store.schema.tables import CASES, EVIDENCE
from store.write import publish as publishing
from store.write import staging
from store.write.writer import ensure_authority
from tests.builders import a_case, evidence
from tests.store.conftest import NOW, a_run

V1, V2 = NOW - timedelta(days=2), NOW - timedelta(days=1)
_codes = itertools.count(1)

CASE_ROWS = st.builds(
    lambda ref, closed, version: a_case(
        case_ref=ref, closed_on=date(2026, 2, 1) if closed else None, source_updated_at=version
    ),
    st.sampled_from(["C1", "C2", "C3", "C4"]),
    st.booleans(),
    st.sampled_from([None, V1, V2]),
)
FORM_ROWS = st.builds(
    lambda source_id, ref, state, day, version: evidence(
        "safety_plan",
        date(2026, 2, day),
        state,
        source_id=source_id,
        case_ref=ref,
        source_updated_at=version,
    ),
    st.sampled_from([f"F{n}" for n in range(8)]),
    st.sampled_from(["C1", "C2", "C3", "C9"]),
    st.sampled_from(list(EvidenceState)),
    st.integers(1, 3),
    st.sampled_from([None, V1, V2]),
)


def published(store: Engine, authority: str, streams: dict[str, list[Any]], reference: bool) -> list[str]:
    """Stage each stream's records for the authority and publish them, through the reference merge
    or not; the merge statements the store was sent."""
    with store.begin() as conn:
        ensure_authority(conn, authority, "LA", NOW)
    run_id = a_run(store, authority=authority)
    with store.begin() as conn:
        first = 1
        for stream, records in streams.items():
            mine = [(r.model_copy(update={"authority": authority}), content_hash(r)) for r in records]
            staging.stage_records(conn, stream, run_id, first, mine)
            first += len(mine)
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(("INSERT INTO cases", "INSERT INTO evidence")):
            sent.append(statement)

    event.listen(store, "before_cursor_execute", seen)
    try:
        with store.begin() as conn:
            for stream in ("cases", "evidence"):
                measure = publishing.keep_one_per_key(conn, run_id, stream, "source_updated_at")
                publishing.classify(conn, authority, run_id, stream, measure)
                publishing.merge_records(conn, authority, run_id, stream, NOW, reference=reference)
    finally:
        event.remove(store, "before_cursor_execute", seen)
    return sent


def live_rows(store: Engine, authority: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of the authority's rows but the authority itself and the run that wrote them."""
    found = {}
    with store.connect() as conn:
        for table in (CASES, EVIDENCE):
            columns = [c for c in table.c if c.name not in ("authority", "last_seen_run")]
            query = select(*columns).where(table.c.authority == authority).order_by(*columns[:1])
            found[table.name] = [tuple(r) for r in conn.execute(query)]
    return found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(CASE_ROWS, max_size=8), forms=st.lists(FORM_ROWS, max_size=14))
def test_a_first_merge_writes_what_the_reference_merge_writes(
    store: Engine, cases: list[Any], forms: list[Any]
) -> None:
    n = next(_codes)
    fast, reference = f"first-{n}", f"reference-{n}"

    sent = published(store, fast, {"cases": cases, "evidence": forms}, reference=False)
    published(store, reference, {"cases": cases, "evidence": forms}, reference=True)

    assert live_rows(store, fast) == live_rows(store, reference)
    assert [s for s in sent if "ON CONFLICT" in s] == []  # the plain INSERT was the one taken


def test_a_table_holding_rows_of_the_authority_takes_the_reference_statement(store: Engine) -> None:
    published(store, "la", {"cases": [a_case(case_ref="C1")]}, reference=False)
    sent = published(store, "la", {"cases": [a_case(case_ref="C1", team="Team South")]}, reference=False)
    cases = [s for s in sent if s.startswith("INSERT INTO cases")]
    assert len(cases) == 1
    assert "ON CONFLICT" in cases[0]
    assert live_rows(store, "la")["cases"][0][1] == "Team South"
