"""Fast unit tests of the requests the rest connector builds (no sockets: `responses` intercepts)."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from connectors.base import CaseFilterUnsupported
from connectors.rest import RestConnector
from tests.connectors.conftest import FakeSecrets
from tests.connectors.rest_builders import read_all, rest_connector

BASE = "https://cms.la.example/api/v1"


def connector(cases: dict[str, Any] | None = None, **top: Any) -> RestConnector:
    return rest_connector(BASE, cases, secrets=FakeSecrets(KEY="k1"), **top)


@responses.activate
def test_stream_path_is_joined_to_base_url_with_its_params_and_headers() -> None:
    responses.get(f"{BASE}/cases", json={"items": []})

    read_all(connector({"params": {"status": "open", "limit": 50}}, headers={"Accept": "application/json"}))

    request = responses.calls[0].request
    assert request.url == f"{BASE}/cases?status=open&limit=50"
    assert request.headers["Accept"] == "application/json"


@responses.activate
def test_every_request_carries_connect_and_read_timeouts() -> None:
    responses.get(f"{BASE}/cases", json={"items": []})

    read_all(connector(timeouts={"connect": 3, "read": 45}))

    assert responses.calls[0].request.req_kwargs["timeout"] == (3, 45)


@responses.activate
@pytest.mark.parametrize(
    ("param_format", "sent"),
    [
        ("iso", "2026-03-01T08:30:00Z"),
        ("epoch", "1772353800"),
        ("epoch_ms", "1772353800000"),
        ("%Y-%m-%d", "2026-03-01"),
    ],
)
def test_the_watermark_parameter_is_formatted_as_configured(param_format: str, sent: str) -> None:
    responses.get(f"{BASE}/cases", json={"items": []})
    incremental = {"cursor_field": "modified", "param": "since", "param_format": param_format}

    read_all(connector({"incremental": incremental}), position={"watermark": "2026-03-01T08:30:00+00:00"})

    assert responses.calls[0].request.params == {"since": sent}


@responses.activate
def test_api_key_in_query_is_added_to_the_stream_params() -> None:
    responses.get(f"{BASE}/cases", json={"items": []})

    read_all(
        connector(
            {"params": {"a": "1"}},
            auth={"type": "api_key", "send_in": "query", "name": "code", "api_key_env": "KEY"},
        )
    )

    assert responses.calls[0].request.params == {"a": "1", "code": "k1"}


@responses.activate
def test_a_case_path_template_gets_the_case_reference_url_encoded() -> None:
    responses.get(f"{BASE}/cases/C%2F12%20A/forms", json={"items": [{"id": 1}]})

    batches = list(
        connector({"case_filter": {"path": "/cases/{case_ref}/forms"}}).read_case("cases", "C/12 A")
    )

    assert [r["id"] for b in batches for r in b.records] == [1]
    assert [b.position for b in batches] == [{}]


@responses.activate
def test_a_case_query_parameter_filters_the_stream_path() -> None:
    responses.get(f"{BASE}/cases", json={"items": []})
    rest = connector({"params": {"status": "all"}, "case_filter": {"param": "caseRef"}})

    list(rest.read_case("cases", "C12"))

    assert responses.calls[0].request.params == {"status": "all", "caseRef": "C12"}
    assert rest.supports_case_filter("cases")


def test_a_stream_without_a_case_filter_says_so() -> None:
    rest = connector()

    assert not rest.supports_case_filter("cases")
    with pytest.raises(CaseFilterUnsupported):
        list(rest.read_case("cases", "C12"))


@responses.activate
def test_check_reads_a_sample_of_each_stream_without_positions() -> None:
    responses.get(f"{BASE}/cases", json={"items": [{"id": n} for n in range(10)]})
    responses.get(f"{BASE}/evidence", json={"items": [{"id": "e1"}]})

    report = connector().check(sample_size=3)

    assert report.reachable
    assert [(s.stream, len(s.records)) for s in report.samples] == [("cases", 3), ("evidence", 1)]


@responses.activate
def test_check_reports_an_unreachable_stream_with_its_reason() -> None:
    responses.get(f"{BASE}/cases", status=403)

    report = connector().check()

    assert not report.reachable
    assert "HTTP 403" in report.detail
    assert "cases" in report.detail
