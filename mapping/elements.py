"""The element catalogue: which practice elements a whiteboard shows, as data an LA can change."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Element(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: str
    description: str = ""


DEFAULT_ELEMENTS: tuple[Element, ...] = (
    Element(
        key="mapping",
        label="Mapping",
        description="Assessment and planning map: worries, what's working well, what needs to happen",
    ),
    Element(key="harm_statement", label="Harm statement", description="A written statement of past harm"),
    Element(
        key="danger_statement", label="Danger statement", description="The harm likely if nothing changes"
    ),
    Element(key="safety_goal", label="Safety goal", description="A safety or wellbeing goal"),
    Element(key="safety_scale", label="Safety scale", description="A 0-10 safety scaling judgement"),
    Element(
        key="work_with_children",
        label="Work with children",
        description="Three Houses, Wizards and Fairies, Safety House",
    ),
    Element(
        key="words_and_pictures",
        label="Words and Pictures",
        description="A Words and Pictures explanation for the child",
    ),
    Element(
        key="safety_network",
        label="Safety network",
        description="A naturally connected safety network identified or met",
    ),
    Element(
        key="safety_plan", label="Safety plan", description="A safety plan agreed with family and network"
    ),
)

DEFAULT_ELEMENT_KEYS: tuple[str, ...] = tuple(e.key for e in DEFAULT_ELEMENTS)


class CatalogueChanges(BaseModel):
    """How a settings file changes the default catalogue: relabel, drop or add elements."""

    model_config = ConfigDict(extra="forbid")

    relabel: dict[str, str] = Field(default_factory=dict)
    drop: list[str] = Field(default_factory=list)
    add: list[Element] = Field(default_factory=list)


def build_catalogue(changes: CatalogueChanges | None = None) -> tuple[Element, ...]:
    """Apply an LA's changes to the default catalogue; unknown keys are an error, not ignored."""
    changes = changes or CatalogueChanges()
    known = {e.key for e in DEFAULT_ELEMENTS}
    for key in [*changes.relabel, *changes.drop]:
        if key not in known:
            raise ValueError(f"unknown element {key!r}; expected one of {sorted(known)}")
    clashes = known & {e.key for e in changes.add}
    if clashes:
        raise ValueError(f"added elements {sorted(clashes)} already exist; relabel them instead")
    kept = [
        e.model_copy(update={"label": changes.relabel.get(e.key, e.label)})
        for e in DEFAULT_ELEMENTS
        if e.key not in changes.drop
    ]
    return (*kept, *changes.add)
