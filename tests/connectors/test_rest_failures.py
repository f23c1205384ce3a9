"""How the rest connector meets a misbehaving API: waits it is told, backs off, and fails clearly."""

from __future__ import annotations

import email.utils
import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.errors import FatalError, RetriableError, RetryBudgetExhausted
from tests.connectors.conftest import FakeSecrets, FakeTime
from tests.connectors.rest_builders import ids_of, read_all, rest_config, rest_connector
from tests.connectors.scripted_http import Reply, ScriptedServer
from tests.pgcluster import free_port

OK = Reply(json={"items": [{"id": 1}]})


def test_429_waits_the_seconds_retry_after_gives(server: ScriptedServer, fake_time: FakeTime) -> None:
    server.on(
        "/cases", Reply(429, headers={"Retry-After": "7"}), Reply(429, headers={"Retry-After": "3"}), OK
    )

    batches = read_all(rest_connector(server.url, time=fake_time))

    assert ids_of(batches) == [1]
    assert fake_time.sleeps == [7, 3]


def test_503_waits_until_the_http_date_retry_after_gives(server: ScriptedServer, fake_time: FakeTime) -> None:
    when = email.utils.formatdate(fake_time.now + 120, usegmt=True)
    server.on("/cases", Reply(503, headers={"Retry-After": when}), OK)

    read_all(rest_connector(server.url, time=fake_time))

    assert fake_time.sleeps == [120]


def test_a_burst_of_5xx_backs_off_exponentially_with_jitter_up_to_a_cap(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.on("/cases", Reply(500), Reply(502), Reply(504), Reply(500), Reply(500), OK)
    retry = {
        "budget_seconds": 600,
        "max_attempts": 10,
        "backoff_initial_seconds": 2,
        "backoff_max_seconds": 10,
    }

    batches = read_all(rest_connector(server.url, time=fake_time, retry=retry))

    assert ids_of(batches) == [1]
    floors = [2, 4, 8, 10, 10]
    assert len(fake_time.sleeps) == 5
    for waited, floor in zip(fake_time.sleeps, floors, strict=True):
        assert floor <= waited <= min(floor + 2, 10)


def test_a_429_without_retry_after_backs_off_too(server: ScriptedServer, fake_time: FakeTime) -> None:
    server.on("/cases", Reply(429), OK)

    read_all(rest_connector(server.url, time=fake_time))

    assert len(fake_time.sleeps) == 1
    assert 1 <= fake_time.sleeps[0] <= 2


def test_retries_stop_when_the_run_budget_is_spent(server: ScriptedServer, fake_time: FakeTime) -> None:
    server.on("/cases", Reply(503, headers={"Retry-After": "100"}))
    retry = {"budget_seconds": 250, "max_attempts": 20}

    with pytest.raises(RetryBudgetExhausted, match="retry budget") as caught:
        read_all(rest_connector(server.url, time=fake_time, retry=retry))

    assert fake_time.sleeps == [100, 100]
    assert "HTTP 503" in str(caught.value)


def test_the_budget_is_shared_by_every_request_of_the_run(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.on("/cases", Reply(503, headers={"Retry-After": "60"}), OK)
    server.on("/evidence", Reply(503, headers={"Retry-After": "60"}), OK)
    connector = rest_connector(server.url, time=fake_time, retry={"budget_seconds": 100})

    read_all(connector, "cases")
    with pytest.raises(RetryBudgetExhausted):
        read_all(connector, "evidence")

    assert fake_time.sleeps == [60]


def test_a_retry_after_beyond_the_budget_gives_up_without_waiting(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.on("/cases", Reply(429, headers={"Retry-After": "3600"}))

    with pytest.raises(RetryBudgetExhausted):
        read_all(rest_connector(server.url, time=fake_time, retry={"budget_seconds": 300}))

    assert fake_time.sleeps == []


def test_attempts_per_request_are_capped(server: ScriptedServer, fake_time: FakeTime) -> None:
    server.on("/cases", Reply(500))

    with pytest.raises(RetryBudgetExhausted, match="after 3 attempts"):
        read_all(rest_connector(server.url, time=fake_time, retry={"max_attempts": 3}))

    assert len(server.seen("/cases")) == 3


def test_a_reset_connection_is_retried(server: ScriptedServer, fake_time: FakeTime) -> None:
    server.on("/cases", Reply(reset=True), OK)

    batches = read_all(rest_connector(server.url, time=fake_time))

    assert ids_of(batches) == [1]
    assert len(fake_time.sleeps) == 1


def test_a_read_timeout_is_retried(server: ScriptedServer, fake_time: FakeTime) -> None:
    server.on("/cases", Reply(stall=True), OK)

    batches = read_all(rest_connector(server.url, time=fake_time, timeouts={"connect": 2, "read": 0.2}))

    assert ids_of(batches) == [1]
    assert len(server.seen("/cases")) == 2


def test_a_server_that_never_answers_ends_in_a_clear_timeout_error(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.on("/cases", Reply(stall=True))
    connector = rest_connector(server.url, time=fake_time, timeouts={"read": 0.1}, retry={"max_attempts": 2})

    with pytest.raises(RetryBudgetExhausted, match=r"no response within 0\.1s"):
        read_all(connector)


class TickingTime(FakeTime):
    """Every look at the clock is a second later: a slow server's pace without waiting for it."""

    def clock(self) -> float:
        self.now += 1
        return self.now


def test_a_slow_drip_body_is_cut_off_at_the_request_deadline(server: ScriptedServer) -> None:
    body = json.dumps({"items": [{"id": n} for n in range(400)]}).encode()
    server.on("/cases", Reply(body=body, drip=True))
    connector = rest_connector(
        server.url, time=TickingTime(), timeouts={"connect": 2, "read": 2, "total": 60}, retry={}
    )

    with pytest.raises(RetryBudgetExhausted, match="no complete response within the 60s deadline"):
        read_all(connector)
    assert len(server.seen("/cases")) == 1


def test_a_server_dripping_its_headers_is_given_up_at_the_request_deadline(server: ScriptedServer) -> None:
    server.on("/cases", Reply(drip_headers=True))
    connector = rest_connector(
        server.url, timeouts={"connect": 2, "read": 2, "total": 1}, retry={"max_attempts": 2}
    )

    with pytest.raises(RetryBudgetExhausted, match="no complete response within the 1s deadline"):
        read_all(connector)


def test_retries_of_one_request_end_at_its_deadline_whatever_the_budget_left(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.on("/cases", Reply(500))
    retry = {"budget_seconds": 3600, "max_attempts": 50, "backoff_initial_seconds": 10}
    connector = rest_connector(
        server.url, time=fake_time, timeouts={"connect": 2, "read": 2, "total": 45}, retry=retry
    )

    with pytest.raises(RetryBudgetExhausted, match="HTTP 500"):
        read_all(connector)
    assert sum(fake_time.sleeps) < 45
    assert len(server.seen("/cases")) < 10


def test_a_refused_connection_is_retriable(fake_time: FakeTime) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    with pytest.raises(RetriableError, match="connection failed"):
        read_all(rest_connector(url, time=fake_time, retry={"max_attempts": 2}))


def test_a_body_that_is_not_json_is_a_fatal_error_saying_so(server: ScriptedServer) -> None:
    server.on("/cases", Reply(body=b"<html>Service portal login</html>", content_type="text/html"))

    with pytest.raises(FatalError, match="expected a JSON body, got text/html"):
        read_all(rest_connector(server.url))


def test_malformed_json_is_retried_then_reported(server: ScriptedServer, fake_time: FakeTime) -> None:
    server.on("/cases", Reply(body=b'{"items": [{"id": 1}'), OK)

    batches = read_all(rest_connector(server.url, time=fake_time))

    assert ids_of(batches) == [1]
    assert len(fake_time.sleeps) == 1


def test_a_truncated_body_is_retried_and_reported_clearly(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.on("/cases", Reply(json={"items": [{"id": 1}]}, truncate=True))

    with pytest.raises(RetryBudgetExhausted, match="cut short"):
        read_all(rest_connector(server.url, time=fake_time, retry={"max_attempts": 2}))


def test_a_4xx_fails_at_once_naming_status_and_path_but_never_the_query(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.on("/cases", Reply(404, json={"error": "not found"}))
    auth = {"type": "api_key", "send_in": "query", "name": "key", "api_key_env": "K"}
    connector = rest_connector(
        server.url, {"params": {"team": "north"}}, secrets=FakeSecrets(K="s3cret"), time=fake_time, auth=auth
    )

    with pytest.raises(FatalError) as caught:
        read_all(connector)

    message = str(caught.value)
    assert "HTTP 404" in message
    assert "/cases" in message
    assert "?" not in message
    assert "s3cret" not in message
    assert "north" not in message
    assert fake_time.sleeps == []
    assert len(server.seen("/cases")) == 1


def test_a_401_without_refreshable_credentials_is_fatal(server: ScriptedServer) -> None:
    server.on("/cases", Reply(401))
    connector = rest_connector(
        server.url, secrets=FakeSecrets(T="t"), auth={"type": "bearer", "token_env": "T"}
    )

    with pytest.raises(FatalError, match="HTTP 401"):
        read_all(connector)
    assert len(server.seen("/cases")) == 1


def test_pages_of_a_run_share_one_pooled_connection(server: ScriptedServer) -> None:
    server.on(
        "/cases",
        Reply(json={"items": [{"id": 1}], "next": "/cases?p=2"}),
        Reply(json={"items": [{"id": 2}], "next": "/cases?p=3"}),
        Reply(json={"items": [{"id": 3}]}),
    )

    read_all(rest_connector(server.url, {"pagination": {"type": "next_link", "next_link_path": "next"}}))

    assert len({r.client_port for r in server.seen("/cases")}) == 1


def test_tls_verification_cannot_be_switched_off() -> None:
    for switch in ({"verify": False}, {"verify_tls": False}, {"insecure": True}):
        with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
            rest_config("https://la.example", **switch)
    connector = rest_connector("https://la.example")
    assert connector.client.session.verify is True


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ScriptedServer, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    scripted = ScriptedServer(tls=context).start()
    scripted.on("/cases", OK)
    yield scripted, cert
    scripted.stop()


def test_a_certificate_from_an_unknown_ca_is_refused(tls_server: tuple[ScriptedServer, Path]) -> None:
    server, _ = tls_server

    with pytest.raises(FatalError, match="TLS certificate verification failed"):
        read_all(rest_connector(server.url))


def test_an_la_private_ca_is_trusted_through_ca_bundle(tls_server: tuple[ScriptedServer, Path]) -> None:
    server, cert = tls_server

    batches = read_all(rest_connector(server.url, ca_bundle=str(cert)))

    assert ids_of(batches) == [1]


def test_a_failed_one_case_read_never_names_the_case_in_its_error(server: ScriptedServer) -> None:
    server.on("/cases/DfEX0000001", Reply(status=404))
    connector = rest_connector(server.url, {"case_filter": {"path": "/cases/{case_ref}"}})
    with pytest.raises(FatalError) as error:
        list(connector.read_case("cases", "DfEX0000001"))
    assert "DfEX0000001" not in str(error.value)
    assert "/cases/<case>" in str(error.value)
