"""Statuses settled once per run equal the pure per-case function on what the store holds, whatever
the data, however it is split into batches, and wherever runs crash between batches."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from config.loader import Config
from mapping.schema import Case, Evidence
from mapping.status import case_statuses
from store.schema.engine import make_engine
from store.schema.upgrade import upgrade
from sync.run.runner import Mode, RunRequest, SyncRunner, Trigger
from tests.store.orm import CaseElementStatusRow, CaseRow, EvidenceRow, StatusChange
from tests.sync.memory import Crash, CrashingConnector, a_case_record, a_form, memory_config

TODAY = date(2026, 3, 2)
CASE_REFS = [f"C{i}" for i in range(6)]
TEMPLATES = ["Mapping", "Safety Plan", "Danger Statement", "Chronology"]

days = st.integers(min_value=0, max_value=70).map(
    lambda n: (date(2026, 1, 1) + timedelta(days=n)).isoformat()
)
cases = st.lists(
    st.builds(
        lambda ref, kind, opened, cp_start, closed: a_case_record(
            ref,
            type=kind,
            opened=opened,
            cp_start=cp_start,
            closed=closed if closed and closed >= opened else None,
        ),
        st.sampled_from(CASE_REFS),
        st.sampled_from(["CP", "CIN", "LAC"]),
        days,
        st.none() | days,
        st.none() | days,
    ),
    max_size=8,
)
forms = st.lists(
    st.builds(
        lambda n, case, template, status, on: a_form(f"F{n}", case, template, status=status, date=on),
        st.integers(min_value=0, max_value=15),
        st.sampled_from(CASE_REFS),
        st.sampled_from(TEMPLATES),
        st.sampled_from(["C", "D", "X"]),
        days,
    ),
    max_size=25,
)
runs = st.lists(
    st.tuples(
        cases,
        forms,
        st.sampled_from([Mode.INCREMENTAL, Mode.FULL]),
        st.integers(min_value=1, max_value=4),
        st.none() | st.tuples(st.sampled_from(["cases", "evidence"]), st.integers(min_value=0, max_value=4)),
    ),
    min_size=1,
    max_size=3,
)


def stored_rows(store: Engine, model: Any, fields: Any) -> list[dict[str, Any]]:
    columns = [getattr(model, f) for f in fields]
    with store.connect() as conn:
        rows = conn.execute(select(*columns).where(model.deleted_on.is_(None)))
        return [dict(r._mapping) for r in rows]


def expected_statuses(store: Engine, config: Config) -> set[tuple[Any, ...]]:
    """The pure function on the store's live records, validated afresh: today's statuses."""
    live = [Case.model_validate(r) for r in stored_rows(store, CaseRow, Case.model_fields)]
    evidence = [Evidence.model_validate(r) for r in stored_rows(store, EvidenceRow, Evidence.model_fields)]
    rules = config.authority("mem-la").file.timeliness
    return {
        (
            case.case_ref,
            s.element,
            s.status.value,
            s.first_evidenced_on,
            s.last_evidenced_on,
            s.due_on,
            s.evidence_count,
            s.latest_scale_value,
        )
        for case in live
        for s in case_statuses(
            case,
            [e for e in evidence if e.case_ref == case.case_ref],
            config.settings.element_keys,
            rules,
            TODAY,
        )
    }


def settled_statuses(store: Engine) -> set[tuple[Any, ...]]:
    s = CaseElementStatusRow
    query = select(
        s.case_ref,
        s.element,
        s.status,
        s.first_evidenced_on,
        s.last_evidenced_on,
        s.due_on,
        s.evidence_count,
        s.latest_scale_value,
    )
    with store.connect() as conn:
        return set(conn.execute(query).all())


def open_changes(store: Engine) -> set[tuple[str, str, str]]:
    c = StatusChange
    with store.connect() as conn:
        return set(conn.execute(select(c.case_ref, c.element, c.status).where(c.to_date.is_(None))).all())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs)
def test_settled_statuses_equal_the_per_case_function_through_crashes(plan: list[Any]) -> None:
    # Chunks and memos far smaller than the caseload, so paging through touched cases and memos
    # starting afresh mid-run are exercised in every example.
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock.patch("sync.run.recompute.SETTLE_CHUNK", 2),
    ):
        folder = Path(tmp)
        config = memory_config(folder / "config")
        store = make_engine(f"sqlite:///{folder / 'store.db'}")
        upgrade(store)
        try:
            last: CrashingConnector | None = None
            for case_records, form_records, mode, batch_size, crash in plan:
                data = {"cases": case_records, "evidence": form_records}
                stream, after = crash or ("cases", 10_000)
                last = CrashingConnector(
                    data=data, batch_size=batch_size, crash_after=after, crash_stream=stream
                )
                runner = SyncRunner(
                    config, store, today=lambda: TODAY, connector_factory=lambda _a, c=last: c
                )
                with contextlib.suppress(Crash):
                    runner.run("mem-la", RunRequest(Trigger.CLI, "tester", mode, reason="property"))
            # A last run that does not crash drains whatever the crashed ones left touched.
            assert last is not None
            finishing = CrashingConnector(data=last.data, batch_size=3, crash_after=10_000)
            SyncRunner(config, store, today=lambda: TODAY, connector_factory=lambda _a: finishing).run(
                "mem-la", RunRequest(Trigger.CLI, "tester")
            )
            settled = settled_statuses(store)
            assert settled == expected_statuses(store, config)
            assert open_changes(store) == {(ref, element, status) for ref, element, status, *_ in settled}
        finally:
            store.dispose()
