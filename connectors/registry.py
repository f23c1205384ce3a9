"""Finds connector types through the `sofs_sync.connectors` entry-point group, built-ins included."""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from connectors.base import Connector

GROUP = "sofs_sync.connectors"


class UnknownConnectorType(LookupError):
    pass


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def _load(ep: EntryPoint) -> type[Connector]:
    cls = ep.load()
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"entry point {ep.name!r} in {GROUP} is not a Connector subclass")
    return cls


def available() -> dict[str, type[Connector]]:
    """Every installed connector type by name (imports them all; `connector_type` imports one)."""
    return {name: connector_type(name) for name in sorted(_entry_points())}


@cache
def connector_type(name: str) -> type[Connector]:
    """The connector type registered under `name`, imported on first use only."""
    found = _entry_points()
    if name not in found:
        raise UnknownConnectorType(f"unknown connector type {name!r}; installed types: {sorted(found)}")
    return _load(found[name])
