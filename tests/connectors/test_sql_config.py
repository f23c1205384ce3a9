"""The sql connector's config: secrets by reference, queries that bind what they must, typed watermarks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from connectors import sql_watermark
from connectors.errors import FatalError
from connectors.sql import SqlConnector
from connectors.sql_config import SqlConfig
from tests.connectors.conftest import FakeSecrets

QUERY = "SELECT id, changed FROM t WHERE changed >= :watermark ORDER BY changed, id"


def config(**top: Any) -> dict[str, Any]:
    streams = {"cases": {"query": QUERY, "cursor_field": "changed"}, "evidence": {"query": "SELECT 1 AS one"}}
    return {"url": "postgresql+psycopg://sofs_reader@db.la.example/hdm", "streams": streams, **top}


def test_the_password_is_resolved_from_its_reference_when_connecting() -> None:
    secrets = FakeSecrets(LA_DB_PASSWORD="p@ss/word")
    connector = SqlConnector(SqlConfig.model_validate(config(password_env="LA_DB_PASSWORD")), secrets)
    assert secrets.lookups == []

    engine = connector._connect()

    assert engine.url.password == "p@ss/word"
    assert engine.url.username == "sofs_reader"
    assert secrets.lookups == [("LA_DB_PASSWORD", None)]
    assert "p@ss" not in connector._safe_url()
    connector.close()


def test_a_password_written_into_the_url_is_refused() -> None:
    with pytest.raises(ValidationError, match="move it to password_env or password_file"):
        SqlConfig.model_validate(config(url="postgresql+psycopg://u:secret@db/hdm"))


def test_an_inline_password_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        SqlConfig.model_validate(config(password="secret"))
    with pytest.raises(ValidationError, match="looks like a credential"):
        SqlConfig.model_validate(config(connect_args={"password": "secret"}))


def test_a_password_needs_at_most_one_reference() -> None:
    with pytest.raises(ValidationError, match="only one of password_env or password_file"):
        SqlConfig.model_validate(config(password_env="A", password_file="/b"))


def test_a_sqlite_database_asks_for_no_password() -> None:
    with pytest.raises(ValidationError) as refused:
        SqlConfig.model_validate(config(url="sqlite:///reporting.db", password_env="CMS_DB_PASSWORD"))
    assert (
        "a SQLite database is a file and takes no password: remove password_env "
        "(the file's own permissions guard it)"
    ) in str(refused.value)


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        ({"query": "SELECT * FROM t ORDER BY changed", "cursor_field": "changed"}, "must bind :watermark"),
        ({"query": QUERY}, "no cursor_field"),
        ({"query": "SELECT 1", "lookback": {"minutes": 5}}, "lookback needs a cursor_field"),
        ({"query": "SELECT 1", "case_query": "SELECT 1 WHERE x = 1"}, "must bind :case_ref"),
    ],
)
def test_queries_must_bind_the_parameters_their_options_imply(stream: dict[str, Any], message: str) -> None:
    values = config()
    values["streams"]["cases"] = stream
    with pytest.raises(ValidationError, match=message):
        SqlConfig.model_validate(values)


def test_a_postgres_cast_is_not_mistaken_for_a_bound_watermark() -> None:
    values = config()
    values["streams"]["cases"] = {"query": "SELECT changed::date AS watermark FROM t"}

    SqlConfig.model_validate(values)


def test_cases_and_evidence_streams_are_required() -> None:
    values = config()
    del values["streams"]["evidence"]
    with pytest.raises(ValidationError, match="'evidence'"):
        SqlConfig.model_validate(values)


def test_a_driver_that_is_not_installed_is_a_fatal_error() -> None:
    connector = SqlConnector(
        SqlConfig.model_validate(config(url="mssql+nosuchdriver://u@h/db")), FakeSecrets()
    )

    with pytest.raises(FatalError, match="cannot use"):
        list(connector.read("cases", None))


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 1, 5, 9, 30), date(2026, 1, 5), "2026-01-05 09:30:00", 42, 1.5, Decimal("10.25")],
)
def test_a_watermark_comes_back_as_the_type_the_database_gave(value: Any) -> None:
    assert sql_watermark.decode(sql_watermark.encode(value)) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-05 09:30:00", "2026-01-05 08:30:00"),
        ("2026-01-05T09:30:00", "2026-01-05T08:30:00"),
        ("2026-01-05", "2026-01-04"),
        (datetime(2026, 1, 5, 9, 30), datetime(2026, 1, 5, 8, 30)),
        (date(2026, 1, 5), date(2026, 1, 4)),
    ],
)
def test_the_lookback_keeps_the_watermarks_type_and_spelling(value: Any, expected: Any) -> None:
    assert sql_watermark.minus(value, timedelta(hours=1)) == expected


def test_a_lookback_on_a_numeric_cursor_is_a_fatal_error() -> None:
    with pytest.raises(FatalError, match="lookback needs a date or time cursor"):
        sql_watermark.minus(42, timedelta(minutes=5))


def test_a_password_in_the_url_query_string_is_refused_without_echoing_it() -> None:
    from pydantic import ValidationError

    from connectors.sql_config import SqlConfig

    with pytest.raises(ValidationError) as error:
        SqlConfig.model_validate(
            {
                "url": "mssql+pyodbc://reader@hdm/HDM?driver=ODBC+Driver+18&password=LeakyQS3",
                "streams": {"cases": {"query": "SELECT 1"}, "evidence": {"query": "SELECT 1"}},
            }
        )
    messages = " ".join(e["msg"] for e in error.value.errors(include_input=False))
    assert "looks like a credential" in messages
    assert "LeakyQS3" not in messages


def test_messages_name_the_database_without_its_query_string() -> None:
    from connectors.sql import SqlConnector
    from connectors.sql_config import SqlConfig
    from tests.connectors.conftest import FakeSecrets

    config = SqlConfig.model_validate(
        {
            "url": "nosuchdialect://reader@hdm/HDM?driver=ODBC+Driver+18&ApplicationIntent=ReadOnly",
            "streams": {"cases": {"query": "SELECT 1"}, "evidence": {"query": "SELECT 1"}},
        }
    )
    report = SqlConnector(config, FakeSecrets()).check()
    assert not report.reachable
    assert "ApplicationIntent" not in report.detail
    assert "reader@hdm/HDM" in report.detail
