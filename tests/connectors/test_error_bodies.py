"""A 4xx says what went wrong in the API's own words, shortened and free of record values.

A bare `HTTP 400` after a page cursor expired left every sync failing until someone guessed
`resync`; the API's body had said why all along.
"""

from __future__ import annotations

import pytest

from connectors.errors import ConnectorError, FatalError
from tests.connectors.rest_builders import read_all, rest_connector
from tests.connectors.scripted_http import Reply, ScriptedServer


def refused_with(server: ScriptedServer, status: int = 400, **reply: object) -> str:
    server.on("/cases", Reply(status=status, **reply))  # type: ignore[arg-type]
    with pytest.raises(ConnectorError) as failed:
        read_all(rest_connector(server.url, {"params": {"page_cursor": "c-77120"}}))
    return str(failed.value)


def test_a_400_says_the_apis_detail(server: ScriptedServer) -> None:
    message = refused_with(server, json={"detail": "page cursor expired"})

    assert message.endswith("/cases: HTTP 400 Bad Request: page cursor expired")


def test_a_400_echoing_the_record_shows_only_the_detail(server: ScriptedServer) -> None:
    echoed = {"child_name": "Jo Bloggs", "person_id": "P7781234", "updated_at": "2026-01-05T10:00:00Z"}

    message = refused_with(server, json={"detail": "record rejected", "record": echoed, "input": echoed})

    assert message.endswith("HTTP 400 Bad Request: record rejected")
    for value in ("Jo Bloggs", "P7781234", "2026-01-05"):
        assert value not in message


def test_values_quoted_in_the_detail_are_masked(server: ScriptedServer) -> None:
    detail = "unknown person 'P7781234' (jo.bloggs@example.org) updated 2026-01-05T10:00:00"

    message = refused_with(server, json={"detail": detail})

    assert message.endswith("HTTP 400 Bad Request: unknown person <value> (<address>) updated <number>")


def test_problem_details_and_oauth_errors_give_their_words_once_each(server: ScriptedServer) -> None:
    problem = {"type": "about:blank", "title": "Bad Request", "detail": "since must be a time", "status": 400}
    assert refused_with(server, json=problem).endswith(
        ": HTTP 400 Bad Request: Bad Request; since must be a time"
    )

    oauth = {"error": "invalid_client", "error_description": "client authentication failed"}
    assert refused_with(server, json=oauth).endswith(": invalid_client; client authentication failed")

    nested = {"error": {"code": 400, "message": "filter not supported"}}
    assert refused_with(server, json=nested).endswith(": HTTP 400 Bad Request: filter not supported")


def test_the_detail_is_cut_short_and_free_of_control_characters(server: ScriptedServer) -> None:
    message = refused_with(server, json={"message": "cursor\n2026-01-01 FORGED log line\x1b[2J " + "x" * 400})

    detail = message.split("HTTP 400 Bad Request: ", 1)[1]
    assert len(detail) <= 200
    assert detail.endswith("...")
    assert "\n" not in detail
    assert "\x1b" not in detail


def test_a_body_that_is_not_json_adds_nothing(server: ScriptedServer) -> None:
    message = refused_with(
        server, body=b"<html><p>person P7781234 not found</p></html>", content_type="text/html"
    )

    assert message.endswith("/cases: HTTP 400 Bad Request")


def test_the_query_string_is_never_shown(server: ScriptedServer) -> None:
    message = refused_with(server, status=404, json={"detail": "no such page"})

    assert message.endswith(
        "GET 127.0.0.1:" + server.url.rsplit(":", 1)[1] + "/cases: HTTP 404 Not Found: no such page"
    )
    assert "c-77120" not in message


def test_refused_credentials_say_what_the_api_said(server: ScriptedServer) -> None:
    message = refused_with(
        server, status=401, json={"error": "invalid_token", "error_description": "token expired"}
    )

    assert message.endswith("HTTP 401 Unauthorized: invalid_token; token expired (credentials refused)")


def test_a_4xx_fails_at_once_whatever_its_body(server: ScriptedServer) -> None:
    server.on("/cases", Reply(status=422, json={"detail": "page cursor expired"}))

    with pytest.raises(FatalError):
        read_all(rest_connector(server.url))

    assert len(server.seen("/cases")) == 1
