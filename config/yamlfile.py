"""Reading YAML config files strictly: a duplicated key is an error, never silently the last one.

Aliases (`*name`) are refused before a document is constructed: nine levels of nested aliases
expand to billions of values (a "billion laughs"), and config files have no need of them. Composing
is safe (an alias is the node it names, shared, not copied), so a file is composed once, and only a
graph with a shared node, or a file that failed, is parsed again to name its first alias or error
where it stands, as a parse of its events alone always did. libyaml's parser is used where PyYAML
has it: every command reads every authority file, and the pure-Python parser takes about ten times
as long over each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml

from config.errors import ConfigError

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: the same loader in Python
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _StrictLoader(_SafeLoader):
    """Our own subclass, so the duplicate-key rule below is added to it, not to PyYAML's loader."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


MAX_CONFIG_BYTES = 1_000_000
"""A settings or authority file is a few kilobytes; one past a megabyte is a mistake (a data file
saved under the wrong name) and would take minutes to parse before being refused anyway."""


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse one config file that must hold a mapping at its top level."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(
                [f"{path}: larger than {MAX_CONFIG_BYTES // 1_000_000} MB; a config file is a few kilobytes"]
            )
        text = raw.decode("utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"]) from None
    try:
        data = _load_without_aliases(text)
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {_without_snippet(exc)}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of keys at the top level, got {type(data).__name__}"])
    return data


def _load_without_aliases(text: str) -> Any:
    loader = _StrictLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            _refuse_aliases(text)  # an alias before the error is named first, as it always was
            raise
        if node is None:
            return None
        if _shares_a_node(node):
            _refuse_aliases(text)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _shares_a_node(root: yaml.Node) -> bool:
    """Whether any node is reached twice, which only an alias does; stops at the first, so a billion
    laughs is never walked through."""
    seen: set[int] = set()
    waiting: list[yaml.Node] = [root]
    while waiting:
        node = waiting.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                waiting += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            waiting += node.value
    return False


def _refuse_aliases(text: str) -> None:
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed in config files; write the value out",
                cast(yaml.Mark, event.start_mark),  # libyaml's mark, with the same fields
            )


def _without_snippet(error: yaml.YAMLError) -> str:
    """The problem and where it is, without PyYAML's copy of the line: it may hold a typed secret."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return f"{error.problem or error.context or 'syntax error'}{where}"
    return type(error).__name__
