"""The `sql` connector: one SELECT per stream over any SQLAlchemy URL, streamed in batches.

Position of a stream with a cursor_field:
  mid-run  {"watermark": <cursor of the batch's last row>, "watermark_type": ..., "resume": true}
  finished {"watermark": <cursor of the run's last row>, "watermark_type": ...}
The query binds `cursor >= :watermark` and orders by the cursor, so resuming re-reads the rows that
share the last cursor value (duplicates are harmless, writes are idempotent) and never skips one.
The lookback is subtracted only when a new run starts from a finished position. A cursor past now
beyond the stream's ahead_tolerance is stored as now, in the source's own type and spelling, and the
batch counts its rows in `ahead`: they are read again until then. Without a cursor the stream is read
whole every run and its position is always {}.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, SQLAlchemyError

from connectors import sql_watermark
from connectors.base import (
    CHECK_DEADLINE_SECONDS,
    Batch,
    CaseFilterUnsupported,
    CheckReport,
    Connector,
    Position,
    Record,
    Rejected,
    SecretResolver,
    StreamSample,
    chunk_keeping_groups,
)
from connectors.config_blocks import require_secret
from connectors.errors import ConnectorError, FatalError, RetriableError, SourceMissing
from connectors.incremental import Horizon
from connectors.sql_config import SqlConfig, SqlStream
from mapping.outcomes import canonical_hash

# SQLSTATE classes worth retrying: connection (08), resources (53), operator intervention (57),
# transaction rollback such as deadlock or serialisation (40), and driver timeouts (HYT).
RUN_CONNECT_SECONDS = 30.0
"""How long a run waits to connect; without a limit libpq waits on the operating system, minutes."""
CONNECT_TIMEOUT_ARGS = {"postgresql": "connect_timeout", "mssql": "timeout"}
"""The driver argument bounding a connection, by dialect: libpq's connect_timeout, pyodbc's login
timeout. One set in the authority's connect_args wins."""
_RETRIABLE_SQLSTATE = ("08", "53", "57", "40", "HYT", "55P03")
_RETRIABLE_SQLITE = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL"}
# Data exceptions (22) and integrity violations (23): the message quotes a value from a record.
_VALUE_QUOTING_SQLSTATE = ("22", "23")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def read_only(url: URL, connect_args: dict[str, Any]) -> tuple[URL, dict[str, Any]]:
    """Open source connections read-only where the database can be told so at connect time.

    A belt to the braces of a read-only database role (docs/adding-an-authority.md): a mistaken query
    in an authority file must never change an LA's case management system.
    """
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "postgresql":
        option = "-c default_transaction_read_only=on"
        given = str(connect_args.get("options", ""))
        connect_args["options"] = f"{given} {option}".strip()
    elif backend == "sqlite" and url.database not in (None, "", ":memory:"):
        database = url.database or ""
        if not database.startswith("file:"):
            database = f"file:{database}"
        url = url.set(database=database, query={**url.query, "mode": "ro", "uri": "true"})
    elif backend == "mssql" and driver == "pyodbc":
        url = url.update_query_dict({"ApplicationIntent": "ReadOnly"})
    return url, connect_args


class SqlConnector(Connector):
    config_model = SqlConfig

    def __init__(
        self, config: BaseModel, secrets: SecretResolver, *, clock: Callable[[], float] = time.time
    ) -> None:
        if not isinstance(config, SqlConfig):
            raise TypeError("SqlConnector needs a SqlConfig")
        super().__init__(config, secrets)
        self.sql: SqlConfig = config
        self.clock = clock
        """Seconds since the epoch, like `time.time`: what cursors are judged ahead of."""
        self._engine: Engine | None = None
        self._connect_seconds = RUN_CONNECT_SECONDS

    def streams(self) -> list[str]:
        return list(self.sql.streams)

    def supports_case_filter(self, stream: str) -> bool:
        return self._stream(stream).case_query is not None

    def ahead_tolerance(self, stream: str) -> timedelta | None:
        spec = self._stream(stream)
        return spec.ahead_tolerance.delta if spec.cursor_field else None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def read(self, stream: str, position: Position | None) -> Iterator[Batch]:
        spec = self._stream(stream)
        saved = position or {}
        params: dict[str, Any] = {}
        start = None
        horizon = Horizon.at(self.clock(), spec.ahead_tolerance.delta)
        if spec.cursor_field:
            start = sql_watermark.decode(saved) if "watermark" in saved else None
            # A watermark left ahead by an earlier version would still skip every change until then.
            start = None if start is None else sql_watermark.held(start, horizon)
            if start is None:
                params["watermark"] = spec.initial_watermark
            elif saved.get("resume"):
                params["watermark"] = start
            else:
                params["watermark"] = sql_watermark.minus(start, spec.lookback.delta)

        # Hold one batch back: only when the rows run out do we know which batch finishes the run.
        held: Batch | None = None
        last = None
        rows = _with_column(stream, self._rows(stream, spec.query, params), spec.group_by, "group_by")
        for chunk in chunk_keeping_groups(rows, self.sql.batch_size, spec.group_by):
            records, rejected, last = self._ordered(stream, spec, chunk, last)
            if held is not None:
                yield held
            ahead = _ahead(records, spec.cursor_field, horizon)
            position = self._position(spec, _as_watermark(last, horizon), resume=True)
            held = Batch(records, position, rejected, ahead=ahead)
        finished = _as_watermark(last, horizon) if last is not None else start
        final = self._position(spec, finished, resume=False)
        if held is None:
            yield Batch([], final)
        else:
            yield Batch(held.records, final, held.rejected, ahead=held.ahead)

    def read_case(self, stream: str, case_ref: str) -> Iterator[Batch]:
        """Every row of one case; batches carry an empty position, a case read moves no stream."""
        spec = self._stream(stream)
        if spec.case_query is None:
            raise CaseFilterUnsupported(f"stream {stream!r} has no case_query configured")
        rows = self._rows(stream, spec.case_query, {"case_ref": case_ref})
        for chunk in chunk_keeping_groups(rows, self.sql.batch_size, spec.group_by):
            yield Batch(chunk, {})

    def check(self, sample_size: int = 5) -> CheckReport:
        # Someone is waiting at a terminal: connecting gives up within seconds, not the run's limit.
        self.close()
        self._connect_seconds = CHECK_DEADLINE_SECONDS
        try:
            return self._check(sample_size)
        finally:
            self.close()
            self._connect_seconds = RUN_CONNECT_SECONDS

    def _check(self, sample_size: int) -> CheckReport:
        samples: list[StreamSample] = []
        problems: list[str] = []
        for name, spec in self.sql.streams.items():
            params = {"watermark": spec.initial_watermark} if spec.cursor_field else {}
            try:
                rows = self._rows(name, spec.query, params)
                sample = _first_records(rows, sample_size, spec.group_by)
                rows.close()
            except SourceMissing:
                raise  # a mistyped path is the configuration's fault, not an unreachable source
            except ConnectorError as exc:
                return CheckReport(reachable=False, detail=str(exc), samples=samples)
            samples.append(StreamSample(name, sample))
            if sample:
                problems += [
                    f"stream {name}: {_no_column(column, option, sample[0])}"
                    for option, column in (("cursor_field", spec.cursor_field), ("group_by", spec.group_by))
                    if column and column not in sample[0]
                ]
        return CheckReport(
            reachable=True, detail=f"queried {self._safe_url()}", samples=samples, problems=problems
        )

    def _rows(self, stream: str, query: str, params: dict[str, Any]) -> Generator[Record, None, None]:
        """Rows as dicts, fetched `batch_size` at a time through a server-side cursor where supported."""
        folds: dict[str, Callable[[str], str]] = {"as_is": str, "upper": str.upper, "lower": str.lower}
        fold = folds[self.sql.column_names]
        try:
            with self._connect().connect() as connection:
                streaming = connection.execution_options(stream_results=True, yield_per=self.sql.batch_size)
                result = streaming.execute(text(query), params)
                names = list(map(fold, result.keys()))
                for row in result:
                    yield dict(zip(names, row, strict=True))
        except SQLAlchemyError as exc:
            raise _classified(exc, f"stream {stream}") from None

    def _ordered(
        self, stream: str, spec: SqlStream, rows: list[Record], last: Any
    ) -> tuple[list[Record], list[Rejected], Any]:
        """Check the rows come in cursor order (else positions would skip rows) and set aside empties."""
        if not spec.cursor_field:
            return rows, [], None
        records: list[Record] = []
        rejected: list[Rejected] = []
        for row in rows:
            if spec.cursor_field not in row:
                raise FatalError(f"stream {stream}: {_no_column(spec.cursor_field, 'cursor_field', row)}")
            value = row[spec.cursor_field]
            if value is None:
                rejected.append(Rejected(f"{spec.cursor_field} is empty", raw_hash=canonical_hash(row)))
                continue
            try:
                out_of_order = last is not None and value < last
            except TypeError:
                out_of_order = True
            if out_of_order:
                raise FatalError(
                    f"stream {stream}: rows are not ordered by {spec.cursor_field}; "
                    f"add ORDER BY {spec.cursor_field} so positions cannot skip rows"
                )
            last = value
            records.append(row)
        return records, rejected, last

    @staticmethod
    def _position(spec: SqlStream, cursor: Any, *, resume: bool) -> Position:
        if not spec.cursor_field or cursor is None:
            return {}
        encoded = sql_watermark.encode(cursor)
        return {**encoded, "resume": True} if resume else encoded

    def _connect(self) -> Engine:
        if self._engine is None:
            url = make_url(self.sql.url)
            if self.sql.password_env or self.sql.password_file:
                password = require_secret(
                    self.secrets, self.sql.password_env, self.sql.password_file, "database password"
                )
                url = url.set(password=password)
            _source_file_exists(url)
            connect_args = dict(self.sql.connect_args)
            timeout_arg = CONNECT_TIMEOUT_ARGS.get(url.get_backend_name())
            if timeout_arg is not None:
                connect_args.setdefault(timeout_arg, max(2, round(self._connect_seconds)))
            try:
                url, connect_args = read_only(url, connect_args)
                self._engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
            except (ArgumentError, NoSuchModuleError, ImportError) as exc:
                raise FatalError(f"cannot use {self._safe_url()}: {type(exc).__name__}: {exc}") from None
        return self._engine

    def _safe_url(self) -> str:
        # Driver options in the query string are no business of a message or a log.
        return make_url(self.sql.url).set(query={}).render_as_string(hide_password=True)

    def _stream(self, stream: str) -> SqlStream:
        try:
            return self.sql.streams[stream]
        except KeyError:
            raise FatalError(f"unknown stream {stream!r}; configured: {sorted(self.sql.streams)}") from None


def _source_file_exists(url: URL) -> None:
    """A source is read, never created: SQLite would otherwise make an empty database and read nothing."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    if not database.startswith("file:") and not Path(database).expanduser().is_file():
        raise SourceMissing(
            f"the SQLite database that url: names does not exist ({database}); correct url: in the "
            "authority file (a relative path is read from the authority file's folder)"
        )


def _as_watermark(cursor: Any, horizon: Horizon) -> Any:
    return None if cursor is None else sql_watermark.held(cursor, horizon)


def _ahead(records: list[Record], cursor_field: str | None, horizon: Horizon) -> int:
    """How many rows' cursors lie past now beyond the tolerance: rows come in cursor order, so
    those are the last rows, and a batch whose last row is not ahead costs one comparison."""
    if not cursor_field:
        return 0
    count = 0
    for record in reversed(records):
        if not sql_watermark.ahead(record[cursor_field], horizon):
            break
        count += 1
    return count


def _no_column(column: str, option: str, row: Record) -> str:
    return f"the query returns no column {column!r} ({option}); it returns: {', '.join(sorted(row))}"


def _with_column(stream: str, rows: Iterator[Record], column: str | None, option: str) -> Iterator[Record]:
    """Rows, refusing the first that lacks `column`: grouping by a missing column would make the
    whole stream one batch, held in memory with no point to resume from."""
    for row in rows:
        if column is not None and column not in row:
            raise FatalError(f"stream {stream}: {_no_column(column, option, row)}")
        yield row


def _first_records(rows: Iterator[Record], size: int, group_by: str | None) -> list[Record]:
    """The first `size` records: for a stream of grouped rows (form answers), `size` groups."""
    if group_by is None:
        return list(islice(rows, size))
    sample: list[Record] = []
    groups: set[Any] = set()
    for row in rows:
        key = row.get(group_by, object())  # without the column every row is its own group
        if key not in groups:
            if len(groups) == size:
                break
            groups.add(key)
        sample.append(row)
    return sample


def _classified(exc: SQLAlchemyError, where: str) -> ConnectorError:
    """Transient database trouble is retriable; bad SQL, missing tables and refused logins are not."""
    if not isinstance(exc, DBAPIError):
        return FatalError(f"{where}: {type(exc).__name__}: {_first_line(exc)}")
    original = exc.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is None and original is not None and original.args and isinstance(original.args[0], str):
        candidate = original.args[0]
        sqlstate = candidate if len(candidate) == 5 and candidate.isalnum() else None
    first_line = _first_line(original)
    if isinstance(sqlstate, str) and sqlstate.startswith(_VALUE_QUOTING_SQLSTATE):
        # Data and constraint errors quote the offending value, which came from a record.
        first_line = _QUOTED.sub("<value>", first_line)
    message = f"{where}: {type(original).__name__}: {first_line}"
    sqlite_error = getattr(original, "sqlite_errorname", None)
    if isinstance(sqlstate, str):
        retriable = sqlstate.startswith(_RETRIABLE_SQLSTATE)
    elif isinstance(sqlite_error, str):
        retriable = sqlite_error in _RETRIABLE_SQLITE
    else:
        # No code from the server: typically it could not be reached at all.
        retriable = isinstance(exc, OperationalError) or exc.connection_invalidated
    return RetriableError(message) if retriable else FatalError(message)


def _first_line(exc: BaseException | None) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else "")[:300]
