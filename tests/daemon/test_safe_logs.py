"""Whole scheduled syncs with secrets configured write no secret, token, query string, case reference or
child identifier to the log, at debug level, whatever the source and whether the run succeeds or fails.
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import Column, MetaData, Table, Text, create_engine

from config.loader import load_config
from store.schema.upgrade import upgrade
from sync.cli.app import App
from sync.cli.logs import configure_logging, route_stdlib_logging
from sync.daemon.scheduler import Daemon
from tests.daemon.conftest import write_config
from tests.daemon.secured_api import Credentials, secured_api
from tests.pgcluster import PostgresCluster
from tests.sources import MAPPING_YAML, build_sqlite_source, synthetic

PSEUDONYMISED = MAPPING_YAML.replace(
    "identifiers: {case_ref: keep, worker: keep}",
    "identifiers: {case_ref: pseudonymise, worker: pseudonymise, key_env: SOFS_TEST_PSEUDONYM_KEY}",
)
SQL_STREAMS = """
  streams:
    cases:
      query: "SELECT * FROM cases WHERE updated >= :watermark ORDER BY updated, id"
      cursor_field: updated
    evidence:
      query: "SELECT * FROM forms WHERE updated >= :watermark ORDER BY updated, form_id"
      cursor_field: updated
"""
REST_STREAMS = """
  streams:
    cases:
      path: /cases
      records_path: items
      pagination: {type: page_number, page_param: page, size_param: per_page, size: 20}
      incremental: {cursor_field: updated, param: updated_since}
    evidence:
      path: /forms
      records_path: items
      pagination: {type: page_number, page_param: page, size_param: per_page, size: 20}
      incremental: {cursor_field: updated, param: updated_since}
"""


def sql_authority(code: str, url: str, password_env: str | None = None) -> str:
    password = f"  password_env: {password_env}\n" if password_env else ""
    return (
        f'code: {code}\nname: {code}\nconnector:\n  type: sql\n  url: "{url}"\n  batch_size: 25\n'
        f"{password}{SQL_STREAMS}{PSEUDONYMISED}"
    )


def rest_authority(code: str, base_url: str, auth: str) -> str:
    return (
        f'code: {code}\nname: {code}\nconnector:\n  type: rest\n  base_url: "{base_url}"\n'
        f"  timeouts: {{connect: 2, read: 5}}\n  auth: {auth}\n{REST_STREAMS}{PSEUDONYMISED}"
    )


def identifiable_records() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Synthetic records whose references are unmistakable in a log, with child identifiers beside."""
    cases, forms = synthetic(cases=60, forms_per_case=2)
    refs = {c["id"]: f"LCS-CASE-{i:05d}-REF" for i, c in enumerate(cases)}
    for i, case in enumerate(cases):
        case["id"] = refs[case["id"]]
        case["child_id"] = f"CHILD-NHS-943{i:07d}"
        case["child_name"] = f"Amelia Testchild-{i}"
    for form in forms:
        form["case_id"] = refs[form["case_id"]]
        form["form_id"] = f"FORM-ANSWER-{form['form_id']}"
    identifiers = [c[k] for c in cases for k in ("id", "child_id", "child_name")] + [
        f["form_id"] for f in forms
    ]
    return cases, forms, identifiers


@pytest.fixture
def captured_log() -> Iterator[io.StringIO]:
    """Everything the daemon logs at debug, third-party loggers included, into one buffer."""
    out = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("debug", out, json=True)
    route_stdlib_logging("debug")
    logging.getLogger("urllib3").setLevel(logging.DEBUG)  # it writes whole URLs: must be withheld
    yield out
    logging.getLogger("urllib3").setLevel(logging.NOTSET)
    logging.captureWarnings(False)
    root.handlers, root.level = saved
    structlog.reset_defaults()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "SOFS_TEST_CLIENT_SECRET": "client-secret-" + secrets.token_hex(8),
        "SOFS_TEST_API_KEY": "api-key-" + secrets.token_hex(8),
        "SOFS_TEST_WRONG_KEY": "wrong-key-" + secrets.token_hex(8),
        "SOFS_TEST_PSEUDONYM_KEY": "pseudonym-key-" + secrets.token_hex(16),
        "SOFS_TEST_DB_PASSWORD": "db-password-" + secrets.token_hex(8),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def assert_nothing_leaked(log: str, forbidden: list[str]) -> None:
    lines = log.splitlines()
    assert all(json.loads(line) for line in lines), "every log line is one JSON object"
    leaked = [f for f in forbidden if f in log]
    assert not leaked, f"in the log: {leaked[:5]}"
    assert not re.search(r"\?[\w.-]+=", log), "a URL query string reached the log"


def events(log: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.splitlines()]


def test_scheduled_syncs_with_oauth2_api_key_and_pseudonym_secrets_log_none_of_them(
    tmp_path: Path, captured_log: io.StringIO, secret_env: dict[str, str]
) -> None:
    cases, forms, identifiers = identifiable_records()
    credentials = Credentials(
        "sofs-client",
        secret_env["SOFS_TEST_CLIENT_SECRET"],
        "token-" + secrets.token_hex(12),
        secret_env["SOFS_TEST_API_KEY"],
    )
    sqlite_url = build_sqlite_source(tmp_path / "source.db", cases, forms) + "?timeout=17.5"
    with secured_api(cases, forms, credentials) as base_url:
        oauth2 = (
            f"{{type: oauth2_client_credentials, token_url: '{base_url}/token', client_id: sofs-client, "
            "client_secret_env: SOFS_TEST_CLIENT_SECRET}"
        )
        settings = write_config(
            tmp_path / "config",
            {
                "oauth-la": rest_authority("oauth-la", base_url, oauth2),
                "key-la": rest_authority(
                    "key-la",
                    base_url,
                    "{type: api_key, send_in: query, name: api_key, api_key_env: SOFS_TEST_API_KEY}",
                ),
                "wrong-key-la": rest_authority(
                    "wrong-key-la",
                    base_url,
                    "{type: api_key, send_in: query, name: api_key, api_key_env: SOFS_TEST_WRONG_KEY}",
                ),
                "sql-la": sql_authority("sql-la", sqlite_url),
            },
        )
        store = App(str(settings)).engine
        daemon = Daemon(settings, load_config(settings), store)
        for code in ("oauth-la", "key-la", "wrong-key-la", "sql-la"):
            daemon.run_sync(code)
        daemon.recompute_statuses()
        (settings.parent / "authorities" / "key-la.yaml").write_text(
            rest_authority(
                "key-la", base_url, "{type: api_key, api_key: " + secret_env["SOFS_TEST_API_KEY"] + "}"
            )
        )
        assert daemon.reload() is False
    log = captured_log.getvalue()

    seen = events(log)
    finished = {e["authority"]: e for e in seen if e["event"] == "run finished"}
    assert {code: finished[code]["outcome"] for code in finished} == {
        "oauth-la": "succeeded", "key-la": "succeeded", "sql-la": "succeeded", "wrong-key-la": "failed",
    }  # fmt: skip
    assert all(finished[code]["read"] == len(cases) + len(forms) for code in ("oauth-la", "key-la", "sql-la"))
    assert any(e["event"] == "batch staged" and e["stream"] == "evidence" for e in seen)
    assert any(e["event"] == "library log" and e["logger"].startswith("urllib3") for e in seen)
    assert any(e["event"] == "config reload rejected; the running config stays" for e in seen)
    assert_nothing_leaked(log, [*secret_env.values(), credentials.access_token, "timeout=17.5", *identifiers])


def load_source(url: str, cases: list[dict[str, Any]], forms: list[dict[str, Any]]) -> None:
    engine = create_engine(url)
    metadata = MetaData()
    tables = {
        name: Table(name, metadata, *(Column(key, Text) for key in rows[0]))
        for name, rows in (("cases", cases), ("forms", forms))
    }
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(tables["cases"].insert(), cases)
        conn.execute(tables["forms"].insert(), forms)
    engine.dispose()


def test_database_passwords_of_the_store_and_the_source_never_reach_the_log(
    tmp_path: Path, captured_log: io.StringIO, secret_env: dict[str, str], postgres_cluster: PostgresCluster
) -> None:
    cases, forms, identifiers = identifiable_records()
    source_url = postgres_cluster.create_database("pg_source")
    load_source(source_url, cases, forms)
    store_url = postgres_cluster.create_database("pg_store")
    settings = write_config(
        tmp_path / "config", {"pg-la": sql_authority("pg-la", source_url, "SOFS_TEST_DB_PASSWORD")}
    )
    settings.write_text(
        f"store:\n  url: {store_url}\n  password_env: SOFS_TEST_DB_PASSWORD\nauthorities_dir: authorities\n"
    )
    app = App(str(settings))
    upgrade(app.engine)
    daemon = Daemon(settings, app.config, app.ready_engine())
    daemon.run_sync("pg-la")
    daemon.recompute_statuses()
    assert daemon.health().body["store"] == {"reachable": True}
    assert b'sofs_sync_quarantine_records{authority="pg-la"}' in daemon.metrics.exposition()
    log = captured_log.getvalue()

    [finished] = [e for e in events(log) if e["event"] == "run finished"]
    assert (finished["outcome"], finished["read"]) == ("succeeded", len(cases) + len(forms))
    assert_nothing_leaked(log, [*secret_env.values(), *identifiers])


def test_an_unexpected_failure_logs_where_it_happened_but_no_exception_message(
    captured_log: io.StringIO,
) -> None:
    _cases, _forms, identifiers = identifiable_records()
    case_ref, child_id = identifiers[0], identifiers[1]
    try:
        try:
            raise KeyError(child_id)
        except KeyError as exc:
            raise ValueError(f"[parameters: ({case_ref!r},)]") from exc
    except ValueError:
        structlog.get_logger("sync.run.runner").error("run failed", exc_info=True)
    log = captured_log.getvalue()

    [event] = events(log)
    assert "builtins.KeyError: [message withheld]" in event["exception"]
    assert event["exception"].endswith("builtins.ValueError: [message withheld]")
    assert "test_safe_logs.py" in event["exception"]
    assert_nothing_leaked(log, [case_ref, child_id])
