"""The `rest` connector: a declarative JSON API source, page by page, resumable mid-pagination.

Position of a stream:
  mid-run  {"watermark": W, "since": S, "max_seen": M, "page": <next page state>}
  mid-page {"watermark": W, "since": S, "max_seen": M before the page, "page": <this page's state>}
  finished {"watermark": max(W, newest cursor seen)}
W is the watermark the run started from and S the value actually sent (W less the lookback), so a
resumed run asks the same question and continues on the saved page. Only a finished pass moves the
watermark: records on pages not yet read can never be skipped. A large page goes to the engine in
several batches, decoded a batch at a time; all but its last carry the position from before the page,
so a run stopped inside a page reads it again (the records read twice are counted as duplicates).
A cursor past now beyond the stream's ahead_tolerance counts as now (and the batch counts it in
`ahead`): a watermark in the future would skip every change until then.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import BaseModel

from connectors.auth import strip_query_params
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
)
from connectors.errors import ConnectorError, FatalError
from connectors.http import Clock, HttpClient, JsonResponse, Sleeper, where
from connectors.incremental import Horizon, later, load_watermark, minus, store_watermark
from connectors.json_body import RecordList
from connectors.pagination import Page, PageState, PageWalk
from connectors.rest_config import RestConfig, RestStream
from mapping.outcomes import canonical_hash
from mapping.paths import MISSING, Path, keys_near, lookup, select, split_path
from mapping.timeformats import as_utc
from mapping.values import RuleFailure

CHECK_PAGES = 2
RECORDS_PER_BATCH = 5_000
"""A page's records go to the engine in batches of at most this many, so a page near the byte limit is
never held decoded whole: decoded, a page of small records costs some 25 times its bytes."""
NO_SUCH_CASE = "sofs-sync-check-no-such-case"
"""The case reference `check` asks for to see whether the API honours a case_filter param."""


@dataclass(frozen=True)
class _Page:
    """One page as the API sent it: its items, decoded as they are read, and where paging goes next."""

    state: PageState
    next_state: PageState | None
    items: list[Any] | RecordList


@dataclass(frozen=True)
class _Chunk:
    """A batch's worth of one page's items, read."""

    records: list[Record]
    rejected: list[Rejected]
    newest: datetime | None
    last: bool
    """The page's last chunk: only its batch may carry the position past the page."""
    first_item: Record | None = None
    """The chunk's first record as it came, to show what a record has when a configured field is missing."""
    ahead: int = 0
    """Records whose cursor lay past now beyond the tolerance; `newest` took now for each."""


class RestConnector(Connector):
    config_model = RestConfig

    def __init__(
        self,
        config: BaseModel,
        secrets: SecretResolver,
        *,
        sleeper: Sleeper = time.sleep,
        clock: Clock = time.time,
    ) -> None:
        if not isinstance(config, RestConfig):
            raise TypeError("RestConnector needs a RestConfig")
        super().__init__(config, secrets)
        self.rest: RestConfig = config
        self.clock = clock
        self.client = HttpClient(
            timeouts=config.timeouts,
            retry=config.retry,
            ca_bundle=config.ca_bundle,
            headers=config.headers,
            sleeper=sleeper,
            clock=clock,
            max_response_mb=config.max_response_mb,
        )
        self.auth = config.auth.build(secrets, self.client)

    def streams(self) -> list[str]:
        return list(self.rest.streams)

    def supports_case_filter(self, stream: str) -> bool:
        return self._stream(stream).case_filter is not None

    def ahead_tolerance(self, stream: str) -> timedelta | None:
        inc = self._stream(stream).incremental
        return None if inc is None else inc.ahead_tolerance.delta

    def close(self) -> None:
        self.client.close()

    def read(self, stream: str, position: Position | None) -> Iterator[Batch]:
        spec = self._stream(stream)
        inc = spec.incremental
        saved = position or {}
        start = as_utc(inc.start) if inc and inc.start else None
        horizon = Horizon.at(self.clock(), inc.ahead_tolerance.delta) if inc else None
        watermark = load_watermark(saved.get("watermark")) or start
        if horizon is not None:
            # A watermark left ahead by an earlier version would still skip every change until then.
            watermark = horizon.held(watermark)
        state: PageState | None = saved.get("page")
        if state is None:
            # A fresh pass: the lookback is applied once, here, and then kept for the whole pass.
            since = minus(watermark, inc.lookback.delta) if inc else None
            max_seen: datetime | None = None
            state = spec.pagination.first()
        else:
            since = load_watermark(saved.get("since"))
            max_seen = load_watermark(saved.get("max_seen"))
        params: dict[str, Any] = dict(spec.params)
        if inc is not None and since is not None:
            params[inc.param] = inc.param_time.format(since)

        for page in self._pages(spec, self._url(spec.path), params, state):
            # Until its last batch is stored, the page is read again from its start.
            before = self._mid_run(watermark, since, max_seen, page.state)
            for chunk in self._chunks(spec, page, horizon):
                max_seen = later(max_seen, chunk.newest)
                if not chunk.last:
                    yield Batch(chunk.records, before, chunk.rejected, ahead=chunk.ahead)
                elif page.next_state is None:
                    finished = later(watermark, max_seen)
                    final = {} if finished is None else {"watermark": store_watermark(finished)}
                    yield Batch(chunk.records, final, chunk.rejected, ahead=chunk.ahead)
                    return
                else:
                    after = self._mid_run(watermark, since, max_seen, page.next_state)
                    yield Batch(chunk.records, after, chunk.rejected, ahead=chunk.ahead)

    @staticmethod
    def _mid_run(
        watermark: datetime | None, since: datetime | None, max_seen: datetime | None, page: PageState
    ) -> Position:
        stored = {"watermark": _stored(watermark), "since": _stored(since), "max_seen": _stored(max_seen)}
        return {**stored, "page": page}

    def read_case(self, stream: str, case_ref: str) -> Iterator[Batch]:
        """Every record of one case; batches carry an empty position, a case read moves no stream."""
        spec = self._stream(stream)
        case_filter = spec.case_filter
        if case_filter is None:
            raise CaseFilterUnsupported(f"stream {stream!r} has no case_filter configured")
        params: dict[str, Any] = dict(spec.params)
        if case_filter.path is not None:
            url = self._url(case_filter.path.replace("{case_ref}", quote(case_ref, safe="")))
        else:
            url = self._url(spec.path)
            params[case_filter.param or ""] = case_ref
        try:
            for page in self._pages(spec, url, params, spec.pagination.first()):
                for chunk in self._chunks(spec, page):
                    yield Batch(chunk.records, {}, chunk.rejected)
        except ConnectorError as exc:
            # A path template puts the case reference in the URL path that messages name.
            message = str(exc).replace(quote(case_ref, safe=""), "<case>").replace(case_ref, "<case>")
            raise type(exc)(message) from None

    def check(self, sample_size: int = 5) -> CheckReport:
        samples: list[StreamSample] = []
        problems: list[str] = []
        notes: list[str] = []
        for name, spec in self.rest.streams.items():
            records: list[Record] = []
            rejected: list[Rejected] = []
            first_item: Record | None = None
            try:
                # Two pages where there are more: the page key is only put to the test by following it.
                # Of each, the first batch's worth of records is the sample.
                with self.client.deadline(CHECK_DEADLINE_SECONDS):
                    first = spec.pagination.first()
                    pages = self._pages(spec, self._url(spec.path), dict(spec.params), first)
                    for _, page in zip(range(CHECK_PAGES), pages, strict=False):
                        sample = next(self._chunks(spec, page))
                        records += sample.records
                        rejected += sample.rejected
                        first_item = first_item or sample.first_item
            except ConnectorError as exc:
                return CheckReport(reachable=False, detail=f"stream {name}: {exc}", samples=samples)
            samples.append(StreamSample(name, records[:sample_size], rejected[:sample_size]))
            inc = spec.incremental
            if inc is not None and first_item is not None and not records:
                # Every sampled record was turned away on its cursor: a sync would quarantine them all.
                near = keys_near(first_item, inc.cursor_field, "a sampled record")
                missing = select(first_item, inc.cursor_field) is MISSING
                problems.append(
                    f"stream {name}: incremental cursor_field {inc.cursor_field!r} is "
                    + (
                        f"in none of the {len(rejected)} sampled records; {near}"
                        if missing
                        else f"not a {inc.cursor_format} time in any of the {len(rejected)} sampled records"
                    )
                )
            found, noted = self._check_case_filter(name, spec)
            problems += found
            notes += noted
        return CheckReport(
            reachable=True,
            detail=f"{self.rest.base_url} answered for every stream",
            samples=samples,
            problems=problems,
            notes=notes,
        )

    def _check_case_filter(self, name: str, spec: RestStream) -> tuple[list[str], list[str]]:
        """Problems and notes about the stream's case_filter: a param is tried with a case that cannot
        exist (an API that ignores it answers with other cases' records); a path cannot be tried."""
        case_filter = spec.case_filter
        if case_filter is None:
            return [], []
        if case_filter.param is None:
            return [], [
                f"stream {name}: case_filter path {case_filter.path!r} is not tried by check; "
                "`resync AUTHORITY --case REF` with a known case is its test"
            ]
        params: dict[str, Any] = {**spec.params, case_filter.param: NO_SUCH_CASE}
        try:
            with self.client.deadline(CHECK_DEADLINE_SECONDS):
                first = spec.pagination.first()
                page = next(self._pages(spec, self._url(spec.path), params, first))
        except ConnectorError as exc:
            return [], [f"stream {name}: case_filter param {case_filter.param!r} could not be tried: {exc}"]
        answered = len(page.items)
        if not answered:
            return [], []
        return [
            f"stream {name}: asked for a case that does not exist through case_filter param "
            f"{case_filter.param!r}, the API returned {answered} records: it seems to ignore the "
            "parameter, and a one-case resync would read other cases' records"
        ], []

    def _pages(self, spec: RestStream, url: str, params: dict[str, Any], state: PageState) -> Iterator[_Page]:
        """Walk the pages from `state`, refusing loops and APIs that ignore the page parameters."""
        walk = PageWalk(state)
        record_list: Path = split_path(spec.records_path) if spec.records_path else ()
        previous: str | None = None
        previous_first: str | None = None
        while True:
            try:
                page_url, query = spec.pagination.request(state, url, params)
            except KeyError:
                raise FatalError(
                    "the stored position does not fit this stream's pagination (was it changed?); "
                    "resync the stream"
                ) from None
            response = self.client.get_json(page_url, query, self.auth, record_list)
            items = self._items(spec, response)
            # Pages differ nearly always at their first item, whose hash is cheap: the whole
            # pages' digests are compared only when their first items' are the same.
            first = canonical_hash(next(iter(items))) if len(items) else None
            whole = _digest(items) if first is not None else None
            if first is not None and first == previous_first and whole == previous:
                raise FatalError(
                    f"{where('GET', response.url)}: a page repeated the previous page's records; "
                    "the API seems to ignore the pagination parameters"
                )
            previous, previous_first = whole, first
            sent = Page(response.url, response.body, response.links, len(items))
            next_state = spec.pagination.next(state, sent)
            if next_state is not None:
                next_state = self._scrubbed(next_state)
                walk.advance(next_state)
            yield _Page(state, next_state, items)
            if next_state is None:
                return
            state = next_state

    def _items(self, spec: RestStream, response: JsonResponse) -> list[Any] | RecordList:
        """The page's items where records_path says, whole or still to be decoded."""
        found = select(response.body, spec.records_path)
        if found is MISSING:
            raise FatalError(
                f"{where('GET', response.url)}: no {spec.records_path!r} in the response body "
                f"(records_path); {keys_near(response.body, spec.records_path or '')}"
            )
        items = [] if found is None else [found] if isinstance(found, dict) else found
        if not isinstance(items, list | RecordList):
            raise FatalError(f"{where('GET', response.url)}: {spec.records_path!r} is not a list of records")
        return items

    def _chunks(self, spec: RestStream, page: _Page, horizon: Horizon | None = None) -> Iterator[_Chunk]:
        """The page's items a batch at a time, each read as `_records` reads them; one chunk at least."""
        items, left = iter(page.items), len(page.items)
        while True:
            piece = list(islice(items, RECORDS_PER_BATCH))
            left -= len(piece)
            yield self._records(spec, piece, last=left == 0, horizon=horizon)
            if left == 0:
                return

    def _records(
        self, spec: RestStream, items: list[Any], *, last: bool, horizon: Horizon | None = None
    ) -> _Chunk:
        """A chunk's records, those turned away, and the newest cursor, held at now where one lies too
        far ahead (counted in `ahead`)."""
        first_item = next((i for i in items if isinstance(i, dict)), None)
        inc = spec.incremental
        if inc is None:
            records = [item for item in items if isinstance(item, dict)]
            return _Chunk(records, _not_objects(items, len(records)), None, last, first_item)
        records = []
        rejected: list[Rejected] = []
        newest: datetime | None = None
        ahead = 0
        field, parse = inc.cursor_field, inc.cursor_time.parse
        segments = split_path(field)
        for item in items:
            if not isinstance(item, dict):
                rejected.append(Rejected("record is not a JSON object", raw_hash=canonical_hash(item)))
                continue
            try:
                # `select`, with the path split once: the whole dotted path is the first key it tries.
                changed = as_utc(parse(item[field] if field in item else lookup(item, segments)))
            except RuleFailure:
                reason = (
                    f"{field} (the incremental cursor_field) is missing or not a time "
                    f"in its cursor_format, {inc.cursor_format}"
                )
                rejected.append(Rejected(reason, raw_hash=canonical_hash(item)))
                continue
            if horizon is not None and horizon.ahead(changed):
                ahead += 1
                changed = horizon.now
            if newest is None or changed > newest:  # `later`, without a call per record
                newest = changed
            records.append(item)
        return _Chunk(records, rejected, newest, last, first_item, ahead)

    def _scrubbed(self, state: PageState) -> PageState:
        """Page states are stored in positions: a key the API echoed into a link must not be."""
        secret_params = self.auth.secret_params()
        if "url" not in state:
            return state
        url = state["url"]
        if urlsplit(url).netloc != urlsplit(self.rest.base_url).netloc:
            raise FatalError(
                f"a next-page link points at another host ({urlsplit(url).hostname}); not following it"
            )
        return {**state, "url": strip_query_params(url, secret_params)}

    def _url(self, path: str) -> str:
        return self.rest.base_url.rstrip("/") + "/" + path.lstrip("/")

    def _stream(self, stream: str) -> RestStream:
        try:
            return self.rest.streams[stream]
        except KeyError:
            raise FatalError(f"unknown stream {stream!r}; configured: {sorted(self.rest.streams)}") from None


def _not_objects(items: list[Any], objects: int) -> list[Rejected]:
    """The page's items that are not JSON objects, each rejected and named by its hash."""
    if objects == len(items):
        return []
    return [
        Rejected("record is not a JSON object", raw_hash=canonical_hash(item))
        for item in items
        if not isinstance(item, dict)
    ]


def _digest(items: list[Any] | RecordList) -> str:
    """A page's items, hashed to compare it with the next page."""
    return items.digest() if isinstance(items, RecordList) else canonical_hash(items)


def _stored(moment: datetime | None) -> str | None:
    return None if moment is None else store_watermark(moment)
