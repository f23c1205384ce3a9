"""docs/reference.md, generated from the same pydantic models that validate the config files.

`python -m config.reference --write` regenerates it; a test fails when the two drift apart.
Each option has its type, its default (or "required"), an example and what it does.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from pathlib import Path
from typing import Any

from config.schema import authority_schema, settings_schema

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference.md"


def generate() -> str:
    """The whole reference page as Markdown."""
    lines = [
        "# Option reference",
        "",
        "Every option of an authority file and of the settings file, with its type, default and an example.",
        "Generated from the models that validate the files (`python -m config.reference --write`); do not",
        "edit by hand. `sofs-sync schema` (and `sofs-sync schema --settings`) print the same as JSON Schema,",
        "for an editor's YAML completion. A secret is always a pair `<name>_env` or `<name>_file`, never",
        "a value; a relative path (`folder`, `ca_bundle`, `*_file`, a SQLite `url`) is relative to the",
        "file that names it. Neither rule reads the `mapping:` block, whose keys are source words.",
        "",
    ]
    lines += _document("Authority file", authority_schema())
    lines += _document("Settings file", settings_schema())
    return "\n".join(lines).rstrip() + "\n"


def _document(title: str, schema: dict[str, Any]) -> list[str]:
    definitions = schema.get("$defs", {})
    lines = [f"## {title}", "", *_section(title, schema, definitions, top=True)]
    seen: set[str] = set()
    queue = deque(_refs(schema))
    while queue:
        name = queue.popleft()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        node = definitions[name]
        queue.extend(_refs(node))
        if "properties" in node:
            lines += [f"### {name}", "", *_section(name, node, definitions)]
        elif "enum" in node:
            values = ", ".join(f"`{v}`" for v in node["enum"])
            lines += [f"### {name}", "", f"One of {values}.", ""]
    return lines


def _section(name: str, node: dict[str, Any], definitions: dict[str, Any], top: bool = False) -> list[str]:
    lines = []
    if node.get("description"):
        lines += [" ".join(node["description"].split()), ""]
    required = set(node.get("required", []))
    lines += ["| option | type | default | example | what it does |", "|---|---|---|---|---|"]
    for key, prop in node.get("properties", {}).items():
        if key in required:
            default = "required"
        else:
            default = _value(prop["default"]) if "default" in prop else "optional"
        about = " ".join(str(prop.get("description", "")).split())
        lines.append(f"| `{key}` | {_type(prop)} | {default} | {_example(prop)} | {_cell(about)} |")
    return [*lines, ""]


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value.rsplit("/", 1)[-1])
            elif key != "$defs":
                found += _refs(value)
    elif isinstance(node, list):
        for item in node:
            found += _refs(item)
    return found


def _type(prop: dict[str, Any]) -> str:  # noqa: PLR0911 - one return per JSON Schema shape
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return " or ".join(f"`{v}`" for v in prop["enum"])
    members = prop.get("anyOf") or prop.get("oneOf")
    if members:
        kinds = [_type(m) for m in members if m.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds)) or "null"
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        values = prop.get("additionalProperties")
        return f"map of {_type(values)}" if isinstance(values, dict) and values else "map"
    if kind == "string" and prop.get("format") == "date-time":
        return "date-time"
    return str(kind or "any")


def _example(prop: dict[str, Any]) -> str:
    if prop.get("examples"):
        return _value(prop["examples"][0])
    if "const" in prop:
        return _value(prop["const"])
    if "default" in prop and prop["default"] not in (None, {}, []):
        return _value(prop["default"])
    return "see its section" if "$ref" in json.dumps(prop) else ""


def _value(value: Any) -> str:
    if value is None:
        return "none"
    return _cell(f"`{json.dumps(value)}`" if not isinstance(value, str) else f"`{value}`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        REFERENCE.write_text(generate(), encoding="utf-8")
        return 0
    sys.stdout.write(generate())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
