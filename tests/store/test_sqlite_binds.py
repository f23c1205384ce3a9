"""The store's own fast formatting of dates and UTC timestamps for SQLite writes the very text
SQLAlchemy's processors would, so rows written either way compare, sort and read back alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Date, Engine, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.dialects import sqlite

from store.schema.tables import UtcDateTime
from store.write.bulk import _bind_processor, execute_many, execute_tuples

LONDON = ZoneInfo("Europe/London")
TIMESTAMPS = [
    None,
    datetime(2026, 3, 29, 0, 30),  # naive: taken to be UTC already
    datetime(2026, 3, 29, 1, 30, tzinfo=LONDON),  # the hour the clocks go forward
    datetime(2026, 10, 25, 1, 30, tzinfo=LONDON),  # the repeated hour, first time round
    datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON),  # equal to it as a key, an hour later
    datetime(2026, 1, 1, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(2026, 7, 1, 12, 0, 0, 1, tzinfo=UTC),
]
DATES = [None, date(1, 1, 1), date(999, 12, 31), date(2026, 2, 28)]


TABLE = Table(
    "t",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime),
    Column("on", Date),
)


@pytest.fixture
def store() -> Engine:
    engine = create_engine("sqlite://")
    TABLE.metadata.create_all(engine)
    return engine


def test_dates_and_timestamps_are_stored_as_sqlalchemy_would_store_them(store: Engine) -> None:
    table = TABLE
    rows = [
        {"id": n, "at": at, "on": on}
        for n, (at, on) in enumerate((at, on) for at in TIMESTAMPS for on in DATES)
    ]
    with store.begin() as conn:
        execute_many(conn, insert(table), rows)  # the fast path
        conn.execute(insert(table), [{**row, "id": row["id"] + 1000} for row in rows])  # SQLAlchemy's
        fast = conn.execute(text('SELECT id, at, "on" FROM t WHERE id < 1000 ORDER BY id')).all()
        slow = conn.execute(text('SELECT id - 1000, at, "on" FROM t WHERE id >= 1000 ORDER BY id')).all()
        read_back = conn.execute(select(table.c.at).where(table.c.id < 1000).order_by(table.c.id)).scalars()
        assert fast == slow
        assert list(read_back) == [None if row["at"] is None else row["at"].astimezone(UTC) for row in rows]


def test_rows_given_as_tuples_with_shared_values_are_stored_as_dict_rows_are(store: Engine) -> None:
    table = TABLE
    synced = datetime(2026, 3, 1, 9, 30, tzinfo=LONDON)
    with store.begin() as conn:
        execute_tuples(
            conn, insert(table), ("id", "on"), [(n, on) for n, on in enumerate(DATES)], {"at": synced}
        )
        execute_many(
            conn, insert(table), [{"id": n + 1000, "on": on, "at": synced} for n, on in enumerate(DATES)]
        )
        tuples = conn.execute(text('SELECT id, at, "on" FROM t WHERE id < 1000 ORDER BY id')).all()
        dicts = conn.execute(text('SELECT id - 1000, at, "on" FROM t WHERE id >= 1000 ORDER BY id')).all()
        assert tuples == dicts
        assert len(tuples) == len(DATES)


def test_a_date_stored_in_another_format_keeps_sqlalchemy_s_own_formatting() -> None:
    engine = create_engine("sqlite://")
    table = Table(
        "d",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("on", sqlite.DATE(storage_format="%(day)02d/%(month)02d/%(year)04d")),
    )
    table.metadata.create_all(engine)
    rows = [{"id": n, "on": on} for n, on in enumerate(DATES)]
    with engine.begin() as conn:
        execute_many(conn, insert(table), rows)
        conn.execute(insert(table), [{**row, "id": row["id"] + 1000} for row in rows])
        fast = conn.execute(text('SELECT id, "on" FROM d WHERE id < 1000 ORDER BY id')).all()
        slow = conn.execute(text('SELECT id - 1000, "on" FROM d WHERE id >= 1000 ORDER BY id')).all()
    assert fast == slow
    assert fast[-1] == (len(DATES) - 1, "28/02/2026")


ZONES = st.sampled_from([UTC, LONDON, timezone(timedelta(hours=-5)), timezone(timedelta(minutes=330))])


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=ZONES) | st.datetimes())
def test_any_timestamp_is_formatted_as_sqlalchemy_formats_it(moment: datetime) -> None:
    dialect = sqlite.dialect()
    impl = UtcDateTime().dialect_impl(dialect)
    fast, own = _bind_processor(impl, dialect), impl.bind_processor(dialect)
    assert fast is not None
    assert own is not None
    try:
        expected = own(moment)
    except OverflowError:  # past the year 1 or 9999 in UTC: neither can write it
        return
    assert fast(moment) == expected


class Stamp(datetime):
    """A datetime subclass, as a data library's timestamp is, which writes its own text."""

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return f"stamp {datetime.isoformat(self, sep, timespec)}"


def test_a_datetime_subclass_in_utc_is_formatted_as_sqlalchemy_formats_it() -> None:
    dialect = sqlite.dialect()
    impl = UtcDateTime().dialect_impl(dialect)
    fast, own = _bind_processor(impl, dialect), impl.bind_processor(dialect)
    assert fast is not None
    assert own is not None
    moment = Stamp(2026, 3, 29, 1, 30, 15, 250, tzinfo=UTC)
    assert fast(moment) == own(moment)
