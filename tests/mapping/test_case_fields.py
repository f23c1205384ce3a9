"""Who and where a case sits with: worker names kept out, team codes the team list lacks marked,
and evidence ids that outgrow the store's references refused with the reason."""

from __future__ import annotations

import pytest

from mapping.identifiers import IdentifierPolicy
from mapping.outcomes import Mapped, Quarantined
from mapping.schema import is_unlisted_team
from tests.mapping.builders import KEY, a_case_row, a_spec, an_evidence_row, compiled, only

WITH_WORKER = a_spec(cases={"fields": {"worker": {"path": "WORKER"}}})
PSEUDONYMISE = IdentifierPolicy(case_ref="keep", worker="pseudonymise")


@pytest.mark.parametrize("name", ["Jane Smith", "SMITH, Jane", "Mary-Jane O'Neil", "J. Smith", "Zoë Brontë"])
@pytest.mark.parametrize("policy", ["pseudonymise", "keep"])
def test_a_worker_that_looks_like_a_name_is_quarantined_and_never_quoted(name: str, policy: str) -> None:
    identifiers = IdentifierPolicy(case_ref="keep", worker=policy)  # type: ignore[arg-type]
    mapping = compiled(WITH_WORKER, identifiers=identifiers, key=KEY)

    outcome = only(mapping.map_batch("cases", [a_case_row(WORKER=name)]))

    assert isinstance(outcome, Quarantined)
    assert outcome.reason.startswith("worker: holds words of letters and spaces, which looks like a person's")
    assert "invo_professional_id" in outcome.reason
    assert "worker: drop" in outcome.reason
    assert name not in outcome.reason


@pytest.mark.parametrize("worker_id", ["W123", "jsmith", "12345", "smith.j", "SW-0042"])
def test_worker_ids_are_pseudonymised_as_before(worker_id: str) -> None:
    outcome = only(
        compiled(WITH_WORKER, identifiers=PSEUDONYMISE, key=KEY).map_batch(
            "cases", [a_case_row(WORKER=worker_id)]
        )
    )
    assert isinstance(outcome, Mapped)
    assert str(outcome.record.worker).startswith("p_")  # type: ignore[union-attr]


def test_a_dropped_worker_is_never_looked_at() -> None:
    dropping = IdentifierPolicy(case_ref="keep", worker="drop")
    outcome = only(
        compiled(WITH_WORKER, identifiers=dropping).map_batch("cases", [a_case_row(WORKER="Jane Smith")])
    )
    assert isinstance(outcome, Mapped)
    assert outcome.record.worker is None  # type: ignore[union-attr]


UNLISTED = a_spec(cases={"fields": {"team": {"path": "TEAM_NAME"}}, "unlisted_team": "TEAM_CODE"})


def test_a_team_code_the_team_list_lacks_is_kept_and_marked() -> None:
    outcome = only(compiled(UNLISTED).map_batch("cases", [a_case_row(TEAM_NAME=None, TEAM_CODE="D999")]))
    assert isinstance(outcome, Mapped)
    assert outcome.record.team == "D999 (team not in the team list)"  # type: ignore[union-attr]
    assert is_unlisted_team(outcome.record.team)  # type: ignore[union-attr]


def test_a_listed_team_keeps_its_name() -> None:
    row = a_case_row(TEAM_NAME="Team North", TEAM_CODE="D1")
    outcome = only(compiled(UNLISTED).map_batch("cases", [row]))
    assert isinstance(outcome, Mapped)
    assert outcome.record.team == "Team North"  # type: ignore[union-attr]
    assert not is_unlisted_team(outcome.record.team)  # type: ignore[union-attr]


def test_unlisted_team_belongs_to_cases_only() -> None:
    with pytest.raises(ValueError, match="only cases carry a team"):
        compiled(a_spec(evidence={"unlisted_team": "TEAM_CODE"}))


TWO_ELEMENTS = a_spec(evidence={"fields": {"element": {"const": ["danger_statement", "safety_goal"]}}})


def test_an_id_that_fits_but_not_with_its_element_says_why() -> None:
    source_id = "F" * 120

    outcome = only(compiled(TWO_ELEMENTS).map_batch("evidence", [an_evidence_row(ID=source_id)]))

    assert isinstance(outcome, Quarantined)
    assert outcome.reason == (
        "source_id: 120 characters, and a record evidencing several elements is stored as a row per "
        "element keyed by its id and '#danger_statement', past the 128 characters a reference may "
        "have: map source_id from a shorter column"
    )


def test_an_id_with_room_for_its_elements_maps() -> None:
    outcomes = compiled(TWO_ELEMENTS).map_batch("evidence", [an_evidence_row(ID="F" * 100)])
    assert [type(o) for o in outcomes] == [Mapped, Mapped]
