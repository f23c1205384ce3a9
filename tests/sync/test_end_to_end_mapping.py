"""Source shapes end to end through connector and mapping: the CMS templates against their
synthetic reporting databases, and the statutory returns through the files connector."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from connectors.files import FilesConfig, FilesConnector
from mapping.audit_scale import AuditScale
from mapping.elements import DEFAULT_ELEMENT_KEYS
from mapping.identifiers import IdentifierPolicy
from mapping.mapper import compile_mapping
from mapping.outcomes import Mapped, NotPracticeEvidence, Quarantined, RecordOutcome
from mapping.schema import Audit, Case, CaseEpisode, EpisodeKind, Evidence
from mapping.spec import AuthorityMapping
from tests.connectors.cms_databases import BUILDERS, connector_for, load
from tests.connectors.conftest import FakeSecrets

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KEY = b"an-example-pseudonym-key-0123456789"


def map_all(
    document: dict[str, Any], read: dict[str, list[dict[str, Any]]]
) -> dict[str, list[RecordOutcome]]:
    compiled = compile_mapping(
        AuthorityMapping.model_validate(document["mapping"]),
        authority="e2e",
        elements=DEFAULT_ELEMENT_KEYS,
        identifiers=IdentifierPolicy.model_validate(
            {k: v for k, v in document.get("identifiers", {}).items() if k not in {"key_env", "key_file"}}
            | {"key_env": "UNUSED"}
        ),
        key=KEY,
        audit_scale=AuditScale.model_validate(document["audit_scale"]) if "audit_scale" in document else None,
    )
    return {stream: compiled.map_batch(stream, records) for stream, records in read.items()}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_each_cms_template_maps_its_reporting_database_into_cases_and_evidence(
    name: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/{name}.db"
    BUILDERS[name](url)
    document = load(name)
    with connector_for(document, url) as connector:
        read = {s: [r for b in connector.read(s, None) for r in b.records] for s in ("cases", "evidence")}
    outcomes = map_all(document, read)

    cases = [o.record for o in outcomes["cases"] if isinstance(o, Mapped)]
    evidence = [o.record for o in outcomes["evidence"] if isinstance(o, Mapped)]
    assert cases, [o for o in outcomes["cases"] if isinstance(o, Quarantined)]
    assert all(isinstance(c, Case) for c in cases)
    assert evidence, [o for o in outcomes["evidence"] if isinstance(o, Quarantined)]
    assert all(isinstance(e, Evidence) and e.element in DEFAULT_ELEMENT_KEYS for e in evidence)
    # Workers are pseudonymised by the templates' policy: no source worker code reaches a record.
    assert all(c.worker is None or c.worker.startswith("p_") for c in cases)
    # ...and a template that maps a worker does carry one, so the check above is not vacuous.
    workers = [c.worker for c in cases if c.worker is not None]
    assert bool(workers) == ("worker" in document["mapping"]["cases"]["fields"])
    kinds = Counter(type(o).__name__ for o in outcomes["evidence"])
    assert kinds["Mapped"] >= 2


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_each_cms_template_maps_its_audit_forms_and_every_episode(name: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/{name}.db"
    BUILDERS[name](url)
    document = load(name)
    with connector_for(document, url) as connector:
        read = {s: [r for b in connector.read(s, None) for r in b.records] for s in ("audits", "episodes")}
    outcomes = map_all(document, read)

    assert [o for o in outcomes["audits"] + outcomes["episodes"] if not isinstance(o, Mapped)] == []
    audits = [o.record for o in outcomes["audits"] if isinstance(o, Mapped)]
    episodes = [o.record for o in outcomes["episodes"] if isinstance(o, Mapped)]
    assert audits
    assert all(isinstance(a, Audit) for a in audits)
    codes = [g["code"] for g in document["audit_scale"]["grades"]]
    for audit in audits:
        assert audit.grade in codes
        assert audit.grade_rank == len(codes) - 1 - codes.index(audit.grade)
        assert {area.grade for area in audit.area_grades.values()} <= set(codes)
        assert "practitioner" in audit.participants  # roles, never names
    assert all(isinstance(e, CaseEpisode) for e in episodes)
    assert {e.kind for e in episodes} >= {EpisodeKind.REFERRAL, EpisodeKind.CP_PLAN}
    assert len({e.source_id for e in episodes}) == len(episodes), "ids unique across the kinds"
    assert all(e.previous_cp_plans is not None for e in episodes if e.kind is EpisodeKind.CP_PLAN)


def drop_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "drops"
    (folder / "cin").mkdir(parents=True)
    (folder / "903").mkdir()
    shutil.copy(FIXTURES / "cin-census" / "CIN_Census_2024.xml", folder / "cin")
    shutil.copy(FIXTURES / "cin-census" / "CIN_Census_2021.xml", folder / "cin")
    for name in ("header.csv", "episodes.csv", "reviews.csv"):
        shutil.copy(FIXTURES / "ssda903" / name, folder / "903")
    return folder


STATUTORY_MAPPING = {
    "cases": {
        "source_id": {"path": "episode_id"},
        "fields": {
            "case_ref": {"first_of": ["LAchildID", "CHILD"]},
            "case_type": {
                "path": "CPPstartDate",
                "patterns": [{"regex": ".", "value": "cp"}],
                "default": "cin",
            },
            "opened_on": {"path": "CINreferralDate", "date": "iso"},
            "closed_on": {"path": "CINclosureDate", "date": "iso"},
            "cp_plan_start": {"path": "CPPstartDate", "date": "iso"},
        },
    },
    "evidence": {
        "source_id": {"path": "episode_id"},
        "fields": {
            "case_ref": {"path": "CHILD"},
            "element": {"path": "LS", "patterns": [{"match": "*", "element": "safety_network"}]},
            "state": {"const": "completed"},
            "evidenced_on": {"path": "DECOM", "date": "%d/%m/%Y"},
        },
    },
}


def test_cin_census_of_both_eras_and_ssda903_map_through_the_files_connector(tmp_path: Path) -> None:
    config = FilesConfig.model_validate(
        {
            "folder": str(drop_folder(tmp_path)),
            "settle_seconds": 0,
            "streams": {
                "cases": {"glob": "cin/*.xml", "format": {"type": "cin_census"}},
                "evidence": {"glob": "903/episodes.csv", "format": {"type": "ssda903"}},
            },
        }
    )
    connector = FilesConnector(config, FakeSecrets())
    read = {s: [r for b in connector.read(s, None) for r in b.records] for s in ("cases", "evidence")}
    outcomes = map_all({"mapping": STATUTORY_MAPPING, "identifiers": {"worker": "drop"}}, read)

    cases = [o.record for o in outcomes["cases"] if isinstance(o, Mapped)]
    assert {c.case_ref for c in cases} >= {"DfEX0000001"}
    assert any(c.case_type == "cp" and c.cp_plan_start is not None for c in cases)
    assert not any(isinstance(o, NotPracticeEvidence) for o in outcomes["cases"])
    evidence = [o for o in outcomes["evidence"] if isinstance(o, Mapped)]
    assert len(evidence) == 26  # a record per child, from its latest episode
    # Nothing that identifies a child beyond the LA's own reference is in a raw record either.
    for record in read["cases"] + read["evidence"]:
        assert not {"UPN", "FormerUPN", "PersonBirthDate", "DOB", "HOME_POST", "PL_POST"} & set(record)
