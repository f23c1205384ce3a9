"""The sql connector on SQLite and PostgreSQL: batches, groups, watermarks and resumable positions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.base import Batch, Position
from connectors.errors import FatalError, RetriableError
from connectors.sql import SqlConnector, read_only
from connectors.sql_config import SqlConfig
from tests.connectors.conftest import FakeSecrets
from tests.pgcluster import free_port

CASES = "SELECT case_ref, team, updated FROM src_cases WHERE updated >= :watermark ORDER BY updated, case_ref"
ANSWERS = (
    "SELECT form_id, answer_no, answer, form_updated FROM src_answers "
    "WHERE form_updated >= :watermark ORDER BY form_updated, form_id, answer_no"
)
T0 = datetime(2026, 1, 5, 9, 0, 0)

metadata = sa.MetaData()
src_cases = sa.Table(
    "src_cases",
    metadata,
    sa.Column("case_ref", sa.String(20), primary_key=True),
    sa.Column("team", sa.String(40)),
    sa.Column("updated", sa.DateTime, nullable=True),
)
src_answers = sa.Table(
    "src_answers",
    metadata,
    sa.Column("form_id", sa.Integer, primary_key=True),
    sa.Column("answer_no", sa.Integer, primary_key=True),
    sa.Column("answer", sa.String(200)),
    sa.Column("form_updated", sa.DateTime),
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def source_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    url = (
        f"sqlite:///{tmp_path}/source.db"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        # Ten cases, two sharing each timestamp; eight forms of three answers, forms paired by time.
        conn.execute(
            src_cases.insert(),
            [
                {"case_ref": f"C{n:02d}", "team": "North", "updated": T0 + timedelta(hours=n // 2)}
                for n in range(10)
            ],
        )
        conn.execute(
            src_answers.insert(),
            [
                {
                    "form_id": f,
                    "answer_no": a,
                    "answer": f"{f}.{a}",
                    "form_updated": T0 + timedelta(hours=f // 2),
                }
                for f in range(8)
                for a in range(3)
            ],
        )
    engine.dispose()
    return url


def sql_connector(url: str, batch_size: int = 4, **streams: dict[str, Any]) -> SqlConnector:
    config = SqlConfig.model_validate(
        {
            "url": url,
            "batch_size": batch_size,
            "streams": {
                "cases": {"query": CASES, "cursor_field": "updated"},
                "evidence": {"query": ANSWERS, "cursor_field": "form_updated", "group_by": "form_id"},
                **streams,
            },
        }
    )
    return SqlConnector(config, FakeSecrets())


def read(connector: SqlConnector, stream: str, position: Position | None = None) -> list[Batch]:
    return list(connector.read(stream, position))


def keys(batches: list[Batch], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r[c] for c in columns) for b in batches for r in b.records]


def test_rows_arrive_in_batches_whose_position_is_the_last_cursor_read(source_url: str) -> None:
    with sql_connector(source_url, batch_size=4) as connector:
        batches = read(connector, "cases")

    assert [len(b.records) for b in batches] == [4, 4, 2]
    assert keys(batches, "case_ref") == [(f"C{n:02d}",) for n in range(10)]
    assert all(b.position["resume"] for b in batches[:-1])
    assert "resume" not in batches[-1].position
    assert batches[-1].position["watermark"].startswith("2026-01-05")


def test_group_by_keeps_every_answer_of_a_form_in_one_batch(source_url: str) -> None:
    with sql_connector(source_url, batch_size=4) as connector:
        batches = read(connector, "evidence")

    for batch in batches:
        forms = [r["form_id"] for r in batch.records]
        assert all(forms.count(f) == 3 for f in set(forms)), forms
    assert len(keys(batches, "form_id", "answer_no")) == 24


@pytest.mark.parametrize("stream", ["cases", "evidence"])
def test_resuming_from_each_intermediate_position_loses_no_row(source_url: str, stream: str) -> None:
    columns = ("case_ref",) if stream == "cases" else ("form_id", "answer_no")
    with sql_connector(source_url, batch_size=4) as connector:
        batches = read(connector, stream)
        for index, batch in enumerate(batches[:-1]):
            resumed = keys(read(connector, stream, batch.position), *columns)
            remaining = keys(batches[index + 1 :], *columns)
            assert set(remaining) <= set(resumed), f"rows lost resuming after batch {index}"
            # Only rows sharing the last delivered cursor value are read again.
            assert len(resumed) - len(remaining) <= 6


def test_rows_sharing_a_timestamp_across_a_batch_boundary_are_not_lost(source_url: str) -> None:
    # Batches of 3 cut the pairs of equal timestamps apart: C02|C03 share a time, as do C04|C05.
    with sql_connector(source_url, batch_size=3) as connector:
        first = read(connector, "cases")
        resumed = read(connector, "cases", first[0].position)

    assert keys(first[:1], "case_ref") == [("C00",), ("C01",), ("C02",)]
    assert keys(resumed, "case_ref")[:2] == [("C02",), ("C03",)]


def test_the_next_run_starts_at_the_watermark_less_the_lookback(source_url: str) -> None:
    with sql_connector(source_url) as connector:
        finished = read(connector, "cases")[-1].position
    engine = sa.create_engine(source_url)
    with engine.begin() as conn:
        # Committed late, stamped 30 minutes before the newest row already read.
        conn.execute(
            src_cases.insert(),
            [{"case_ref": "LATE", "team": "N", "updated": T0 + timedelta(hours=3, minutes=30)}],
        )
    engine.dispose()

    without = sql_connector(source_url)
    with_lookback = sql_connector(
        source_url, cases={"query": CASES, "cursor_field": "updated", "lookback": {"hours": 1}}
    )

    assert ("LATE",) not in keys(read(without, "cases", finished), "case_ref")
    assert ("LATE",) in keys(read(with_lookback, "cases", finished), "case_ref")


def test_a_run_with_no_new_rows_keeps_its_watermark(source_url: str) -> None:
    with sql_connector(source_url) as connector:
        finished = read(connector, "cases")[-1].position
        later_query = CASES.replace(">= :watermark", "> :watermark")
        again = sql_connector(source_url, cases={"query": later_query, "cursor_field": "updated"})
        (batch,) = read(again, "cases", finished)

    assert batch.records == []
    assert batch.position == finished


def test_a_query_not_ordered_by_its_cursor_is_refused(source_url: str) -> None:
    unordered = "SELECT case_ref, updated FROM src_cases WHERE updated >= :watermark ORDER BY case_ref DESC"
    with (
        sql_connector(source_url, cases={"query": unordered, "cursor_field": "updated"}) as connector,
        pytest.raises(FatalError, match="not ordered by updated"),
    ):
        read(connector, "cases")


def test_a_row_with_an_empty_cursor_is_rejected_with_its_reason(source_url: str) -> None:
    query = "SELECT case_ref, updated FROM src_cases ORDER BY updated, case_ref"
    engine = sa.create_engine(source_url)
    with engine.begin() as conn:
        conn.execute(src_cases.insert(), [{"case_ref": "NOTIME", "team": "N", "updated": None}])
    engine.dispose()
    config = {
        "query": query.replace("ORDER", "WHERE updated >= :watermark OR updated IS NULL ORDER"),
        "cursor_field": "updated",
    }

    with sql_connector(source_url, batch_size=100, cases=config) as connector:
        batches = read(connector, "cases")

    assert [r.reason for b in batches for r in b.rejected] == ["updated is empty"]
    assert len(keys(batches, "case_ref")) == 10


def test_a_missing_table_is_a_fatal_error_naming_the_stream(source_url: str) -> None:
    config = {"query": "SELECT x FROM no_such_table WHERE x >= :watermark ORDER BY x", "cursor_field": "x"}
    with (
        sql_connector(source_url, cases=config) as connector,
        pytest.raises(FatalError, match="stream cases"),
    ):
        read(connector, "cases")


def test_a_case_query_reads_every_row_of_one_case(source_url: str) -> None:
    config = {
        "query": ANSWERS,
        "cursor_field": "form_updated",
        "group_by": "form_id",
        "case_query": "SELECT form_id, answer_no FROM src_answers WHERE form_id = :case_ref ORDER BY 2",
    }
    with sql_connector(source_url, evidence=config) as connector:
        batches = list(connector.read_case("evidence", "3"))
        assert connector.supports_case_filter("evidence")
        assert not connector.supports_case_filter("cases")

    assert keys(batches, "form_id", "answer_no") == [(3, 0), (3, 1), (3, 2)]
    assert all(b.position == {} for b in batches)


def test_check_samples_each_stream(source_url: str) -> None:
    with sql_connector(source_url) as connector:
        report = connector.check(sample_size=2)

    assert report.reachable, report.detail
    # Evidence is grouped by form: a sample of 2 is two whole forms of three answers each.
    assert [(s.stream, len(s.records)) for s in report.samples] == [("cases", 2), ("evidence", 6)]
    assert report.problems == []


def test_check_names_a_cursor_field_and_a_group_by_the_query_does_not_return(source_url: str) -> None:
    misspelt = {
        "cases": {"query": CASES, "cursor_field": "UPDATED"},
        "evidence": {"query": ANSWERS, "cursor_field": "form_updated", "group_by": "FORM_ID"},
    }
    with sql_connector(source_url, **misspelt) as connector:
        report = connector.check(sample_size=2)

    assert report.problems == [
        "stream cases: the query returns no column 'UPDATED' (cursor_field); "
        "it returns: case_ref, team, updated",
        "stream evidence: the query returns no column 'FORM_ID' (group_by); "
        "it returns: answer, answer_no, form_id, form_updated",
    ]


def test_a_group_by_the_query_does_not_return_fails_the_read_instead_of_one_huge_batch(
    source_url: str,
) -> None:
    stream = {"query": ANSWERS, "cursor_field": "form_updated", "group_by": "FORM_ID"}
    with (
        sql_connector(source_url, evidence=stream) as connector,
        pytest.raises(FatalError, match=r"no column 'FORM_ID' \(group_by\); it returns: answer, answer_no"),
    ):
        read(connector, "evidence")


@pytest.mark.postgres
def test_postgres_rows_are_streamed_through_a_server_side_cursor(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    metadata.create_all(engine)
    engine.dispose()
    cursors: list[str] = []
    connector = sql_connector(postgres_url)
    sa.event.listen(
        connector._connect(),
        "before_cursor_execute",
        lambda conn, cursor, *rest: cursors.append(type(cursor).__name__),
    )

    read(connector, "cases")
    connector.close()

    assert cursors == ["ServerCursor"]


@pytest.mark.postgres
def test_an_unreachable_database_is_retriable() -> None:
    connector = sql_connector(f"postgresql+psycopg://sofs@127.0.0.1:{free_port()}/db")

    with pytest.raises(RetriableError, match="stream cases"):
        read(connector, "cases")


@pytest.mark.postgres
@pytest.mark.parametrize("source_url", ["postgres"], indirect=True)
def test_a_value_the_database_cannot_convert_is_not_quoted_in_the_error(source_url: str) -> None:
    # A mistyped query casts the case reference; PostgreSQL quotes the value it could not convert.
    query = "SELECT CAST(case_ref AS integer) AS n, updated FROM src_cases WHERE updated >= :watermark"
    config = {"query": f"{query} ORDER BY updated", "cursor_field": "updated"}
    with sql_connector(source_url, cases=config) as connector, pytest.raises(FatalError) as error:
        read(connector, "cases")
    assert "stream cases: InvalidTextRepresentation" in str(error.value)
    assert "C0" not in str(error.value)


def test_a_missing_sqlite_source_is_an_error_and_is_never_created(tmp_path: Any) -> None:
    missing = tmp_path / "reporting.db"
    connector = sql_connector(f"sqlite:///{missing}")
    with pytest.raises(FatalError, match=r"the SQLite database that url: names does not exist"):
        read(connector, "cases")
    assert not missing.exists()


def test_a_relative_sqlite_url_is_taken_from_the_authority_file() -> None:
    from pathlib import Path

    from connectors.sql_config import sqlite_relative_to

    base = Path("/etc/sofs-sync/authorities")
    assert sqlite_relative_to("sqlite:///../reporting.db", base) == "sqlite:////etc/sofs-sync/reporting.db"
    assert sqlite_relative_to("sqlite:////srv/cms.db", base) == "sqlite:////srv/cms.db"
    assert sqlite_relative_to("postgresql+psycopg://u@h/db", base) == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("source_url", ["sqlite"], indirect=True)
def test_a_sqlite_source_is_opened_read_only(source_url: str) -> None:
    connector = sql_connector(source_url)
    with connector._connect().connect() as conn, pytest.raises(sa.exc.OperationalError, match="readonly"):
        conn.execute(sa.text("DELETE FROM src_cases"))
    assert len(keys(read(connector, "cases"), "case_ref")) == 10


@pytest.mark.postgres
def test_a_postgres_source_session_is_read_only(postgres_url: str) -> None:
    connector = sql_connector(postgres_url)
    with connector._connect().connect() as conn:
        assert conn.execute(sa.text("SHOW default_transaction_read_only")).scalar() == "on"
        with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            conn.execute(sa.text("CREATE TABLE written_by_mistake (x int)"))


def test_a_sql_server_source_asks_for_a_read_only_intent() -> None:
    url, _ = read_only(sa.engine.make_url("mssql+pyodbc://la_reader@dsn-name?driver=ODBC+Driver+18"), {})
    assert url.query["ApplicationIntent"] == "ReadOnly"
