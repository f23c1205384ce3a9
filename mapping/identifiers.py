"""Per-authority identifier policy, and the keyed pseudonyms that stand in for people's references.

A plain hash of a case number or staff id is reversible by hashing every plausible id, so
pseudonyms are HMAC-SHA256 under a key only the authority holds. The same key always gives the
same pseudonym, so records still join; an auditor with the key can find a source reference's
pseudonym (`pseudonymise`), but nobody can go the other way.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

PSEUDONYM_PREFIX = "p_"
PSEUDONYM_HEX_DIGITS = 24
"""96 bits. An authority holds well under 10**8 distinct ids, so the chance that any two share a
pseudonym is below 10**-13 (birthday bound n**2 / 2**97); guessing is stopped by the key, not
the length. 26 characters also fit comfortably in the schema's 128-character references."""
_NAME_WORD = r"[^\W\d_]+(?:['.-][^\W\d_]+)*"
_PERSON_NAME = re.compile(rf"{_NAME_WORD}(?:[,.]?\s+{_NAME_WORD})+\.?")
"""Two or more words of letters, spaced (with the commas, full stops, apostrophes and hyphens names
carry): how a name looks, and how no staff id, login or code looks."""
WORKER_NAME_REASON = (
    "worker: holds words of letters and spaces, which looks like a person's name, not a worker id; "
    "a pseudonym of a name is still a name to whoever guesses it, so it is neither stored nor "
    "pseudonymised: map worker from a column of worker ids (ssd_involvements.invo_professional_id in "
    "the SSD), or set identifiers.worker: drop"
)
MIN_KEY_BYTES = 16
MAX_REF_LENGTH = 128
"""The store's reference columns; a longer source reference is unusable as a key and not kept."""
REFERENCE = "{reference}"
"""Where a message names a source reference. Only `Identifiers.told` fills it in, so every message
(quarantine reasons, `check` output, errors) shows a reference the one way the policy allows."""
WITHHELD = "one"
"""What stands for the reference where no policy is at hand: "lists child one twice" reads as meant."""


def withheld(message: str) -> str:
    """A message naming a reference, for a place that knows no identifier policy: the reference left out."""
    return message.replace(REFERENCE, WITHHELD)


class IdentifierPolicy(BaseModel):
    """The `identifiers:` block of an authority file.

    `case_ref`: keep the authority's own reference, or pseudonymise it (then record ids are
    pseudonymised too, since a stream's source id is often the same person id). `worker`:
    pseudonymised unless the authority turns that off, or dropped. The key is referenced, never
    written inline; whether it is there when needed is checked when the mapping is compiled.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_ref: Literal["keep", "pseudonymise"] = "keep"
    worker: Literal["pseudonymise", "keep", "drop"] = "pseudonymise"
    key_env: str | None = None
    key_file: str | None = None

    @property
    def needs_key(self) -> bool:
        return "pseudonymise" in (self.case_ref, self.worker)

    @model_validator(mode="after")
    def _one_key_reference(self) -> IdentifierPolicy:
        if self.key_env is not None and self.key_file is not None:
            raise ValueError("give the pseudonym key as key_env or key_file, not both")
        return self


def pseudonymise(key: bytes, value: str) -> str:
    """The pseudonym of one source reference under an authority's key (surrounding spaces ignored)."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the pseudonym key is {len(key)} bytes; it must be at least {MIN_KEY_BYTES}")
    digest = hmac.new(key, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_DIGITS]


@dataclass(frozen=True)
class Identifiers:
    """A policy with its key, applied to identifiers as they leave the mapper."""

    policy: IdentifierPolicy
    key: bytes | None
    pseudonymises_cases: bool = field(init=False, repr=False, compare=False)
    """The policy read once, not per record."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "pseudonymises_cases", self.policy.case_ref == "pseudonymise")
        if self.policy.needs_key:
            if self.key is None:
                raise ValueError(
                    "pseudonymising (worker ids are pseudonymised by default) needs the authority's key: "
                    f"set key_env or key_file to a secret of at least {MIN_KEY_BYTES} bytes "
                    "(e.g. from `openssl rand -hex 32`), or set worker: keep or drop"
                )
            pseudonymise(self.key, "")  # fail now on a short key, not on the first record

    def case_ref(self, value: str) -> str:
        return self._pseudonym(value) if self.pseudonymises_cases else value

    def source_id(self, value: str) -> str:
        return self.case_ref(value)

    def reference(self, value: str | None) -> str | None:
        """A source reference fit to store or print: the pseudonym under the policy, never an overlong one."""
        if value is None:
            return None
        stored = self.case_ref(value)  # `source_id`, without the extra call per record
        return stored if len(stored) <= MAX_REF_LENGTH else None

    def told(self, message: str, reference: str | None) -> str:
        """A message naming `reference` at REFERENCE: its pseudonym under pseudonymisation, the
        authority's own reference when kept, never one too long to store."""
        if reference is None or REFERENCE not in message:
            return withheld(message)
        return message.replace(REFERENCE, self.reference(reference) or "an overlong reference")

    def refuses_worker(self, value: object) -> bool:
        """A worker value that looks like a person's name, which is kept out under any policy but drop."""
        return (
            self.policy.worker != "drop"
            and isinstance(value, str)
            and _PERSON_NAME.fullmatch(value.strip()) is not None
        )

    def worker(self, value: str | None) -> str | None:
        if value is None or self.policy.worker == "drop":
            return None
        return self._pseudonym(value) if self.policy.worker == "pseudonymise" else value

    @property
    def drops_worker(self) -> bool:
        return self.policy.worker == "drop"

    def _pseudonym(self, value: str) -> str:
        assert self.key is not None  # checked in __post_init__
        return pseudonymise(self.key, value)
