"""Compiling an authority's mapping for a run, with its pseudonym key resolved at that moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from config.authority import Authority
from config.errors import ConfigError
from config.secrets import SecretError, resolve_secret
from mapping.checks import MappingConfigError
from mapping.identifiers import Identifiers
from mapping.mapper import CompiledMapping, compile_mapping
from mapping.outcomes import canonical_hash


def pseudonym_key(authority: Authority) -> bytes | None:
    """The authority's pseudonym key, read from its env or file reference; None when not needed."""
    policy = authority.file.identifiers
    if policy.key_env is None and policy.key_file is None:
        return None
    try:
        return resolve_secret(env=policy.key_env, file=policy.key_file).encode("utf-8")
    except SecretError as exc:
        raise ConfigError([f"{authority.path}: identifiers: {exc}"]) from None


def compile_for(authority: Authority, elements: Sequence[str], today: date | None = None) -> CompiledMapping:
    """The run's mapping; with `today`, dates outside the authority's plausible window are quarantined."""
    try:
        return compile_mapping(
            authority.file.mapping,
            authority=authority.code,
            elements=elements,
            identifiers=authority.file.identifiers,
            key=pseudonym_key(authority),
            dates=authority.file.plausible_dates.window(today) if today else None,
            audit_scale=authority.file.audit_scale,
        )
    except MappingConfigError as exc:
        raise ConfigError([f"{authority.path}: {problem}" for problem in exc.problems]) from None


def identifiers_for(authority: Authority) -> Identifiers:
    """The authority's identifier policy with its key: how its references are stored and shown."""
    return Identifiers(authority.file.identifiers, pseudonym_key(authority))


def stored_case_ref(authority: Authority, source_ref: str) -> str:
    """The case reference as the store holds it: the LA's own, or its pseudonym under the LA's key."""
    return identifiers_for(authority).case_ref(source_ref)


def stream_config_hash(authority: Authority, stream: str) -> str:
    """A fingerprint of how the stream is read: a saved position is only good for the configuration
    it was made with (a page cursor of another query or filter sends the source nonsense).

    The connector block with only this stream's own settings, so editing one stream leaves the
    other's position alone; secrets are references in the block, never values.
    """
    block = authority.connector_config.model_dump(mode="json")
    streams = block.get("streams")
    if isinstance(streams, dict):
        block["streams"] = {stream: streams.get(stream)}
    return canonical_hash({"type": authority.file.connector.type, "connector": block})
