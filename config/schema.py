"""JSON Schemas of the config files, from the pydantic models, for editors and the option reference.

An authority file's `connector:` block is validated by its connector type's own model; here it is
one of the installed types' models, chosen by `type`, so an editor completes and checks it too.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, create_model

from config.authority import AuthorityFile
from config.errors import ConfigError
from config.option_text import ABOUT, EXAMPLES
from config.settings import SettingsFile
from connectors.registry import MisdeclaredConnectorType, available, typed_config_model

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@cache
def authority_model() -> type[BaseModel]:
    """The authority file's model with `connector:` as a union of every installed connector type."""
    try:
        models = [typed_config_model(name, cls) for name, cls in available().items()]
    except MisdeclaredConnectorType as exc:
        raise ConfigError([str(exc)]) from None
    connector: Any = Annotated[Union[tuple(models)], Field(discriminator="type")]  # noqa: UP007 - built at run time
    return create_model(
        "AuthorityFile", __base__=AuthorityFile, __doc__=AuthorityFile.__doc__, connector=connector
    )


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema, each option carrying a description and an example an editor can show."""
    schema = model.model_json_schema(by_alias=True)
    for node in [schema, *schema.get("$defs", {}).values()]:
        for key, prop in node.get("properties", {}).items():
            if not prop.get("description") and key in ABOUT:
                prop["description"] = ABOUT[key]
            if key in EXAMPLES and not prop.get("examples"):
                prop["examples"] = [EXAMPLES[key]]
    return {"$schema": SCHEMA_DIALECT, **schema}


def authority_schema() -> dict[str, Any]:
    return json_schema(authority_model())


def settings_schema() -> dict[str, Any]:
    return json_schema(SettingsFile)
