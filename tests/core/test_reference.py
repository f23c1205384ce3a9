"""docs/reference.md is generated from the config models, and unknown keys are answered with the
keys allowed where they were written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.errors import ConfigError
from config.loader import load_authority
from config.reference import REFERENCE, generate
from config.schema import authority_schema, settings_schema
from config.settings import load_settings
from tests.connectors.cms_databases import TEMPLATES


def test_the_reference_page_is_the_generated_text() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == generate(), (
        "docs/reference.md is out of date: run `python -m config.reference --write`"
    )


@pytest.mark.parametrize(
    "option",
    ["api_key_file", "cursor_path", "cursor_param", "param_format", "cursor_format", "start", "send_in"],
)
def test_the_reference_documents_options_that_once_had_to_be_guessed(option: str) -> None:
    rows = [line for line in generate().splitlines() if line.startswith(f"| `{option}` |")]
    assert rows, option
    assert all(row.split("|")[3].strip() for row in rows)  # a default (or "required") for each


def test_the_api_key_name_is_documented_as_the_header_that_carries_the_key() -> None:
    section = generate().split("### ApiKeyAuth", 1)[1].split("###", 1)[0]
    (row,) = [line for line in section.splitlines() if line.startswith("| `name` |")]
    assert row == (
        "| `name` | string | `X-API-Key` | `X-API-Key` | the header (or query parameter) the key is sent in |"
    )


@pytest.mark.parametrize("schema", [authority_schema, settings_schema], ids=["authority", "settings"])
def test_every_option_an_editor_completes_says_what_it_does(schema: Callable[[], dict[str, Any]]) -> None:
    document = schema()
    undescribed = [
        key
        for node in [document, *document.get("$defs", {}).values()]
        for key, prop in node.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert undescribed == []


def an_authority(tmp_path: Path, change: str, to: str) -> Path:
    settings = tmp_path / "sofs-sync.yaml"
    settings.write_text("store: {url: 'sqlite:///store.db'}\n")
    (tmp_path / "authorities").mkdir()
    text = (TEMPLATES / "rest.yaml").read_text()
    assert change in text
    path = tmp_path / "authorities" / "westshire.yaml"
    path.write_text(text.replace(change, to, 1))
    return path


@pytest.mark.parametrize(
    ("change", "to", "expected"),
    [
        (
            "    name: X-API-Key",
            "    header_name: X-API-Key",
            "connector.auth.api_key.header_name: unknown key 'header_name'; did you mean 'name'?",
        ),
        (
            "        page_param: page\n",
            "        page_parameter: page\n",
            "connector.streams.cases.pagination.page_number.page_parameter: unknown key 'page_parameter';"
            " did you mean 'page_param'?",
        ),
        (
            "        param_format: iso",
            "        param_fmt: iso",
            "connector.streams.cases.incremental.param_fmt: unknown key 'param_fmt';"
            " did you mean 'param_format'?"
            " allowed here: cursor_field, param, param_format, cursor_format, lookback, ahead_tolerance,"
            " start",
        ),
        (
            "      kind: {path: form_type,",
            "      kind: {pth: form_type,",
            "mapping.evidence.fields.kind.pth: unknown key 'pth'; did you mean 'path'?",
        ),
    ],
)
def test_an_unknown_key_is_answered_with_the_nearest_allowed_key(
    tmp_path: Path, change: str, to: str, expected: str
) -> None:
    path = an_authority(tmp_path, change, to)
    with pytest.raises(ConfigError) as error:
        load_authority(path, load_settings(tmp_path / "sofs-sync.yaml"))
    assert f"{path}: {expected}" in str(error.value)


def test_every_template_validates_against_the_published_schema() -> None:
    from config.schema import authority_model

    for template in sorted(TEMPLATES.glob("*.yaml")):
        authority_model().model_validate(yaml.safe_load(template.read_text()))
