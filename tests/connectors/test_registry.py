"""Connector types are found through entry points: the built-ins, and one installed separately."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import EntryPoints, entry_points
from pathlib import Path

import pytest

from connectors import registry
from connectors.files import FilesConnector
from connectors.rest import RestConnector
from connectors.sql import SqlConnector
from tests.connectors.conftest import FakeSecrets

THIRD_PARTY_MODULE = '''
"""A connector shipped by someone else, in its own distribution."""
from collections.abc import Iterator
from importlib.metadata import EntryPoints, entry_points

from pydantic import BaseModel, ConfigDict

from connectors.base import Batch, CheckReport, Connector, Position


class CsvOverHttpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: str
    cases: int = 2


class CsvOverHttpConnector(Connector):
    config_model = CsvOverHttpConfig

    def streams(self) -> list[str]:
        return ["cases", "evidence"]

    def read(self, stream: str, position: Position | None) -> Iterator[Batch]:
        yield Batch([{"case_ref": f"C{n}"} for n in range(self.config.cases)], {"done": True})

    def check(self, sample_size: int = 5) -> CheckReport:
        return CheckReport(reachable=True, detail=self.config.endpoint)
'''


def forget_loaded_types() -> None:
    """Entry points are looked up once per process; a test that installs one must look again."""
    registry.forget_installed()


@pytest.fixture
def third_party_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A tiny installed distribution: a module and a .dist-info declaring the entry point."""
    site = tmp_path / "site-packages"
    info = site / "sofs_csv_over_http-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sofs-csv-over-http\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [sofs_sync.connectors]
            csv_over_http = sofs_csv_over_http:CsvOverHttpConnector
            """
        )
    )
    (site / "sofs_csv_over_http.py").write_text(THIRD_PARTY_MODULE)
    monkeypatch.syspath_prepend(str(site))
    forget_loaded_types()
    yield
    forget_loaded_types()
    sys.modules.pop("sofs_csv_over_http", None)


def test_the_built_in_types_register_through_entry_points() -> None:
    forget_loaded_types()

    assert registry.connector_type("rest") is RestConnector
    assert registry.connector_type("sql") is SqlConnector
    assert registry.connector_type("files") is FilesConnector


def test_a_separately_installed_connector_type_is_found_and_used_by_config_alone(
    third_party_distribution: None,
) -> None:
    block = {"type": "csv_over_http", "endpoint": "https://la.example/export", "cases": 3}

    cls = registry.connector_type(block["type"])
    options = {key: value for key, value in block.items() if key != "type"}
    connector = cls(cls.config_model.model_validate(options), FakeSecrets())

    assert type(connector).__module__ == "sofs_csv_over_http"
    assert connector.streams() == ["cases", "evidence"]
    assert [r["case_ref"] for b in connector.read("cases", None) for r in b.records] == ["C0", "C1", "C2"]
    assert connector.check().detail == "https://la.example/export"


def test_an_unknown_type_names_the_installed_ones() -> None:
    forget_loaded_types()

    with pytest.raises(registry.UnknownConnectorType, match=r"'files', 'rest', 'sql'"):
        registry.connector_type("ftp")


def test_the_installed_packages_are_scanned_once_however_many_types_are_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scans: list[str] = []

    def counted(group: str) -> EntryPoints:
        scans.append(group)
        return entry_points(group=group)

    monkeypatch.setattr(registry, "entry_points", counted)
    forget_loaded_types()

    assert registry.connector_type("rest") is RestConnector
    assert registry.connector_type("sql") is SqlConnector
    assert registry.connector_type("files") is FilesConnector
    assert set(registry.available()) >= {"files", "rest", "sql"}
    with pytest.raises(registry.UnknownConnectorType):
        registry.connector_type("ftp")
    assert scans == [registry.GROUP]
    forget_loaded_types()
