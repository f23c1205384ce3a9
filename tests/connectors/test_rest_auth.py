"""Every auth type against a real loopback server; secrets resolved by reference, when used."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import pytest
from pydantic import ValidationError

from connectors.errors import FatalError, RetryBudgetExhausted
from connectors.rest_config import RestConfig
from tests.connectors.conftest import FakeSecrets, FakeTime
from tests.connectors.rest_builders import ids_of, read_all, rest_connector
from tests.connectors.scripted_http import Reply, ScriptedServer, SeenRequest


def oauth(server: ScriptedServer, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "oauth2_client_credentials",
        "token_url": f"{server.url}/oauth/token",
        "client_id": "sofs-sync",
        "client_secret_env": "LA_CLIENT_SECRET",
        **overrides,
    }


def token_reply(token: str, expires_in: int = 3600) -> Reply:
    return Reply(json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in})


def serve_tokens(server: ScriptedServer) -> list[str]:
    """Issue tok-1, tok-2, ... and accept only the latest token at /cases."""
    issued: list[str] = []

    def issue(request: SeenRequest) -> Reply:
        issued.append(f"tok-{len(issued) + 1}")
        return token_reply(issued[-1])

    def cases(request: SeenRequest) -> Reply:
        if request.header("Authorization") != f"Bearer {issued[-1]}":
            return Reply(401, json={"error": "invalid_token"})
        return Reply(json={"items": [{"id": 1}]})

    server.handle("/oauth/token", issue, method="POST")
    server.handle("/cases", cases)
    return issued


def test_no_auth_sends_no_credentials(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}]}))

    read_all(rest_connector(server.url))

    assert server.seen("/cases")[0].header("Authorization") is None


def test_api_key_auth_sends_the_key_in_the_named_header(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}]}))
    secrets = FakeSecrets(LA_API_KEY="k-123")
    auth = {"type": "api_key", "name": "Ocp-Apim-Subscription-Key", "api_key_env": "LA_API_KEY"}

    read_all(rest_connector(server.url, secrets=secrets, auth=auth))

    assert server.seen("/cases")[0].header("Ocp-Apim-Subscription-Key") == "k-123"


def test_api_key_in_a_query_parameter_is_sent_but_never_stored_in_a_position(server: ScriptedServer) -> None:
    server.on(
        "/cases",
        Reply(json={"items": [{"id": 1}], "next": f"{server.url}/cases?page=2&apikey=k-123"}),
        Reply(json={"items": [{"id": 2}], "next": None}),
    )
    auth = {"type": "api_key", "send_in": "query", "name": "apikey", "api_key_file": "/run/secrets/la"}
    stream = {"pagination": {"type": "next_link", "next_link_path": "next"}}

    batches = read_all(
        rest_connector(server.url, stream, secrets=FakeSecrets(**{"/run/secrets/la": "k-123"}), auth=auth)
    )

    assert ids_of(batches) == [1, 2]
    assert [r.query.get("apikey") for r in server.seen("/cases")] == [["k-123"], ["k-123"]]
    assert "k-123" not in str(batches[0].position)
    assert batches[0].position["page"]["url"].endswith("/cases?page=2")


def test_bearer_auth_sends_the_token(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}]}))
    auth = {"type": "bearer", "token_env": "LA_TOKEN"}

    read_all(rest_connector(server.url, secrets=FakeSecrets(LA_TOKEN="t-9"), auth=auth))

    assert server.seen("/cases")[0].header("Authorization") == "Bearer t-9"


def test_basic_auth_sends_username_and_referenced_password(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}]}))
    auth = {"type": "basic", "username": "sofs", "password_env": "LA_PASSWORD"}

    read_all(rest_connector(server.url, secrets=FakeSecrets(LA_PASSWORD="pa:ss"), auth=auth))

    expected = "Basic " + base64.b64encode(b"sofs:pa:ss").decode()
    assert server.seen("/cases")[0].header("Authorization") == expected


def test_secrets_are_resolved_when_used_so_a_rotated_secret_is_picked_up(server: ScriptedServer) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}]}))
    secrets = FakeSecrets(LA_TOKEN="old")
    connector = rest_connector(server.url, secrets=secrets, auth={"type": "bearer", "token_env": "LA_TOKEN"})
    assert secrets.lookups == []

    read_all(connector)
    secrets.values["LA_TOKEN"] = "new"
    read_all(connector)

    assert [r.header("Authorization") for r in server.seen("/cases")] == ["Bearer old", "Bearer new"]


def test_an_unresolvable_secret_is_a_fatal_error_naming_the_reference(server: ScriptedServer) -> None:
    connector = rest_connector(server.url, auth={"type": "bearer", "token_env": "MISSING_TOKEN"})

    with pytest.raises(FatalError, match="MISSING_TOKEN"):
        read_all(connector)
    assert server.requests == []


def test_oauth_fetches_one_token_with_client_credentials_and_reuses_it(server: ScriptedServer) -> None:
    issued = serve_tokens(server)
    connector = rest_connector(
        server.url, secrets=FakeSecrets(LA_CLIENT_SECRET="s3cret"), auth=oauth(server, scope="cases.read")
    )

    read_all(connector)
    read_all(connector, "cases")

    assert issued == ["tok-1"]
    form = parse_qs(server.seen("/oauth/token", method="POST")[0].body.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "scope": ["cases.read"],
        "client_id": ["sofs-sync"],
        "client_secret": ["s3cret"],
    }


def test_oauth_can_send_client_credentials_as_basic_auth(server: ScriptedServer) -> None:
    serve_tokens(server)
    connector = rest_connector(
        server.url, secrets=FakeSecrets(LA_CLIENT_SECRET="s3cret"), auth=oauth(server, client_auth="basic")
    )

    read_all(connector)

    token_request = server.seen("/oauth/token", method="POST")[0]
    assert token_request.header("Authorization") == "Basic " + base64.b64encode(b"sofs-sync:s3cret").decode()
    assert b"client_secret" not in token_request.body


def test_oauth_token_is_refreshed_before_it_expires(server: ScriptedServer, fake_time: FakeTime) -> None:
    issued = serve_tokens(server)
    connector = rest_connector(
        server.url, secrets=FakeSecrets(LA_CLIENT_SECRET="s"), time=fake_time, auth=oauth(server)
    )

    read_all(connector)
    fake_time.advance(3600 - 90)  # 90 s left: more than the default 60 s margin
    read_all(connector)
    fake_time.advance(40)  # 50 s left: inside the margin
    read_all(connector)

    assert issued == ["tok-1", "tok-2"]
    assert [r.header("Authorization") for r in server.seen("/cases")] == [
        "Bearer tok-1",
        "Bearer tok-1",
        "Bearer tok-2",
    ]


def test_oauth_refreshes_once_on_a_401_and_carries_on(server: ScriptedServer) -> None:
    issued = serve_tokens(server)
    connector = rest_connector(server.url, secrets=FakeSecrets(LA_CLIENT_SECRET="s"), auth=oauth(server))
    read_all(connector)
    issued.append("revoked-and-replaced")  # the server now only accepts a token it has not issued to us

    def issue_current(request: SeenRequest) -> Reply:
        return token_reply(issued[-1])

    server.handle("/oauth/token", issue_current, method="POST")

    batches = read_all(connector)

    assert ids_of(batches) == [1]
    assert len(server.seen("/oauth/token", method="POST")) == 2


def test_oauth_gives_up_after_one_refresh_when_the_api_keeps_refusing(server: ScriptedServer) -> None:
    server.on("/oauth/token", token_reply("tok"), method="POST")
    server.on("/cases", Reply(401, json={"error": "nope"}))
    connector = rest_connector(server.url, secrets=FakeSecrets(LA_CLIENT_SECRET="s"), auth=oauth(server))

    with pytest.raises(FatalError, match="401"):
        read_all(connector)
    assert len(server.seen("/oauth/token", method="POST")) == 2
    assert len(server.seen("/cases")) == 2


def test_a_token_endpoint_refusing_the_client_is_fatal_and_names_no_secret(server: ScriptedServer) -> None:
    server.on("/oauth/token", Reply(400, json={"error": "invalid_client"}), method="POST")
    connector = rest_connector(server.url, secrets=FakeSecrets(LA_CLIENT_SECRET="s3cret"), auth=oauth(server))

    with pytest.raises(FatalError, match=r"POST 127\.0\.0\.1:\d+/oauth/token: HTTP 400") as caught:
        read_all(connector)
    assert "s3cret" not in str(caught.value)


def test_a_token_response_without_an_access_token_is_fatal(server: ScriptedServer) -> None:
    server.on("/oauth/token", Reply(json={"token_type": "Bearer"}), method="POST")
    connector = rest_connector(server.url, secrets=FakeSecrets(LA_CLIENT_SECRET="s"), auth=oauth(server))

    with pytest.raises(FatalError, match="access_token"):
        read_all(connector)


@pytest.mark.parametrize(
    "auth",
    [
        {"type": "api_key", "api_key": "inline"},
        {"type": "bearer", "token": "inline"},
        {"type": "basic", "username": "u", "password": "inline"},
        {
            "type": "oauth2_client_credentials",
            "token_url": "https://x/t",
            "client_id": "c",
            "client_secret": "x",
        },
    ],
)
def test_inline_secrets_are_rejected_by_the_config(auth: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RestConfig.model_validate({"base_url": "https://x", "auth": auth, "streams": _streams()})


def test_a_secret_needs_exactly_one_reference() -> None:
    both = {"type": "bearer", "token_env": "A", "token_file": "/b"}
    with pytest.raises(ValidationError, match="only one of token_env or token_file"):
        RestConfig.model_validate({"base_url": "https://x", "auth": both, "streams": _streams()})
    with pytest.raises(ValidationError, match="token_env or token_file is required"):
        RestConfig.model_validate(
            {"base_url": "https://x", "auth": {"type": "bearer"}, "streams": _streams()}
        )


def test_credentials_cannot_be_smuggled_in_as_headers_or_params() -> None:
    with pytest.raises(ValidationError, match="looks like a credential"):
        RestConfig.model_validate(
            {"base_url": "https://x", "headers": {"Authorization": "Bearer x"}, "streams": _streams()}
        )
    streams = _streams()
    streams["cases"]["params"] = {"api_key": "x"}
    with pytest.raises(ValidationError, match="looks like a credential"):
        RestConfig.model_validate({"base_url": "https://x", "streams": streams})


def test_a_password_in_the_base_url_is_refused_without_being_echoed() -> None:
    with pytest.raises(ValidationError, match="user info") as error:
        RestConfig.model_validate({"base_url": "http://ops:hunter2@cms.la.example", "streams": _streams()})
    assert "hunter2" not in str(error.value.errors(include_input=False))


def test_an_api_key_written_into_a_stream_path_is_an_inline_secret() -> None:
    streams = _streams()
    streams["evidence"]["path"] = "/evidence?page_size=50&api_key=hunter2"
    with pytest.raises(ValidationError, match="query parameter in path 'api_key' looks like a credential"):
        RestConfig.model_validate({"base_url": "https://x", "streams": streams})


def _streams() -> dict[str, dict[str, Any]]:
    return {"cases": {"path": "/cases"}, "evidence": {"path": "/evidence"}}


def test_a_token_endpoint_that_stays_down_is_reported_once_and_retried_within_one_budget(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.on("/oauth/token", *[Reply(status=503)] * 20, method="POST")
    connector = rest_connector(
        server.url, secrets=FakeSecrets(LA_CLIENT_SECRET="s3cret"), auth=oauth(server), time=fake_time
    )
    with pytest.raises(RetryBudgetExhausted) as error:
        read_all(connector)
    message = str(error.value)
    assert message.count("gave up") == 1
    assert message.startswith("POST 127.0.0.1")
    assert "/cases" not in message
    assert not server.seen("/cases")
