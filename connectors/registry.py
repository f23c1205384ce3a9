"""Finds connector types through the `sofs_sync.connectors` entry-point group, built-ins included."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from connectors.base import Connector

GROUP = "sofs_sync.connectors"


class UnknownConnectorType(LookupError):
    pass


@cache
def available() -> dict[str, type[Connector]]:
    """Every installed connector type by name; loaded once per process."""
    found: dict[str, type[Connector]] = {}
    for ep in entry_points(group=GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise TypeError(f"entry point {ep.name!r} in {GROUP} is not a Connector subclass")
        found[ep.name] = cls
    return found


def connector_type(name: str) -> type[Connector]:
    types = available()
    if name not in types:
        raise UnknownConnectorType(f"unknown connector type {name!r}; installed types: {sorted(types)}")
    return types[name]
