"""Gather form-answer rows (one row per answer) into one source record per form.

Rows are grouped by the `by` value across the whole batch, in order of first appearance: the
connectors keep a form's rows in one batch, and grouping across the batch (not only consecutive
rows) also copes with a source that does not sort answers within a form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mapping.paths import split_path, walk
from mapping.spec import Gather
from mapping.values import RuleFailure, as_text, is_missing


def gather_forms(rows: Sequence[Mapping[str, Any]], spec: Gather) -> list[tuple[Mapping[str, Any], int]]:
    """Each form's record with the number of rows it came from, in source order.

    A row without a usable `by` value stands alone, so mapping can quarantine it with a reason.
    """
    groups: dict[tuple[str, Any], list[Mapping[str, Any]]] = {}
    by = split_path(spec.by)
    for index, row in enumerate(rows):
        groups.setdefault(_group_key(row, by, index), []).append(row)
    return [(_form(group, spec), len(group)) for group in groups.values()]


def _group_key(row: Any, by: tuple[str, ...], index: int) -> tuple[str, Any]:
    if isinstance(row, Mapping):
        value = walk(row, by)
        if not is_missing(value):
            try:
                return ("form", as_text(value))
            except RuleFailure:
                pass
    return ("row", index)


def _form(rows: list[Mapping[str, Any]], spec: Gather) -> Mapping[str, Any]:
    first = rows[0]
    if not isinstance(first, Mapping):
        return first
    # The answer columns belong to one answer each; left on the form they would read as its own.
    spent = {spec.question, *spec.answer_paths}
    form: dict[str, Any] = {key: value for key, value in first.items() if key not in spent}
    question_path = split_path(spec.question)
    answer_paths = [split_path(p) for p in spec.answer_paths]
    answers: dict[str, Any] = {}
    for row in rows:
        question = _question(row, question_path)
        if question is None:
            continue
        answer = next((a for a in (walk(row, p) for p in answer_paths) if not is_missing(a)), None)
        if answers.get(question) is None:
            answers[question] = answer
    form["answers"] = answers
    return form


def _question(row: Any, path: tuple[str, ...]) -> str | None:
    if not isinstance(row, Mapping):
        return None
    value = walk(row, path)
    if is_missing(value):
        return None
    try:
        return as_text(value)
    except RuleFailure:
        return None
