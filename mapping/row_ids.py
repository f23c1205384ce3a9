"""The identity of an evidence row: the record's id, and its element when it evidences several."""

from __future__ import annotations

from mapping.identifiers import MAX_REF_LENGTH

ELEMENT_ROW_SEPARATOR = "#"


def element_row_id(source_id: str, element: str) -> str:
    """The evidence row's identity when one source record evidences several elements."""
    return f"{source_id}{ELEMENT_ROW_SEPARATOR}{element}"


def row_id_overflow(source_id: str, elements: list[str]) -> str | None:
    """Why a record's per-element rows cannot be keyed, when an id that fits grows past the limit."""
    longest = max(elements, key=len)
    if len(element_row_id(source_id, longest)) <= MAX_REF_LENGTH:
        return None
    return (
        f"source_id: {len(source_id)} characters, and a record evidencing several elements is stored "
        f"as a row per element keyed by its id and '{ELEMENT_ROW_SEPARATOR}{longest}', past the "
        f"{MAX_REF_LENGTH} characters a reference may have: map source_id from a shorter column"
    )
