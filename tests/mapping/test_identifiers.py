"""Identifier policy: LA references kept or pseudonymised, worker ids pseudonymised by default."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pydantic import ValidationError

from mapping.identifiers import IdentifierPolicy, pseudonymise
from mapping.outcomes import Mapped, Quarantined
from tests.mapping.builders import KEY, a_case_row, a_spec, an_evidence_row, compiled, only

WITH_WORKER = a_spec(cases={"fields": {"worker": {"path": "WORKER"}}})


def test_a_pseudonym_is_a_keyed_hmac_not_a_plain_hash() -> None:
    pseudonym = pseudonymise(KEY, "123456")
    assert pseudonym == "p_" + hmac.new(KEY, b"123456", hashlib.sha256).hexdigest()[:24]
    assert pseudonym[2:] not in hashlib.sha256(b"123456").hexdigest()
    assert pseudonymise(b"another-authoritys-key-32-bytes!", "123456") != pseudonym


def test_a_pseudonym_is_stable_and_ignores_surrounding_spaces() -> None:
    assert pseudonymise(KEY, " 123456 ") == pseudonymise(KEY, "123456")
    assert pseudonymise(KEY, "123456") != pseudonymise(KEY, "123457")


def test_a_key_too_short_to_resist_guessing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        pseudonymise(b"0123456789", "123456")


def test_the_default_policy_keeps_case_refs_and_pseudonymises_workers() -> None:
    policy = IdentifierPolicy()
    assert (policy.case_ref, policy.worker, policy.needs_key) == ("keep", "pseudonymise", True)


def test_a_policy_takes_its_key_from_env_or_file_but_not_both() -> None:
    with pytest.raises(ValidationError, match="not both"):
        IdentifierPolicy(key_env="LA_KEY", key_file="/run/secrets/la_key")


def test_a_policy_that_keeps_everything_needs_no_key() -> None:
    assert not IdentifierPolicy(case_ref="keep", worker="drop").needs_key


def test_worker_ids_are_pseudonymised_by_default() -> None:
    mapping = compiled(WITH_WORKER, identifiers=IdentifierPolicy(key_env="LA_KEY"), key=KEY)
    outcome = only(mapping.map_batch("cases", [a_case_row(WORKER="W99")]))
    assert isinstance(outcome, Mapped)
    assert outcome.record.worker == pseudonymise(KEY, "W99")  # type: ignore[union-attr]
    assert outcome.record.case_ref == "C1"


@pytest.mark.parametrize(("policy", "worker"), [("keep", "W99"), ("drop", None)])
def test_an_authority_can_keep_or_drop_worker_ids(policy: str, worker: str | None) -> None:
    mapping = compiled(WITH_WORKER, identifiers=IdentifierPolicy(worker=policy))
    outcome = only(mapping.map_batch("cases", [a_case_row(WORKER="W99")]))
    assert isinstance(outcome, Mapped)
    assert outcome.record.worker == worker  # type: ignore[union-attr]


def test_a_dropped_worker_field_is_not_even_read() -> None:
    mapping = compiled(WITH_WORKER, identifiers=IdentifierPolicy(worker="drop"))
    assert isinstance(only(mapping.map_batch("cases", [a_case_row(WORKER={"bad": "shape"})])), Mapped)


def test_pseudonymised_case_refs_still_join_cases_to_their_evidence() -> None:
    policy = IdentifierPolicy(case_ref="pseudonymise", worker="keep", key_file="/run/secrets/la_key")
    mapping = compiled(identifiers=policy, key=KEY)
    case = only(mapping.map_batch("cases", [a_case_row(ID="C1")]))
    evidence = only(mapping.map_batch("evidence", [an_evidence_row(CHILD="C1")]))
    assert isinstance(case, Mapped)
    assert isinstance(evidence, Mapped)
    assert case.record.case_ref == evidence.record.case_ref == pseudonymise(KEY, "C1")


def test_with_pseudonymised_case_refs_no_record_id_leaves_the_mapper_in_clear() -> None:
    """A cases stream's source id is usually the person id itself."""
    policy = IdentifierPolicy(case_ref="pseudonymise", worker="keep", key_env="LA_KEY")
    mapping = compiled(identifiers=policy, key=KEY)
    case = only(mapping.map_batch("cases", [a_case_row(ID="C1")]))
    bad = only(mapping.map_batch("cases", [a_case_row(ID="C2", OPENED="never")]))
    assert isinstance(case, Mapped)
    assert isinstance(bad, Quarantined)
    assert case.source_id == pseudonymise(KEY, "C1")
    assert bad.source_id == pseudonymise(KEY, "C2")


def test_a_long_source_reference_fits_the_schema_once_pseudonymised() -> None:
    policy = IdentifierPolicy(case_ref="pseudonymise", worker="keep", key_env="LA_KEY")
    mapping = compiled(identifiers=policy, key=KEY)
    assert isinstance(only(mapping.map_batch("cases", [a_case_row(ID="x" * 300)])), Mapped)
