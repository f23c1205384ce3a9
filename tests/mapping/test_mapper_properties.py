"""Whatever a source sends, the mapper maps, quarantines or sets aside each record, and never raises."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mapping.gather import gather_forms
from mapping.identifiers import IdentifierPolicy
from mapping.outcomes import Mapped, NotPracticeEvidence, Quarantined
from mapping.spec import Gather
from tests.mapping.builders import KEY, compiled

EVERY_RULE_KIND: dict[str, Any] = {
    "cases": {
        "source_id": {"path": "ID"},
        "system_fields": ["ROW_ID"],
        "fields": {
            "case_ref": {"first_of": ["REF", "ID"]},
            "team": {"path": "TEAM.name"},
            "worker": {"path": "WORKER"},
            "case_type": {"path": "TYPE", "map": {"CIN": "cin", "CP": "cp"}},
            "opened_on": {"path": "OPENED", "date": "%d/%m/%Y"},
            "closed_on": {"path": "CLOSED", "date": "excel"},
            "cp_plan_start": {"path": "CP.0.start", "date": "iso"},
            "source_updated_at": {"path": "UPDATED", "datetime": "iso"},
        },
    },
    "evidence": {
        "gather": {"by": "FORM", "question": "Q", "answer": ["A", "N"]},
        "source_id": {"path": "FORM"},
        "fields": {
            "case_ref": {"path": "CHILD"},
            "element": {
                "path": "TEMPLATE",
                "patterns": [
                    {"match": "Danger*", "element": "danger_statement"},
                    {"regex": "^Map", "element": "mapping"},
                ],
            },
            "kind": {"path": "TEMPLATE", "patterns": [{"match": "*Houses*", "value": "three_houses"}]},
            "state": {"path": "STATUS", "map": {"D": "draft", "X": "cancelled"}, "default": "completed"},
            "evidenced_on": {"first_of": ["DONE", "answers.MET"], "datetime": "iso"},
            "scale_value": {"path": "answers.SCALE", "number": True},
        },
    },
}
CASE_COLUMNS = ["ID", "REF", "TEAM", "WORKER", "TYPE", "OPENED", "CLOSED", "CP", "UPDATED", "ROW_ID"]
EVIDENCE_COLUMNS = ["FORM", "CHILD", "TEMPLATE", "STATUS", "DONE", "Q", "A", "N"]

MAPPING = compiled(
    EVERY_RULE_KIND,
    identifiers=IdentifierPolicy(case_ref="pseudonymise", key_env="LA_KEY"),
    key=KEY,
)

likely_values = st.one_of(
    st.dates().map(date.isoformat),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["CIN", "CP", "D", "X", "Danger Statement", "Map", "Three Houses", "SCALE", "MET", "7", "1"]
    ),
    st.integers(min_value=-5, max_value=3_000_000),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | likely_values,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=5,
)


def rows_with(columns: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    keys = st.sampled_from(columns) | st.text(max_size=6)
    return st.lists(st.dictionaries(keys, json_values, max_size=len(columns)), max_size=5)


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(rows_with(CASE_COLUMNS))
@example([{"ID": "1", "TYPE": "CP", "OPENED": "01/01/0001", "UPDATED": "0001-01-01T00:00:00+05:00"}])
@example([{"ID": "1", "TYPE": "CP", "OPENED": "01/01/2024", "CLOSED": 10**5000}])
@example([{"ID": 10**400, "REF": {"a": [1]}, "TYPE": "CP", "OPENED": "01/01/2024", "CLOSED": float("nan")}])
def test_every_case_row_is_mapped_or_quarantined_never_raised(rows: list[dict[str, Any]]) -> None:
    outcomes = MAPPING.map_batch("cases", rows)
    assert len(outcomes) == len(rows)
    for outcome in outcomes:
        assert isinstance(outcome, Mapped | Quarantined)
        assert outcome.source_rows == 1
        if isinstance(outcome, Quarantined):
            assert outcome.reason
            assert len(outcome.raw_hash) == 64


@PROPERTY_SETTINGS
@given(rows_with(EVIDENCE_COLUMNS))
@example([{"FORM": 1, "TEMPLATE": "Danger", "Q": "SCALE", "A": "1e999999999", "DONE": "2024-01-01"}])
@example(
    [{"FORM": 1, "TEMPLATE": "Danger", "Q": "SCALE", "N": float("inf"), "DONE": "9999-12-31T23:59:59-05:00"}]
)
def test_every_form_is_mapped_quarantined_or_not_evidence_and_its_rows_add_up(
    rows: list[dict[str, Any]],
) -> None:
    outcomes = MAPPING.map_batch("evidence", rows)
    forms = gather_forms(rows, Gather(by="FORM", question="Q", answer=["A", "N"]))
    assert len(outcomes) == len(forms)
    assert sum(o.source_rows for o in outcomes) == len(rows)
    assert all(isinstance(o, Mapped | Quarantined | NotPracticeEvidence) for o in outcomes)
    assert MAPPING.map_batch("evidence", rows) == outcomes  # deterministic: same rows, same hashes


well_formed_cases = st.fixed_dictionaries(
    {
        "ID": st.text(min_size=1, max_size=20).filter(str.strip),
        "TYPE": st.sampled_from(["CIN", "CP"]),
        "OPENED": st.dates(min_value=date(1990, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
        "ROW_ID": st.integers(),
    }
)


@PROPERTY_SETTINGS
@given(well_formed_cases)
def test_every_well_formed_case_row_maps_and_row_ids_never_change_its_hash(row: dict[str, Any]) -> None:
    first, rewritten = MAPPING.map_batch("cases", [row, {**row, "ROW_ID": row["ROW_ID"] + 1}])
    assert isinstance(first, Mapped), first
    assert isinstance(rewritten, Mapped)
    assert first.content_hash == rewritten.content_hash
    assert first.record.case_ref.startswith("p_")
