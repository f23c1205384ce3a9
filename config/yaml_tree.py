"""Fast twin of config.yamlfile's reference load (alias check, then PyYAML's SafeConstructor); held
equal by tests/core/test_yaml_tree.py.

A config file is plain mappings, lists and scalars. Those are built here in one walk that also
meets every node once, so a node reached twice (an alias) is found on the way; scalars other than
text are still built by the loader's own constructors. Anything else, and any error at all, is left
to the reference, which then gives exactly its own answer or message: this twin only ever returns
a value the reference would return, or declines.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_OTHER_SCALARS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float", "timestamp")
)
"""Scalar tags whose constructors build a value at once; any other tag is the reference's to judge."""


class Declined(Exception):
    """The document is not one this twin builds; the reference load decides."""


def plain_tree(loader: yaml.constructor.SafeConstructor, root: yaml.Node) -> Any:
    """The document under `root` as the reference builds it, or Declined.

    Mappings are filled level by level, as the reference does, though only the result is compared.
    """
    seen: set[int] = set()
    waiting: deque[tuple[yaml.Node, Any]] = deque()

    def value_of(node: yaml.Node) -> Any:
        if id(node) in seen:
            raise Declined  # an alias: the reference names it where it stands
        seen.add(id(node))
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == _STR:
                return node.value
            if tag in _OTHER_SCALARS:
                return loader.construct_object(node)
        elif isinstance(node, yaml.MappingNode) and tag == _MAP:
            mapping: dict[Any, Any] = {}
            waiting.append((node, mapping))
            return mapping
        elif isinstance(node, yaml.SequenceNode) and tag == _SEQ:
            items: list[Any] = []
            waiting.append((node, items))
            return items
        raise Declined

    try:
        top = value_of(root)
        while waiting:
            node, into = waiting.popleft()
            if isinstance(into, list):
                into.extend(value_of(item) for item in node.value)
                continue
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise Declined
                key = value_of(key_node)
                if key in into:
                    raise Declined  # a duplicated key: the reference names it
                into[key] = value_of(value_node)
    except Declined:
        raise
    except Exception:  # noqa: BLE001  # whatever went wrong, the reference says it in its own words
        raise Declined from None
    return top
