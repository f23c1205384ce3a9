"""Finds connector types through the `sofs_sync.connectors` entry-point group, built-ins included."""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, create_model

from connectors.base import Connector

GROUP = "sofs_sync.connectors"


class UnknownConnectorType(LookupError):
    pass


class MisdeclaredConnectorType(TypeError):
    """A connector type whose config model's `type` field names another type."""


@cache
def _entry_points() -> dict[str, EntryPoint]:
    """Scanned once per process: the scan reads every installed package's metadata (a few ms), and
    a folder of authorities asks for several types."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def forget_installed() -> None:
    """Scan again on next use, for a process that installs a connector type while it runs."""
    _entry_points.cache_clear()
    connector_type.cache_clear()


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


def typed_config_model(name: str, cls: type[Connector]) -> type[BaseModel]:
    """The type's config model with `type: Literal[name]`, which the schema tells types apart by.

    A plug-in's model may leave `type` out (loading strips it before validating); it is added here.
    A `type` that says anything but this entry point's name is refused in one line.
    """
    model = cls.config_model
    declared = model.model_fields.get("type")
    if declared is None:
        literal: Any = Literal[name]  # built at run time from the entry point's name
        return create_model(model.__name__, __base__=model, __doc__=model.__doc__, type=(literal, name))
    if get_origin(declared.annotation) is not Literal or get_args(declared.annotation) != (name,):
        raise MisdeclaredConnectorType(
            f"connector type {name!r}: {model.__name__}.type must be Literal[{name!r}], "
            "the entry point's name, or be left out"
        )
    return model
