"""Compile an authority's mapping once per run, then map batches of raw records into outcomes.

Mapping never raises for a record: each one is mapped, quarantined with a reason naming the
field and the rule, or counted as not practice evidence. Config mistakes are raised at compile
time instead (`MappingConfigError`), with their key paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from mapping.audit_fields import AuditFields
from mapping.audit_scale import AuditScale
from mapping.case_fields import CaseFields
from mapping.checks import (
    AREA_PREFIX,
    ELEMENT_FIELD,
    STREAM_TARGETS,
    ConfigProblem,
    MappingConfigError,
    area_fields,
    elements_mapped,
    mapping_problems,
)
from mapping.dates import DateWindow, date_fields
from mapping.gather import gather_forms
from mapping.identifiers import MAX_REF_LENGTH, IdentifierPolicy, Identifiers
from mapping.outcomes import (
    Mapped,
    NotPracticeEvidence,
    Quarantined,
    Record,
    RecordOutcome,
    canonical_hash,
    content_hasher,
)
from mapping.readers import Reader, reader
from mapping.reasons import validation_reasons
from mapping.row_ids import element_row_id, row_id_overflow
from mapping.rules import (
    AsScale,
    AsText,
    CompiledField,
    ConstSource,
    EachItem,
    FieldKind,
    FirstOfSource,
    GlobPattern,
    NoElement,
    ParseTime,
    PathSource,
    PatternPick,
    RegexPattern,
    Source,
    Transform,
    Unchanged,
    ValueMap,
    field_kind,
)
from mapping.schema import Audit
from mapping.spec import AuthorityMapping, FieldRule, Gather, StreamMapping
from mapping.stream_code import FastMap, mapped_fast, stream_code
from mapping.timeformats import IsoFormat, time_format
from mapping.values import RuleFailure, as_text, describe


@dataclass(frozen=True)
class CompiledStream:
    """One stream's compiled rules; `map_records` is the per-batch entry point."""

    name: str
    authority: str
    target: type[Record]
    gather: Gather | None
    source_id: CompiledField
    element: CompiledField | None
    fields: tuple[CompiledField, ...]
    identifiers: Identifiers
    hash_excludes: frozenset[str]
    case_fields: CaseFields
    dates: DateWindow | None = None
    audit_fields: AuditFields | None = None
    """Audits only: their grades read against the authority's scale."""
    hash_content: Callable[[Record], str] = field(init=False, repr=False, compare=False)
    date_fields: tuple[str, ...] = field(init=False, repr=False, compare=False)
    keyed_rows: bool = field(init=False, repr=False, compare=False)
    """The record type's own `source_id` is the row's identity (evidence), set by the mapper."""
    validate: Callable[[dict[str, Any]], Record] = field(init=False, repr=False, compare=False)
    readers: tuple[tuple[str, Reader], ...] = field(init=False, repr=False, compare=False)
    """Each field's name and reader (`mapping.readers`), unpacked once rather than per record."""
    read_source_id: Reader = field(init=False, repr=False, compare=False)
    read_element: Reader | None = field(init=False, repr=False, compare=False)
    fast: FastMap | None = field(init=False, repr=False, compare=False)  # `mapping.stream_code`

    def __post_init__(self) -> None:
        # Worked out once per run rather than per record.
        object.__setattr__(self, "hash_content", content_hasher(self.target, self.hash_excludes))
        object.__setattr__(self, "date_fields", date_fields(self.target))
        object.__setattr__(self, "keyed_rows", "source_id" in self.target.model_fields)
        # `model_validate` without its per-call keyword handling: the same validator, the same errors.
        object.__setattr__(self, "validate", self.target.__pydantic_validator__.validate_python)
        object.__setattr__(self, "readers", tuple((rule.name, reader(rule)) for rule in self.fields))
        object.__setattr__(self, "read_source_id", reader(self.source_id))
        object.__setattr__(self, "read_element", reader(self.element) if self.element else None)
        object.__setattr__(self, "fast", stream_code(self))

    def map_records(self, records: Sequence[Mapping[str, Any]]) -> list[RecordOutcome]:
        if self.fast is None:
            return self.map_records_by_rule(records)
        return mapped_fast(self.fast, self.source_records(records), self.map_record)

    def map_records_by_rule(self, records: Sequence[Mapping[str, Any]]) -> list[RecordOutcome]:
        """The reference `map_records`: every record through `map_record`."""
        return [o for record, rows in self.source_records(records) for o in self.map_record(record, rows)]

    def source_records(self, records: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], int]]:
        """Raw rows as source records with their row counts: gathered forms, or each row alone."""
        if self.gather is None:
            return [(record, 1) for record in records]
        return gather_forms(records, self.gather)

    def map_record(self, record: Mapping[str, Any], source_rows: int = 1) -> list[RecordOutcome]:
        """The record's outcome; a record evidencing several elements is mapped once per element."""
        if type(record) is not dict and not isinstance(record, Mapping):
            return [Quarantined("record is not an object", canonical_hash(record), None, source_rows)]
        source_id, problems = self._source_id(record)
        values: dict[str, Any] = {"authority": self.authority}
        elements: list[str] | None = None
        if self.element is not None and self.read_element is not None:
            try:
                decided = self.read_element(record)
            except NoElement as nothing:
                return [NotPracticeEvidence(source_id, _type_text(nothing.args[0]), source_rows)]
            except RuleFailure as exc:
                problems.append(self._reason(self.element, exc))
            else:
                if isinstance(decided, list):
                    elements = decided
                values[ELEMENT_FIELD] = decided
        for name, read in self.readers:
            try:
                values[name] = read(record)
            except RuleFailure as exc:
                problems.append(f"{name}: {exc}")
        problems.extend(self.case_fields.settle(values, record))
        if self.audit_fields is not None:
            problems.extend(self.audit_fields.settle(values))
        if not problems:
            assert source_id is not None
            mapped = self._checked(values, source_id, elements, source_rows, problems)
            if mapped is not None:
                return list(mapped)
        row_ids = tuple(element_row_id(source_id, e) for e in elements or ()) if source_id else ()
        return [Quarantined("; ".join(problems), canonical_hash(record), source_id, source_rows, row_ids)]

    def _checked(
        self,
        values: dict[str, Any],
        source_id: str,
        elements: list[str] | None,
        source_rows: int,
        problems: list[str],
    ) -> list[Mapped] | None:
        """The record's rows if they pass the schema and the plausible dates, else None with the
        reasons added to `problems`."""
        try:
            if elements is None:
                mapped = [self._mapped(values, source_id, source_id, source_rows)]
            elif overflow := row_id_overflow(source_id, elements):
                problems.append(overflow)
                return None
            else:
                mapped = self._mapped_rows(values, source_id, elements, source_rows)
        except ValidationError as exc:
            problems.extend(validation_reasons(exc))
            return None
        if self.dates is not None:
            problems.extend(self.dates.outside(mapped[0].record, self.date_fields))
        return None if problems else mapped

    def _mapped_rows(
        self, values: dict[str, Any], source_id: str, elements: list[str], source_rows: int
    ) -> list[Mapped]:
        """One evidence row per element, each keyed by the record and the element; the record's
        rows are counted once, on its first."""
        return [
            self._mapped(
                {**values, ELEMENT_FIELD: element},
                source_id,
                element_row_id(source_id, element),
                source_rows if index == 0 else 0,
            )
            for index, element in enumerate(elements)
        ]

    def source_type(self, record: Mapping[str, Any]) -> str | None:
        """The value the element rule decides by (template name, step type, design GUID)."""
        if self.element is None or not self.element.source.paths() or not isinstance(record, Mapping):
            return None
        return _type_text(self.element.source.read(record))

    def _source_id(self, record: Mapping[str, Any]) -> tuple[str | None, list[str]]:
        try:
            raw = self.read_source_id(record)
        except RuleFailure as exc:
            return None, [self._reason(self.source_id, exc)]
        stored = self.identifiers.reference(raw)
        if stored is None:
            return None, [
                f"source_id: longer than {MAX_REF_LENGTH} characters, the most a reference may have"
            ]
        return stored, []

    def _mapped(self, values: dict[str, Any], source_id: str, row_id: str, source_rows: int) -> Mapped:
        identifiers = self.identifiers
        if identifiers.pseudonymises_cases:
            values["case_ref"] = identifiers.case_ref(values["case_ref"])
        if "worker" in values:
            values["worker"] = identifiers.worker(values["worker"])
        if self.keyed_rows:
            values["source_id"] = row_id
        record = self.validate(values)
        return Mapped(record, source_id, self.hash_content(record), source_rows)

    @staticmethod
    def _reason(rule: CompiledField, exc: RuleFailure) -> str:
        return f"{rule.name}: {exc}"


@dataclass(frozen=True)
class CompiledMapping:
    """An authority's mapping, compiled once per run."""

    authority: str
    streams: Mapping[str, CompiledStream]
    catalogue: tuple[str, ...] = ()
    reachable_elements: frozenset[str] | None = None
    """Every element some rule can give (None: the source's values decide); others are never evidenced."""

    def map_batch(self, stream: str, records: Sequence[Mapping[str, Any]]) -> list[RecordOutcome]:
        """One outcome per source record, in source order (gathered forms count as one record)."""
        return self.stream(stream).map_records(records)

    def stream(self, name: str) -> CompiledStream:
        if name not in self.streams:
            raise KeyError(f"no mapping for stream {name!r}; mapped streams: {sorted(self.streams)}")
        return self.streams[name]


def compile_mapping(
    spec: AuthorityMapping,
    *,
    authority: str,
    elements: Iterable[str],
    identifiers: IdentifierPolicy | None = None,
    key: bytes | None = None,
    dates: DateWindow | None = None,
    audit_scale: AuditScale | None = None,
) -> CompiledMapping:
    """Check the mapping against the schema, catalogue and audit scale, and build its rules.

    `key` is the authority's pseudonym key, needed when the identifier policy pseudonymises.
    Problems carry key paths from the top of the authority file (`mapping.cases...`, `identifiers`).
    """
    catalogue = tuple(elements)
    problems = [
        ConfigProblem(("mapping", *p.path), p.message) for p in mapping_problems(spec, catalogue, audit_scale)
    ]
    try:
        ids = Identifiers(identifiers or IdentifierPolicy(), key)
    except ValueError as exc:
        problems.append(ConfigProblem(("identifiers",), str(exc)))
    if problems:
        raise MappingConfigError(problems)
    zone = ZoneInfo(spec.timezone)
    streams = {
        name: _compile_stream(name, authority, stream, STREAM_TARGETS[name], ids, zone, dates, audit_scale)
        for name, stream in spec.streams().items()
    }
    return CompiledMapping(authority, streams, catalogue, elements_mapped(spec))


def _compile_stream(
    name: str,
    authority: str,
    spec: StreamMapping,
    target: type[Record],
    ids: Identifiers,
    zone: ZoneInfo,
    dates: DateWindow | None = None,
    audit_scale: AuditScale | None = None,
) -> CompiledStream:
    fields = [
        _compile_field(field, rule, target, zone)
        for field, rule in spec.fields.items()
        if not (field == "worker" and ids.drops_worker)
    ]
    element = next((f for f in fields if f.decides_element), None)
    source_id = CompiledField(
        "source_id", _source(spec.source_id), AsText(), FieldKind.TEXT, zone, required=True
    )
    return CompiledStream(
        name=name,
        authority=authority,
        target=target,
        gather=spec.gather,
        source_id=source_id,
        element=element,
        fields=tuple(f for f in fields if f is not element),
        identifiers=ids,
        hash_excludes=spec.system_derived(),
        case_fields=CaseFields.of(ids, spec.unlisted_team),
        dates=dates,
        audit_fields=(
            AuditFields(audit_scale.grading(), tuple(area_fields(spec)))
            if target is Audit and audit_scale is not None
            else None
        ),
    )


def _compile_field(name: str, rule: FieldRule, target: type[BaseModel], zone: ZoneInfo) -> CompiledField:
    if name.startswith(AREA_PREFIX):  # an audit's area grade: a code on the scale, like its grade
        kind, required = FieldKind.TEXT, rule.required
    else:
        info = target.model_fields[name]
        kind, required = field_kind(info.annotation), rule.required or info.is_required()
    has_default = "default" in rule.model_fields_set
    transform = _transform(rule, kind)
    if kind is FieldKind.LIST and not rule.is_const:
        # The default stands in for an item the map does not know; for the whole field, no items.
        transform = EachItem(rule.split, transform, rule.default, has_default)
        has_default = False
    return CompiledField(
        name=name,
        source=_source(rule),
        transform=transform,
        kind=kind,
        zone=zone,
        default=rule.default if kind is not FieldKind.LIST else None,
        has_default=has_default,
        required=required,
        decides_element=name == ELEMENT_FIELD,
    )


def _source(rule: FieldRule) -> Source:
    if rule.is_const:
        return ConstSource(rule.const)
    if rule.path is not None:
        return PathSource(rule.path)
    return FirstOfSource(tuple(PathSource(p) for p in rule.first_of or []))


_PLAIN_BY_KIND: dict[FieldKind, Transform] = {
    FieldKind.TEXT: AsText(),
    FieldKind.NUMBER: AsScale(),
    FieldKind.DATE: ParseTime(IsoFormat()),
    FieldKind.DATETIME: ParseTime(IsoFormat()),
    FieldKind.LIST: AsText(),
}


def _transform(rule: FieldRule, kind: FieldKind) -> Transform:
    if rule.is_const:
        return Unchanged()
    if rule.value_map is not None:
        return ValueMap(dict(rule.value_map))
    if rule.patterns is not None:
        return PatternPick(
            tuple(
                GlobPattern(p.match, p.output)
                if p.match is not None
                else RegexPattern(re.compile(p.regex or ""), p.output)
                for p in rule.patterns
            )
        )
    time_spec = rule.date_format or rule.datetime_format
    if time_spec is not None:
        return ParseTime(time_format(time_spec))
    if rule.number:
        return AsScale()
    # A bare path still reads as the schema field's kind: ISO dates, whole numbers, text.
    return _PLAIN_BY_KIND[kind]


def _type_text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return as_text(value)
    except RuleFailure:
        return describe(value)
