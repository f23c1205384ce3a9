"""A field's reader is its rule made quick: for any value it gives what the full rule gives.

A field read from one plain column gets a reader specialised to its transform (text, a map, a
pattern pick, an ISO date or datetime), which answers the common values itself and hands every
other value to the full rule. Each reader is tested here on the values it answers and on those
it hands over, against `evaluate`, the rule as written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from mapping.mapper import CompiledMapping
from mapping.outcomes import NotPracticeEvidence, canonical_hash, content_hasher
from mapping.readers import reader
from mapping.rules import CompiledField, NoElement
from mapping.schema import Case, CaseType, Evidence, EvidenceState
from mapping.values import RuleFailure
from tests.mapping.builders import a_spec, an_evidence_row, compiled, only

READER_KINDS = compiled(
    a_spec(
        cases={
            "fields": {
                "team": {"path": "TEAM", "map": {"N": "North", "U": None}, "default": "unknown"},
                "worker": {"path": "WORKER", "default": "unallocated"},
                "case_type": {
                    "path": "TYPE",
                    "map": {"CP": "cp", " CIN ": "cin", "": "cp", "LAC": "looked_after"},
                },
                "opened_on": {"path": "OPENED", "date": "iso"},
                "closed_on": {"path": "CLOSED", "date": "%d/%m/%Y"},
                "source_updated_at": {"path": "UPDATED", "datetime": "iso"},
            }
        },
        evidence={
            "fields": {
                "element": {
                    "path": "TEMPLATE",
                    "patterns": [
                        {"match": "Danger*", "element": "danger_statement"},
                        {"match": "Safety Goal*", "element": ["safety_goal", "danger_statement"]},
                    ],
                },
                "kind": {"path": "TEMPLATE", "patterns": [{"match": "*Houses*", "value": "three_houses"}]},
                "state": {
                    "path": "STATUS",
                    "map": {"C": "completed", "D": "draft"},
                    "default": "completed",
                },
                "evidenced_on": {"path": "ON", "date": "iso"},
                "scale_value": {"path": "SCALE", "number": True},
                "source_updated_at": {"path": "UPDATED", "datetime": "%Y%m%d%H%M"},
            }
        },
    )
)


def fields_of(mapping: CompiledMapping) -> list[CompiledField]:
    fields: list[CompiledField] = []
    for stream in mapping.streams.values():
        fields += [stream.source_id, *stream.fields, *([stream.element] if stream.element else [])]
    return fields


FIELDS = fields_of(READER_KINDS)
COLUMNS = sorted({f.column for f in FIELDS if f.column is not None})


def outcome(read: Any, record: dict[str, Any]) -> tuple[str, Any]:
    """What reading gives: a value, or the failure's type and message."""
    try:
        return ("value", read(record))
    except (RuleFailure, NoElement) as exc:
        return (type(exc).__name__, str(exc))


def test_every_plain_column_transform_has_its_own_reader() -> None:
    specialised = {f.name: reader(f).__name__ for f in FIELDS if reader(f) != f.evaluate}
    assert specialised == {
        "source_id": "looked_up",  # text
        "team": "looked_up",  # a map
        "worker": "looked_up",
        "case_ref": "looked_up",
        "case_type": "looked_up",
        "opened_on": "looked_up",  # an ISO date, by the day memo
        "closed_on": "looked_up",  # a strptime date, by the day memo
        "source_updated_at": "moment",  # an ISO datetime
        "element": "picked",
        "kind": "picked",
        "state": "looked_up",
        "evidenced_on": "looked_up",
    }


def test_a_rule_with_no_shortcut_reads_through_the_full_rule() -> None:
    scale = next(f for f in FIELDS if f.name == "scale_value")
    strptime_time = READER_KINDS.stream("evidence").readers[-1]
    assert reader(scale) == scale.evaluate
    assert strptime_time[0] == "source_updated_at"
    assert strptime_time[1].__name__ == "evaluate"


raw_values = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            "   ",
            "CP",
            " CP",
            "CIN",
            " CIN ",
            "LAC",
            "N",
            "U",
            "C",
            "D",
            "Q",
            "Danger Statement",
            "  Danger Statement",
            "Safety Goal v2",
            "Three Houses",
            "Letter",
            "2024-03-01",
            " 2024-03-01 ",
            "2024-02-30",
            "2024-03-01T09:30:00",
            "2024-07-01T09:30:00+02:00",
            "2024-03-01T09:30:00Z",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "01/03/2024",
            "202403010930",
            "7",
        ]
    ),
    st.text(max_size=12),
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),
    st.integers(),
    st.floats(),
    st.builds(Decimal, st.integers(-100, 100)),
    st.dates(),
    st.datetimes(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(COLUMNS), raw_values))
@example({})
@example({"TYPE": "LAC", "TEAM": "U", "WORKER": "  Ann ", "UPDATED": "2024-03-01T09:30:00"})
@example({"TEMPLATE": "Letter", "STATUS": "Q", "ON": " 2024-03-01 ", "UPDATED": "not a time"})
def test_each_reader_gives_what_the_full_rule_gives(record: dict[str, Any]) -> None:
    for rule in FIELDS:
        # The full rule first and last, so the reader meets both an empty memo and a filled one.
        expected = outcome(rule.evaluate, record)
        assert outcome(reader(rule), record) == expected, rule.name
        assert outcome(reader(rule), record) == expected, rule.name
        assert outcome(rule.evaluate, record) == expected, rule.name


@pytest.mark.parametrize(
    ("column", "value", "field", "expected"),
    [
        ("TYPE", "CP", "case_type", "cp"),
        ("TYPE", " CIN ", "case_type", "cin"),  # as_text strips the value before the map is asked
        ("TEAM", "", "team", "unknown"),  # blank is no value: the map's "" is never asked
        ("TEAM", "U", "team", None),  # a code the map sends to null
        ("TEAM", "Z", "team", "unknown"),  # a code the map does not know: the default
        ("OPENED", "2024-03-01", "opened_on", date(2024, 3, 1)),
        ("UPDATED", "2024-07-01T09:30:00", "source_updated_at", datetime(2024, 7, 1, 8, 30, tzinfo=UTC)),
        ("UPDATED", " 2024-01-01T09:30:00Z ", "source_updated_at", datetime(2024, 1, 1, 9, 30, tzinfo=UTC)),
        ("WORKER", "   ", "worker", "unallocated"),
    ],
)
def test_readers_on_values_they_answer_and_values_they_hand_over(
    column: str, value: Any, field: str, expected: Any
) -> None:
    rule = next(f for f in fields_of(compiled(READER_KINDS_SPEC)) if f.name == field)
    assert reader(rule)({column: value}) == expected


READER_KINDS_SPEC = a_spec(
    cases={
        "fields": {
            "team": {"path": "TEAM", "map": {"N": "North", "U": None, "": "blank"}, "default": "unknown"},
            "worker": {"path": "WORKER", "default": "unallocated"},
            "case_type": {"path": "TYPE", "map": {"CP": "cp", " CIN ": "cin"}},
            "opened_on": {"path": "OPENED", "date": "iso"},
            "source_updated_at": {"path": "UPDATED", "datetime": "iso"},
        }
    }
)


def test_an_unmatched_template_is_still_no_practice_evidence() -> None:
    record = an_evidence_row(TEMPLATE="Letter")
    for _ in range(2):  # the second time, the pattern memo knows the template
        assert isinstance(only(READER_KINDS.map_batch("evidence", [record])), NotPracticeEvidence)


# The content hash --------------------------------------------------------------------------------

texts = st.text(
    st.characters(max_codepoint=0x7F) | st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=16
).filter(str.strip)
evidence_records = st.builds(
    Evidence,
    authority=texts,
    source_id=texts,
    case_ref=texts,
    element=texts,
    kind=st.none() | texts,
    state=st.sampled_from(list(EvidenceState)),
    evidenced_on=st.dates(),
    scale_value=st.none() | st.integers(0, 10),
    source_updated_at=st.none() | st.datetimes(timezones=st.just(UTC)),
)
case_records = st.builds(
    Case,
    authority=texts,
    case_ref=texts,
    team=st.none() | texts,
    worker=st.none() | texts,
    case_type=st.sampled_from(list(CaseType)),
    opened_on=st.dates(max_value=date(2000, 1, 1)),
    closed_on=st.none() | st.dates(min_value=date(2000, 1, 1)),
    cp_plan_start=st.none() | st.dates(),
)


HASHERS: dict[type[Case] | type[Evidence], Callable[[Case | Evidence], str]] = {
    Case: content_hasher(Case),
    Evidence: content_hasher(Evidence),
}


@settings(max_examples=300, deadline=None)
@given(evidence_records | case_records)
@example(Case(authority="la", case_ref="\x7f", case_type=CaseType.CIN, opened_on=date(2024, 1, 1)))
@example(Case(authority="la", case_ref="é\x7f", case_type=CaseType.CIN, opened_on=date(2024, 1, 1)))
@example(Case(authority="la", case_ref='a\n"\\', case_type=CaseType.CIN, opened_on=date(2024, 1, 1)))
def test_the_content_hash_is_the_hash_of_the_records_canonical_json(record: Case | Evidence) -> None:
    """ASCII records hash pydantic's JSON of their sorted fields, which differs from `json.dumps`
    only in leaving DEL unescaped; others hash `json.dumps` of their JSON dump."""
    skipped = {"source_id", "source_updated_at"}
    dumped = record.model_dump(mode="json", exclude=skipped)
    hashed = HASHERS[type(record)](record)  # one hasher throughout, remembering what it wrote
    assert hashed == content_hasher(type(record))(record)
    if all(str(v).isascii() for v in dumped.values()):
        assert hashed == hashlib.sha256(to_json(dict(sorted(dumped.items())))).hexdigest()
    else:
        assert hashed == canonical_hash(dumped)


def test_a_mapped_records_hash_is_the_value_stores_already_hold() -> None:
    """Stored hashes decide "unchanged": the same record must keep hashing to the same value."""
    record = Evidence(
        authority="bench",
        source_id="F00000000",
        case_ref="C0000453",
        element="safety_goal",
        state=EvidenceState.COMPLETED,
        evidenced_on=date(2025, 9, 2),
        source_updated_at=datetime(2026, 1, 1, 8, tzinfo=UTC),
    )
    assert content_hasher(Evidence)(record) == (
        "55fe819e6bd4b5c73d01bdc01eb5faa2c3e0093e70b97962f5dce08b5b2becbd"
    )


def test_a_hasher_that_has_remembered_its_fill_of_values_hashes_as_a_new_one() -> None:
    hasher = content_hasher(Case)
    records = [
        Case(
            authority="la",
            case_ref=f"C{n}",
            team=f"T{n % 9}",
            case_type=CaseType.CP,
            opened_on=date(2024, 1, 1),
        )
        for n in range(5000)
    ]
    remembered = [hasher(r) for r in records]
    assert remembered == [hasher(r) for r in records] == [content_hasher(Case)(r) for r in records]
    assert len(set(remembered)) == len(records)
