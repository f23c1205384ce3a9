"""Form-answer tables (one row per answer) are gathered into one source record per form."""

from __future__ import annotations

from typing import Any

from mapping.gather import gather_forms
from mapping.outcomes import Mapped, OutcomeCounts, Quarantined
from mapping.spec import Gather
from tests.mapping.builders import a_spec, compiled

GATHER = Gather(by="FORM_ID", question="Q", answer="A")


def answer_row(form: Any, question: Any, answer: Any, **columns: Any) -> dict[str, Any]:
    return {"FORM_ID": form, "CHILD": "C1", "ON": "2024-03-01", "Q": question, "A": answer, **columns}


def test_a_forms_rows_become_one_record_with_its_answers_and_row_count() -> None:
    rows = [answer_row(1, "SCALE", "6"), answer_row(1, "GOAL", "Sleeps safely"), answer_row(2, "SCALE", "3")]
    forms = gather_forms(rows, GATHER)
    assert forms == [
        (
            {
                "FORM_ID": 1,
                "CHILD": "C1",
                "ON": "2024-03-01",
                "answers": {"SCALE": "6", "GOAL": "Sleeps safely"},
            },
            2,
        ),
        ({"FORM_ID": 2, "CHILD": "C1", "ON": "2024-03-01", "answers": {"SCALE": "3"}}, 1),
    ]


def test_a_gathered_form_keeps_its_first_rows_columns() -> None:
    rows = [answer_row(1, "A1", "x", ANSWERED="2024-03-01"), answer_row(1, "A2", "y", ANSWERED="2024-03-09")]
    ((form, _),) = gather_forms(rows, GATHER)
    assert form["ANSWERED"] == "2024-03-01"


def test_the_first_answer_column_with_a_value_is_the_answer() -> None:
    gather = Gather(by="FORM_ID", question="Q", answer=["text_answer", "number_answer", "date_answer"])
    rows = [
        {"FORM_ID": 1, "Q": "SCALE", "text_answer": None, "number_answer": 7, "date_answer": None},
        {"FORM_ID": 1, "Q": "MET", "text_answer": "", "number_answer": None, "date_answer": "2024-03-01"},
    ]
    ((form, rows_read),) = gather_forms(rows, gather)
    assert form == {"FORM_ID": 1, "answers": {"SCALE": 7, "MET": "2024-03-01"}}
    assert rows_read == 2


def test_a_questions_first_answer_wins_over_later_repeats() -> None:
    rows = [answer_row(1, "SCALE", None), answer_row(1, "SCALE", "4"), answer_row(1, "SCALE", "9")]
    ((form, _),) = gather_forms(rows, GATHER)
    assert form["answers"] == {"SCALE": "4"}


def test_a_forms_rows_are_gathered_even_when_the_source_interleaves_them() -> None:
    rows = [answer_row(1, "A", "x"), answer_row(2, "A", "y"), answer_row(1, "B", "z")]
    assert [(f["FORM_ID"], f["answers"], n) for f, n in gather_forms(rows, GATHER)] == [
        (1, {"A": "x", "B": "z"}, 2),
        (2, {"A": "y"}, 1),
    ]


def test_form_ids_of_different_types_but_equal_value_are_one_form() -> None:
    rows = [answer_row(1, "A", "x"), answer_row("1", "B", "y")]
    assert len(gather_forms(rows, GATHER)) == 1


def test_a_row_without_a_form_id_stands_alone_and_is_quarantined() -> None:
    spec = a_spec(
        evidence={
            "gather": {"by": "FORM_ID", "question": "Q", "answer": "A"},
            "source_id": {"path": "FORM_ID"},
        }
    )
    rows = [answer_row(None, "A", "x"), answer_row(None, "B", "y"), answer_row(5, "A", "z")]
    outcomes = compiled(spec).map_batch("evidence", rows)
    assert [type(o) for o in outcomes] == [Quarantined, Quarantined, Mapped]
    reason = outcomes[0].reason  # type: ignore[union-attr]
    assert reason == (
        "source_id: no value at FORM_ID, and the field is required: "
        "fill it in the source or read another column"
    )


def test_gathered_forms_are_the_unit_and_their_rows_still_add_up() -> None:
    spec = a_spec(
        evidence={
            "gather": {"by": "FORM_ID", "question": "Q", "answer": "A"},
            "source_id": {"path": "FORM_ID"},
            "fields": {"scale_value": {"path": "answers.SCALE", "number": True}},
        }
    )
    rows = [
        answer_row(1, "SCALE", "6"),
        answer_row(1, "NOTE", "x"),
        answer_row(1, "NOTE2", "y"),
        answer_row(2, "SCALE", "eleventy"),
        answer_row(2, "NOTE", "x"),
    ]
    outcomes = compiled(spec).map_batch("evidence", rows)
    assert OutcomeCounts.of(outcomes) == OutcomeCounts(
        records=2, mapped=1, not_practice_evidence=0, quarantined=1, source_rows=5
    )
    assert outcomes[0].record.scale_value == 6  # type: ignore[union-attr]
