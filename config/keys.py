"""Which keys a place in a config file may hold, and the nearest to one that was mistyped."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel


def unknown_key_message(model: type[BaseModel], location: Sequence[str | int]) -> str:
    """`unknown key 'nme'; did you mean 'name'? allowed here: type, send_in, name, ...`"""
    *parent, key = location
    allowed = allowed_keys(model.model_json_schema(by_alias=True), parent)
    message = f"unknown key {key!r}"
    nearest = _nearest(str(key), allowed)
    if nearest:
        message += f"; did you mean {nearest!r}?"
    if allowed:
        message += f"{'' if nearest else ';'} allowed here: {', '.join(allowed)}"
    return message


def _nearest(key: str, allowed: Sequence[str]) -> str | None:
    """The closest spelling, or a key the typed one contains (`header_name` for `name`)."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return close[0]
    within = sorted((k for k in allowed if len(k) > 2 and (k in key or key in k)), key=len, reverse=True)
    return within[0] if within else None


def allowed_keys(schema: dict[str, Any], location: Sequence[str | int]) -> list[str]:
    """The keys a mapping at `location` may hold, walking pydantic's error location through the schema.

    Union members appear in locations as their tag (`api_key`) or type name; a step that names no
    key is such a label and is passed over.
    """
    definitions = schema.get("$defs", {})
    nodes = [schema]
    for step in location:
        following = [n for node in nodes for n in _step(_resolve(node, definitions), step, definitions)]
        if following:
            nodes = following
    keys: list[str] = []
    for node in nodes:
        for member in _members(_resolve(node, definitions), definitions):
            keys += [k for k in member.get("properties", {}) if k not in keys]
    return keys


def _resolve(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = definitions[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _members(node: dict[str, Any], definitions: dict[str, Any]) -> list[dict[str, Any]]:
    if "anyOf" in node or "oneOf" in node:
        return [
            m
            for sub in node.get("anyOf", node.get("oneOf", []))
            for m in _members(_resolve(sub, definitions), definitions)
        ]
    return [node]


def _step(node: dict[str, Any], step: str | int, definitions: dict[str, Any]) -> list[dict[str, Any]]:
    tags = node.get("discriminator", {}).get("mapping", {})
    if isinstance(step, str) and step in tags:
        return [_resolve({"$ref": tags[step]}, definitions)]
    found = []
    for member in _members(node, definitions):
        if isinstance(step, int) and "items" in member:
            found.append(_resolve(member["items"], definitions))
        elif isinstance(step, str) and step in member.get("properties", {}):
            found.append(_resolve(member["properties"][step], definitions))
        elif isinstance(step, str) and isinstance(member.get("additionalProperties"), dict):
            found.append(_resolve(member["additionalProperties"], definitions))
    return found
