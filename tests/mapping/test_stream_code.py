"""A stream compiled into one function maps every record exactly as its rules do, one field at a time.

`mapping.stream_code` writes each stream's rules out as one function; `map_record`, the rules as
written, stays the reference. For every mapping an authority starts from (each shipped template,
the demo authorities, the example authority and the bench's), under each identifier policy, and for
records valid and invalid alike, the two give the same outcomes: values, quarantine reasons word for
word, not-practice-evidence, row ids and content hashes. Values from an authority's file never become
the function's text: quotes, newlines, braces and backslashes in them stay data.
"""

from __future__ import annotations

import fnmatch
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo import filedrop, liquidlogic, rest_records
from mapping.dates import DateWindow
from mapping.identifiers import IdentifierPolicy
from mapping.mapper import CompiledMapping, CompiledStream
from mapping.outcomes import Mapped, NotPracticeEvidence, Quarantined
from mapping.rules import (
    AsScale,
    CompiledField,
    ConstSource,
    EachItem,
    GlobPattern,
    ParseTime,
    PatternPick,
    ValueMap,
)
from mapping.schema import Case, Evidence
from mapping.timeformats import IsoFormat, StrptimeFormat
from tests.mapping.builders import KEY, compiled
from tests.sources import MAPPING_YAML

ROOT = Path(__file__).resolve().parents[2]
WINDOW = DateWindow(date(2000, 1, 1), date(2030, 12, 31))
HERE = Path("/nonexistent")


def authority_documents() -> dict[str, dict[str, Any]]:
    """Every authority file the project ships or builds, by a name for the test's id."""
    texts = {
        f"template-{p.stem}": p.read_text() for p in sorted((ROOT / "config" / "templates").glob("*.yaml"))
    }
    texts |= {
        f"example-{p.stem}": p.read_text() for p in sorted((ROOT / "config" / "authorities").glob("*.yaml"))
    }
    texts["demo-liquidlogic"] = liquidlogic.authority_yaml(HERE / "ll.db", HERE / "key", date(2026, 6, 1))
    texts["demo-rest"] = rest_records.authority_yaml(HERE, "http://127.0.0.1:1", "id", HERE / "s", HERE / "k")
    texts["demo-files"] = filedrop.authority_yaml(HERE)
    texts["bench"] = f"code: bench\nname: Bench\n{MAPPING_YAML}"
    return {name: yaml.safe_load(text) for name, text in texts.items()}


DOCUMENTS = authority_documents()
POLICIES = {
    "as-written": None,
    "keep": IdentifierPolicy(case_ref="keep", worker="keep"),
    "pseudonymise": IdentifierPolicy(case_ref="pseudonymise", worker="pseudonymise"),
    "drop-worker": IdentifierPolicy(case_ref="keep", worker="drop"),
}


def compile_document(document: dict[str, Any], policy: IdentifierPolicy | None) -> CompiledMapping:
    if policy is None:
        written = dict(document.get("identifiers") or {})
        written.pop("key_env", None)
        written.pop("key_file", None)
        policy = IdentifierPolicy.model_validate(written)
    return compiled(
        document["mapping"],
        identifiers=policy,
        key=KEY,
        dates=WINDOW,
        audit_scale=document.get("audit_scale"),
    )


# Values a source might hold, near each rule's own and far from it ---------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=10**16),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["", "  ", " x ", "Jo Bloggs", "\x7f", "é", "x" * 140, "1899-12-31", "2099-01-01"]),
    st.lists(st.sampled_from(["a", "parent", 1]), max_size=3),
    st.just({"nested": 1}),
)
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2035, 1, 1))


def near(rule: CompiledField) -> st.SearchStrategy[Any]:
    """Values the rule is written for, as a source writes them, with spaces and case drifting."""
    transform = rule.transform.item if isinstance(rule.transform, EachItem) else rule.transform
    pool: list[st.SearchStrategy[Any]] = [st.text(min_size=1, max_size=6), st.integers(0, 12)]
    if isinstance(transform, ValueMap):
        codes = sorted(str(code) for code in transform.entries)
        pool.append(st.sampled_from(codes))
        pool.append(st.sampled_from(codes).map(lambda code: f" {code} "))
    if isinstance(transform, PatternPick):
        texts = [
            fnmatch.translate(p.glob) and p.glob.replace("*", " x").replace("?", "y")
            for p in transform.patterns
            if isinstance(p, GlobPattern)
        ]
        if texts:
            pool.append(st.sampled_from(texts))
            pool.append(st.sampled_from(texts).map(str.upper))
        pool.append(st.sampled_from(["Case Note", "Chronology"]))
    if isinstance(transform, ParseTime):
        fmt = transform.format
        if isinstance(fmt, IsoFormat):
            pool += [
                moments.map(lambda m: m.date().isoformat()),
                moments.map(datetime.isoformat),
                moments.map(lambda m: m.isoformat() + "+05:00"),
                moments.map(lambda m: m.isoformat() + "Z"),
            ]
        elif isinstance(fmt, StrptimeFormat):
            pool.append(moments.map(lambda m: m.strftime(fmt.name)))
        pool += [moments, moments.map(lambda m: m.date()), st.integers(30000, 50000)]
    return st.one_of(*pool)


def fitting(rule: CompiledField) -> st.SearchStrategy[Any]:
    """A value the rule maps, as a tidy source writes it."""
    transform = rule.transform
    if isinstance(transform, EachItem):
        item = transform.item
        codes = sorted(str(c) for c in item.entries) if isinstance(item, ValueMap) else ["practitioner"]
        return st.lists(st.sampled_from(codes), max_size=3).map((transform.separator or ",").join)
    if isinstance(transform, ValueMap):
        return st.sampled_from(sorted(str(code) for code in transform.entries))
    if isinstance(transform, PatternPick):
        texts = [
            p.glob.replace("*", "").replace("?", "y")
            for p in transform.patterns
            if isinstance(p, GlobPattern)
        ]
        return st.sampled_from(texts or ["x"])
    if isinstance(transform, ParseTime):
        days = st.dates(min_value=date(2001, 1, 1), max_value=date(2029, 12, 31))
        fmt = transform.format
        if isinstance(fmt, StrptimeFormat):
            pattern = fmt.name
            return days.map(lambda d: d.strftime(pattern))
        if isinstance(fmt, IsoFormat):
            times = st.builds(datetime.combine, days, st.times()).map(datetime.isoformat)
            return days.map(date.isoformat) | times
        return days
    if isinstance(transform, AsScale):
        return st.integers(0, 10) | st.integers(0, 10).map(str)
    return st.from_regex(r"[A-Z][0-9]{1,6}", fullmatch=True)


def columns_of(stream: CompiledStream, tidy: bool) -> dict[str, st.SearchStrategy[Any]]:
    """Each column a stream's rules read, with the values it should hold, and now and then junk."""
    columns: dict[str, list[st.SearchStrategy[Any]]] = {}
    for rule in (stream.source_id, *([stream.element] if stream.element else []), *stream.fields):
        if isinstance(rule.source, ConstSource):
            continue
        for path in rule.source.paths():
            columns.setdefault(path.split(".")[0], []).append(fitting(rule) if tidy else near(rule))
    if stream.gather is not None:
        g = stream.gather
        questions = [p.split(".", 1)[1] for r in stream.fields for p in r.source.paths() if "." in p]
        columns[g.by] = [st.sampled_from(["F1", "F2", "F3", " F4 "])]
        columns[g.question] = [st.sampled_from(questions or ["Q"])]
        columns |= {a: [st.one_of(*(near(r) for r in stream.fields))] for a in g.answer_paths}
    if stream.case_fields.unlisted_team is not None:
        columns.setdefault(stream.case_fields.unlisted_team[0], []).append(
            st.sampled_from(["T9", "", "Jo B"])
        )
    return {
        name: (st.one_of(*pool) if tidy else st.one_of(*pool, junk)) if name != "answers" else st.just({})
        for name, pool in columns.items()
    }


def rows_of(stream: CompiledStream) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Tidy rows, rows with values near and far from the rules', and rows missing columns."""
    tidy, untidy = columns_of(stream, tidy=True), columns_of(stream, tidy=False)
    mixed = {name: tidy[name] | untidy[name] for name in tidy}
    row = st.one_of(
        st.fixed_dictionaries(tidy),
        st.fixed_dictionaries(mixed),
        st.fixed_dictionaries({}, optional=untidy),
    )
    return st.lists(row, max_size=12)


POLICIES_TRIED = {name: ["as-written"] for name in DOCUMENTS} | {
    name: list(POLICIES) for name in ("template-liquidlogic", "demo-rest", "bench")
}
CASES = [
    (name, policy, stream)
    for name, document in DOCUMENTS.items()
    for policy in POLICIES_TRIED[name]
    for stream in compile_document(document, POLICIES[policy]).streams
]


@pytest.mark.parametrize(("name", "policy", "stream"), CASES, ids=[f"{n}-{p}-{s}" for n, p, s in CASES])
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_compiled_stream_maps_every_record_as_its_rules_do(
    name: str, policy: str, stream: str, data: st.DataObject
) -> None:
    fast = compile_document(DOCUMENTS[name], POLICIES[policy])
    reference = compile_document(DOCUMENTS[name], POLICIES[policy])  # its own memos, filled by itself
    rows = data.draw(rows_of(fast.stream(stream)))
    assert fast.stream(stream).map_records(rows) == reference.stream(stream).map_records_by_rule(rows)
    # Again on the same compiled mapping, with the memos the first pass filled.
    assert fast.stream(stream).map_records(rows) == reference.stream(stream).map_records_by_rule(rows)


def test_every_shipped_mapping_has_a_compiled_stream_for_cases_and_evidence() -> None:
    for name, document in DOCUMENTS.items():
        mapping = compile_document(document, None)
        for stream in ("cases", "evidence"):
            if stream in mapping.streams:
                assert mapping.stream(stream).fast is not None, (name, stream)


def test_the_bench_records_take_the_compiled_path_and_map_as_by_rule() -> None:
    mapping = compile_document(DOCUMENTS["bench"], None)
    cases = [
        {
            "id": f"C{n}",
            "team": "North",
            "type": "CP",
            "opened": "2025-06-01",
            "closed": None,
            "cp_start": "2025-06-11",
            "updated": f"2026-01-01T08:00:{n:02d}",
        }
        for n in range(20)
    ]
    forms = [
        {
            "form_id": f"F{n}",
            "case_id": f"C{n % 7}",
            "template": template,
            "status": status,
            "form_date": (date(2025, 7, 1) + timedelta(days=n)).isoformat(),
            "updated": "2026-03-29T01:30:00",
        }
        for n, (template, status) in enumerate(
            [("Danger Statement", "C"), ("Three Houses", "D"), ("Case Note", "C"), ("Safety Plan v2", "X")]
            * 5
        )
    ]
    for stream, rows in (("cases", cases), ("evidence", forms)):
        compiled_stream = mapping.stream(stream)
        assert compiled_stream.fast is not None
        # A type no pattern covers is known as such once met (the element rule's memo).
        compiled_stream.map_records_by_rule(rows)
        answered = [compiled_stream.fast(row, 1) for row in rows]
        assert all(isinstance(a, Mapped | NotPracticeEvidence) for a in answered)
        assert answered == compiled_stream.map_records_by_rule(rows)


HOSTILE = ['a"b', "a'b", "x\ny", "{0}", "}{", "\\", "\\n", "'''", '"""', "#", "); import os; os._exit(1) #"]


@pytest.mark.parametrize("value", HOSTILE)
def test_values_from_an_authority_file_stay_data_in_the_compiled_function(value: str) -> None:
    spec = {
        "cases": {
            "source_id": {"path": value},
            "fields": {
                "case_ref": {"path": value},
                "team": {"path": f"t{value}", "map": {value: value, "N": f"North{value}"}},
                "case_type": {"const": "cin"},
                "opened_on": {"path": "OPENED", "date": "iso"},
            },
        },
        "evidence": {
            "source_id": {"path": "ID"},
            "fields": {
                "case_ref": {"path": "CHILD"},
                "element": {"path": value, "patterns": [{"match": f"{value}*", "element": "mapping"}]},
                "kind": {"path": value, "patterns": [{"match": "*", "value": value[:60]}]},
                "state": {"const": "completed"},
                "evidenced_on": {"path": "ON", "date": "iso"},
            },
        },
    }
    mapping = compiled(spec)
    case = {value: f"C{value}", f"t{value}": value, "OPENED": "2024-01-02"}
    form = {"ID": "F1", "CHILD": "C1", value: f"{value} form", "ON": "2024-03-01"}
    other = {"ID": "F2", "CHILD": "C1", value: "Case Note", "ON": "2024-03-01"}
    for stream, rows in (("cases", [case]), ("evidence", [form, other])):
        assert mapping.stream(stream).map_records(rows) == mapping.stream(stream).map_records_by_rule(rows)
    (mapped_case,) = mapping.stream("cases").map_records([case])
    assert isinstance(mapped_case, Mapped)
    assert isinstance(mapped_case.record, Case)
    assert mapped_case.record.case_ref == f"C{value}".strip()
    assert mapped_case.record.team == value.strip()
    first, _ = mapping.stream("evidence").map_records([form, other])
    assert isinstance(first, Mapped)
    assert isinstance(first.record, Evidence)
    assert first.record.kind == value[:60].strip()


def test_a_record_the_compiled_function_cannot_answer_is_quarantined_by_the_rules_with_their_reason() -> None:
    mapping = compile_document(DOCUMENTS["bench"], None)
    rows = [
        {
            "form_id": "F1",
            "case_id": "C1",
            "template": "Danger Statement",
            "status": "Q",
            "form_date": "1899-01-01",
            "updated": "2026-01-01T00:00:00",
        }
    ]
    (outcome,) = mapping.stream("evidence").map_records(rows)
    assert isinstance(outcome, Quarantined)
    assert [outcome] == mapping.stream("evidence").map_records_by_rule(rows)
    assert outcome.reason.startswith("state: 'Q' is not in the map")


@pytest.mark.parametrize(
    ("on", "updated"),
    [
        ("2000-01-01", "2030-12-31T23:59:59"),
        ("1999-12-31", "2026-01-01T00:00:00"),
        ("2031-01-01", "2026-01-01T00:00:00"),
        ("2026-01-01", "2031-01-01T00:00:00"),
        ("2026-01-01", "1999-12-31T23:59:59+00:00"),
    ],
)
def test_a_date_at_or_past_the_plausible_window_is_judged_as_the_rules_judge_it(
    on: str, updated: str
) -> None:
    mapping = compile_document(DOCUMENTS["bench"], None)
    row = {
        "form_id": "F1",
        "case_id": "C1",
        "template": "Danger Statement",
        "status": "C",
        "form_date": on,
        "updated": updated,
    }
    stream = mapping.stream("evidence")
    stream.map_records_by_rule([row])  # the memos filled, so the compiled function answers what it can
    assert stream.map_records([row]) == stream.map_records_by_rule([row])
    inside = WINDOW.earliest <= date.fromisoformat(on) <= WINDOW.latest and updated[:4] not in (
        "1999",
        "2031",
    )
    assert isinstance(stream.map_records([row])[0], Mapped if inside else Quarantined)
