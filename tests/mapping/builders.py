"""Builders for mappings and raw source rows, so each test states only what matters to it."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import yaml

from mapping.audit_scale import AuditScale
from mapping.dates import DateWindow
from mapping.elements import DEFAULT_ELEMENT_KEYS
from mapping.identifiers import IdentifierPolicy
from mapping.mapper import CompiledMapping, compile_mapping
from mapping.outcomes import Mapped, RecordOutcome
from mapping.spec import AuthorityMapping

KEEP_ALL = IdentifierPolicy(case_ref="keep", worker="keep")
KEY = b"an-authority-held-key-of-32bytes"

BASE: dict[str, Any] = {
    "cases": {
        "source_id": {"path": "ID"},
        "fields": {
            "case_ref": {"path": "ID"},
            "case_type": {"const": "cin"},
            "opened_on": {"path": "OPENED"},
        },
    },
    "evidence": {
        "source_id": {"path": "ID"},
        "fields": {
            "case_ref": {"path": "CHILD"},
            "element": {"const": "mapping"},
            "state": {"const": "completed"},
            "evidenced_on": {"path": "ON"},
        },
    },
}


def a_spec(**streams: Mapping[str, Any]) -> dict[str, Any]:
    """The base mapping as plain data, with whole streams or single field rules replaced.

    `a_spec(evidence={"fields": {"kind": {...}}})` merges into the base evidence stream.
    """
    spec = copy.deepcopy(BASE)
    for name, changes in streams.items():
        stream = spec.setdefault(name, {})
        for key, value in changes.items():
            if key == "fields":
                stream["fields"].update(value)
            else:
                stream[key] = value
    return spec


def compiled(
    spec: Mapping[str, Any] | str | None = None,
    *,
    identifiers: IdentifierPolicy = KEEP_ALL,
    key: bytes | None = None,
    elements: tuple[str, ...] = DEFAULT_ELEMENT_KEYS,
    dates: DateWindow | None = None,
    audit_scale: Mapping[str, Any] | None = None,
) -> CompiledMapping:
    """Compile a mapping given as data or as the YAML of an authority file's `mapping:` block;
    `audit_scale` is the authority file's block of that name, needed by an audits stream."""
    if isinstance(spec, str):
        spec = yaml.safe_load(spec)["mapping"]
    model = AuthorityMapping.model_validate(spec if spec is not None else BASE)
    return compile_mapping(
        model,
        authority="test-la",
        elements=elements,
        identifiers=identifiers,
        key=key,
        dates=dates,
        audit_scale=AuditScale.model_validate(audit_scale) if audit_scale is not None else None,
    )


def an_evidence_row(**columns: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"ID": "F1", "CHILD": "C1", "ON": "2024-03-01"}
    row.update(columns)
    return row


def a_case_row(**columns: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"ID": "C1", "OPENED": "2024-01-02"}
    row.update(columns)
    return row


def only(outcomes: list[RecordOutcome]) -> RecordOutcome:
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def mapped_value(mapping: CompiledMapping, stream: str, row: Mapping[str, Any], field: str) -> Any:
    outcome = only(mapping.map_batch(stream, [row]))
    assert isinstance(outcome, Mapped), outcome
    return getattr(outcome.record, field)
