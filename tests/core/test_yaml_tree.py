"""The fast build of a config file (config.yaml_tree) gives what the reference load gives, or
declines and leaves the answer, value or message, to the reference."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from config.errors import ConfigError
from config.yaml_tree import Declined, plain_tree
from config.yamlfile import _StrictLoader, load_by_reference, read_yaml
from tests.core.conftest import REPO

REPOSITORY_YAML = sorted(
    p
    for p in [*REPO.glob("config/**/*.y*ml"), *REPO.glob("examples/**/*.y*ml"), *REPO.glob("tests/**/*.y*ml")]
)


def built_by_twin(text: str) -> Any:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else plain_tree(loader, node)
    finally:
        loader.dispose()


@pytest.mark.parametrize("path", REPOSITORY_YAML, ids=lambda p: str(p.relative_to(REPO)))
def test_every_config_file_in_the_repository_is_built_as_the_reference_builds_it(path: Path) -> None:
    text = path.read_text()
    assert built_by_twin(text) == load_by_reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, 2.5, true, null, ~, 2024-02-29, 2024-02-29 10:30:00, '007', 0o17, 0x1f]\n",
        "nested: {deeper: {deepest: [a, {b: c}]}}\nempty_map: {}\nempty_list: []\n",
        "? complex key\n: value\n1: one\nfalse: no\nnull: nothing\n2024-01-01: a date\n",
        "folded: >\n  two\n  lines\nliteral: |\n  kept\n  as is\n",
        "tagged: !!str 12\nint_text: !!int '12'\nfloat: !!float 1\n",
    ],
)
def test_plain_documents_are_built_as_the_reference_builds_them(text: str) -> None:
    assert built_by_twin(text) == load_by_reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "base: &b {k: 1}\nother:\n  <<: *b\n",
        "other:\n  <<: {k: 1}\n  j: 2\n",
        "a: 1\na: 2\n",
        "outer: {a: 1, a: 2}\n",
        "? [1, 2]\n: listed key\n",
        "=: value key\n",
        "a: !!set {x, y}\n",
        "a: !!omap [{x: 1}]\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!python/name:os.system x\n",
        "a: !custom 1\n",
        "a: !!map x\n",
        "a: 2024-13-45\n",
    ],
)
def test_anything_else_is_declined_and_left_to_the_reference(text: str) -> None:
    with pytest.raises(Declined):
        built_by_twin(text)


def test_a_merge_key_is_refused_as_the_reference_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("other:\n  <<: {k: 1}\n  j: 2\n")
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    with pytest.raises(yaml.constructor.ConstructorError, match=r"tag:yaml\.org,2002:merge"):
        load_by_reference(path.read_text())
    assert caught.value.problems == [
        f"{path}: not valid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:merge' at line 2, column 3"
    ]


def test_an_error_the_twin_declines_is_named_by_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text("outer:\n  a: 1\n  a: 2\n")
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    assert caught.value.problems == [f"{path}: not valid YAML: duplicate key 'a' at line 3, column 3"]


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.dates(min_value=date(1900, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
)
keys = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.dates())
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), documents, max_size=5), st.booleans())
def test_any_dumped_document_is_built_as_the_reference_builds_it(data: dict[str, Any], flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    try:
        twin = built_by_twin(text)
    except Declined:
        return  # the reference answers instead; nothing to compare
    assert twin == load_by_reference(text)
