"""Every SQL template reads one case's evidence, audits and episodes exactly as its whole read has
them, so an admin's one-case resync of an authority made from a template refreshes that case and
nothing else, and counts what it reads as a whole read would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.base import Record
from tests.connectors.cms_databases import (
    BUILDERS,
    MEASURE_STREAMS,
    TEMPLATES,
    build,
    connector_for,
    records,
)
from tests.sync.measure_sources import SQL_MEASURE_TABLES, on_sqlite, sql_measure_rows
from tests.sync.test_onboarding import FORM_TABLES, form_rows, ssd_tables
from tests.sync.test_onboarding_measures import ssd_rows


def ssd_database(url: str) -> None:
    build(url, ssd_tables() + ";" + FORM_TABLES, ssd_rows())


def sql_database(url: str) -> None:
    build(url, FORM_TABLES + ";" + SQL_MEASURE_TABLES, {**form_rows(), **sql_measure_rows()})


STREAMS = ("evidence", *MEASURE_STREAMS)

SQL_TEMPLATES: dict[str, Callable[[str], None]] = {**BUILDERS, "ssd": ssd_database, "sql": sql_database}


@pytest.fixture(params=sorted(SQL_TEMPLATES))
def sql_template(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[dict[str, Any], str]:
    url = f"sqlite:///{tmp_path}/{request.param}.db"
    SQL_TEMPLATES[request.param](url)
    # on_sqlite: the ssd template's CONCAT as its LA: note has it for this machine's SQLite.
    return yaml.safe_load(on_sqlite((TEMPLATES / f"{request.param}.yaml").read_text())), url


def case_of(document: dict[str, Any], stream: str, record: Record) -> str:
    return str(record[document["mapping"][stream]["fields"]["case_ref"]["path"]])


def as_set(rows: list[Record]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


def test_evidence_audits_and_episodes_read_one_case_exactly_as_the_whole_read_has_it(
    sql_template: tuple[dict[str, Any], str],
) -> None:
    document, url = sql_template

    with connector_for(document, url) as connector:
        whole = {stream: records(list(connector.read(stream, None))) for stream in STREAMS}
        case_refs = {case_of(document, s, r) for s, rows in whole.items() for r in rows}
        assert len(case_refs) >= 2, "the database needs two children for the filter to be tried"
        for stream in STREAMS:
            assert connector.supports_case_filter(stream)
            for case_ref in sorted(case_refs):
                wanted = [r for r in whole[stream] if case_of(document, stream, r) == case_ref]
                one_case = records(list(connector.read_case(stream, case_ref)))
                assert as_set(one_case) == as_set(wanted), f"{stream} of case {case_ref}"
            assert records(list(connector.read_case(stream, "no-such-case"))) == []


def test_every_sql_templates_case_queries_leave_out_the_watermark() -> None:
    for name in SQL_TEMPLATES:
        streams = yaml.safe_load((TEMPLATES / f"{name}.yaml").read_text())["connector"]["streams"]
        for stream, spec in streams.items():
            assert ":case_ref" in spec["case_query"], f"{name} {stream}"
            assert ":watermark" not in spec["case_query"], f"{name} {stream}"
