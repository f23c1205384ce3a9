"""What a mapping means against the schema and the element catalogue, checked before any record.

A config mistake found here names its key path once; found while mapping, it would quarantine
every record with the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from mapping.audit_scale import AuditScale
from mapping.outcomes import Record
from mapping.rules import FieldKind, field_kind
from mapping.schema import Audit, Case, CaseEpisode, Evidence
from mapping.spec import AuthorityMapping, FieldRule, StreamMapping

STREAM_TARGETS: dict[str, type[Record]] = {
    "cases": Case,
    "evidence": Evidence,
    "audits": Audit,
    "episodes": CaseEpisode,
}
PRACTICE_RECORDS = ("evidence", "audits", "episodes")
"""Streams whose records name a case: one naming a case the store does not have is orphaned."""
SET_BY_MAPPER = frozenset({"authority", "source_id"})
"""Schema fields no rule sets: the authority is the file's, the source id is the stream's `source_id:`."""
SET_FROM_SCALE = frozenset({"grade_words", "grade_rank", "meets_good_line", "area_grades"})
"""Audit fields the mapper fills from the authority's `audit_scale:` and the `area.<name>` rules."""
ELEMENT_FIELD = "element"
AREA_PREFIX = "area."
"""`area.danger_statements: {...}`: an audit's grade for one practice area, on the same scale."""
_AREA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MOST_AREAS = 32

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ConfigProblem:
    path: KeyPath
    message: str

    def __str__(self) -> str:
        return f"{'.'.join(str(p) for p in self.path)}: {self.message}"


class MappingConfigError(ValueError):
    """The mapping cannot be compiled; each problem carries its key path."""

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def mapping_problems(
    spec: AuthorityMapping, elements: Iterable[str], audit_scale: AuditScale | None = None
) -> list[ConfigProblem]:
    """Every problem with the mapping given the schema, the authority's element keys and its audit
    scale.

    Key paths are relative to the `mapping:` block (`cases.fields.opened_on`).
    """
    catalogue = frozenset(elements)
    problems: list[ConfigProblem] = []
    for name, stream in spec.streams().items():
        problems.extend(_stream_problems((name,), stream, STREAM_TARGETS[name], catalogue))
    if spec.audits is not None:
        problems.extend(_audit_problems(spec.audits, audit_scale))
    return problems


def settable_fields(target: type[BaseModel]) -> list[str]:
    """The schema fields a stream's rules set: all but those the mapper fills itself."""
    set_by_mapper = SET_BY_MAPPER | (SET_FROM_SCALE if target is Audit else frozenset())
    return [f for f in target.model_fields if f not in set_by_mapper]


def area_fields(stream: StreamMapping) -> list[str]:
    """The `area.<name>` rules of an audits stream, by their field names."""
    return [name for name in stream.fields if name.startswith(AREA_PREFIX)]


def _audit_problems(stream: StreamMapping, scale: AuditScale | None) -> Iterator[ConfigProblem]:
    if scale is None:
        yield ConfigProblem(
            ("audits",),
            "an audits stream needs the authority's audit_scale: (its grades best first and its "
            "good_line) at the top of the authority file",
        )
        return
    codes = scale.codes()
    for name in ["grade", *area_fields(stream)]:
        rule = stream.fields.get(name)
        if rule is None:
            continue
        for key_path, value in _constants(rule):
            if value is not None and str(value) not in codes:
                yield ConfigProblem(
                    ("audits", "fields", name, *key_path),
                    f"{value!r} is not a grade on the audit scale; expected one of {codes}",
                )


def _stream_problems(
    at: KeyPath, stream: StreamMapping, target: type[BaseModel], catalogue: frozenset[str]
) -> Iterator[ConfigProblem]:
    settable = settable_fields(target)
    areas = 0
    for name, rule in stream.fields.items():
        here = (*at, "fields", name)
        if name == "source_id":
            yield ConfigProblem(here, "the source id is set by the stream's source_id:, not under fields")
        elif target is Audit and name.startswith(AREA_PREFIX):
            areas += 1
            yield from _area_problems(here, name, rule, areas)
        elif name not in settable:
            yield ConfigProblem(here, f"{target.__name__} has no field {name!r}; expected one of {settable}")
        else:
            yield from _rule_problems(here, name, rule, target, catalogue)
    for name in settable:
        if target.model_fields[name].is_required() and name not in stream.fields:
            yield ConfigProblem(
                (*at, "fields"), f"{name} is required by the {target.__name__} schema but has no rule"
            )
    yield from _source_id_problems((*at, "source_id"), stream)


def _source_id_problems(here: KeyPath, stream: StreamMapping) -> Iterator[ConfigProblem]:
    rule = stream.source_id
    if rule.is_const:
        yield ConfigProblem(here, "the source id must come from the record (path: or first_of:), not const:")
    if rule.transform_keys():
        yield ConfigProblem(
            here, f"the source id is read as text; {rule.transform_keys()[0]}: does not apply"
        )
    for path in rule.source_paths():
        if path in stream.system_fields:
            yield ConfigProblem(
                here,
                f"{path} is in system_fields (the source rewrites it); a record's identity must be stable",
            )


def _area_problems(here: KeyPath, name: str, rule: FieldRule, count: int) -> Iterator[ConfigProblem]:
    area = name.removeprefix(AREA_PREFIX)
    if not _AREA_NAME.match(area):
        yield ConfigProblem(
            here, f"{area!r} is not a practice area name; expected lower case letters, digits and _"
        )
    if count > MOST_AREAS:
        yield ConfigProblem(here, f"an audit has at most {MOST_AREAS} area grades")
    if rule.transform_keys() not in ([], ["map"]) or rule.split is not None:
        yield ConfigProblem(
            here, "an area grade is a grade code: give it a map: to the scale's codes, or none"
        )


def _rule_problems(
    here: KeyPath, name: str, rule: FieldRule, target: type[BaseModel], catalogue: frozenset[str]
) -> Iterator[ConfigProblem]:
    info = target.model_fields[name]
    kind = field_kind(info.annotation)
    if rule.split is not None and kind is not FieldKind.LIST:
        yield ConfigProblem((*here, "split"), f"{name} holds {kind}, not a list, so it takes no split:")
    if kind is FieldKind.LIST and rule.value_map is None and not rule.is_const:
        yield ConfigProblem(
            here,
            f"{name} holds role codes, never names: give it a map: from the source's words to role codes",
        )
    if (rule.date_format or rule.datetime_format) and kind not in (FieldKind.DATE, FieldKind.DATETIME):
        key = "date" if rule.date_format else "datetime"
        yield ConfigProblem((*here, key), f"{name} holds {kind}, so it takes no date format")
    if rule.number and kind is not FieldKind.NUMBER:
        yield ConfigProblem((*here, "number"), f"{name} holds {kind}, not a number")
    if target is Audit and name == "grade":
        return  # its constants are checked against the authority's scale (`_audit_problems`)
    adapter = _value_adapter(target, name)
    for key_path, value in _constants(rule):
        if key_path[0] == "patterns" and key_path[-1] == "element" and name != ELEMENT_FIELD:
            yield ConfigProblem(
                (*here, *key_path), "only the element rule's patterns give element:; use value:"
            )
            continue
        if kind is FieldKind.LIST and key_path[0] in ("map", "default"):
            # Each item of a list field is mapped on its own; `default: null` leaves one out.
            if value is None:
                continue
            problem = _constant_problem(name, value, _LIST_ITEM, catalogue)
        else:
            problem = _constant_problem(name, value, adapter, catalogue)
        if problem:
            yield ConfigProblem((*here, *key_path), problem)


_LIST_ITEM: TypeAdapter[Any] = TypeAdapter(str)
"""A list field's items are mapped one at a time, each to a code."""


@cache
def _value_adapter(target: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """The validator of one schema field's values, built once per process: building it is most of
    the cost of checking a rule, and a schema field's type never changes while the process runs."""
    info = target.model_fields[name]
    value_type = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(cast(Any, value_type))


def elements_mapped(spec: AuthorityMapping) -> frozenset[str] | None:
    """Every element the evidence stream's element rule can give, for naming those nothing reaches.

    None when the rule passes source values through (a bare path): then the source decides.
    """
    rule = spec.evidence.fields.get(ELEMENT_FIELD)
    if rule is None:
        return frozenset()
    if not rule.is_const and rule.value_map is None and rule.patterns is None:
        return None
    found: set[str] = set()
    for _, value in _constants(rule):
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, str):
                found.add(element)
    return frozenset(found)


def _constants(rule: FieldRule) -> Iterator[tuple[KeyPath, Any]]:
    """Every value the rule can output as written in the config, with its key path."""
    if rule.is_const:
        yield ("const",), rule.const
    if rule.default is not None:
        yield ("default",), rule.default
    for key, value in (rule.value_map or {}).items():
        yield ("map", key), value
    for index, pattern in enumerate(rule.patterns or []):
        yield ("patterns", index, "element" if pattern.element is not None else "value"), pattern.output


def _constant_problem(
    name: str, value: Any, adapter: TypeAdapter[Any], catalogue: frozenset[str]
) -> str | None:
    if name == ELEMENT_FIELD:
        elements = value if isinstance(value, list) else [value]
        unknown = [e for e in elements if not isinstance(e, str) or e not in catalogue]
        if unknown:
            return f"unknown element {unknown[0]!r}; expected one of {sorted(catalogue)}"
        if len(set(elements)) != len(elements):
            return f"{value!r} names an element twice"
        return None
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        return f"{value!r} is not a valid {name}: {exc.errors()[0]['msg']}"
    return None
