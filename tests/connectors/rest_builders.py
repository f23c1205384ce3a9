"""Builders for rest connector tests: configs stating only what a test cares about, and paged APIs."""

from __future__ import annotations

from typing import Any

from connectors.base import Batch, Position, Record
from connectors.rest import RestConnector
from connectors.rest_config import RestConfig
from tests.connectors.conftest import FakeSecrets, FakeTime
from tests.connectors.scripted_http import Reply, ScriptedServer, SeenRequest


def rest_config(base_url: str, cases: dict[str, Any] | None = None, **top: Any) -> RestConfig:
    streams = {
        "cases": {"path": "/cases", "records_path": "items", **(cases or {})},
        "evidence": {"path": "/evidence", "records_path": "items"},
    }
    values: dict[str, Any] = {
        "base_url": base_url,
        "streams": streams,
        "timeouts": {"connect": 2, "read": 2},
        "retry": {"budget_seconds": 600, "max_attempts": 6},
    }
    values.update(top)
    return RestConfig.model_validate(values)


def rest_connector(
    base_url: str,
    cases: dict[str, Any] | None = None,
    *,
    secrets: FakeSecrets | None = None,
    time: FakeTime | None = None,
    **top: Any,
) -> RestConnector:
    time = time or FakeTime()
    return RestConnector(
        rest_config(base_url, cases, **top), secrets or FakeSecrets(), sleeper=time.sleep, clock=time.clock
    )


def read_all(
    connector: RestConnector, stream: str = "cases", position: Position | None = None
) -> list[Batch]:
    return list(connector.read(stream, position))


def records_of(batches: list[Batch]) -> list[Record]:
    return [record for batch in batches for record in batch.records]


def ids_of(batches: list[Batch]) -> list[int]:
    return [record["id"] for record in records_of(batches)]


def numbered(count: int) -> list[Record]:
    return [{"id": n, "updated_at": f"2026-01-{n:02d}T10:00:00Z"} for n in range(1, count + 1)]


def serve_paged(server: ScriptedServer, style: str, records: list[Record], size: int = 2) -> dict[str, Any]:
    """Serve `records` at /cases paginated in `style`; returns the stream config that reads it."""
    base = server.url

    def page_from(request: SeenRequest) -> tuple[list[Record], int | None]:
        start = int(request.param("token") or request.param("$skiptoken") or 0)
        following = start + size
        return records[start:following], following if following < len(records) else None

    def by_page_number(request: SeenRequest) -> Reply:
        page = int(request.param("page") or 1)
        return Reply(json={"items": records[(page - 1) * size : page * size]})

    def by_offset(request: SeenRequest) -> Reply:
        offset, limit = int(request.param("offset") or 0), int(request.param("limit") or size)
        return Reply(json={"items": records[offset : offset + limit]})

    def by_cursor(request: SeenRequest) -> Reply:
        chunk, following = page_from(request)
        return Reply(json={"items": chunk, "meta": {"next": None if following is None else str(following)}})

    def by_next_link(request: SeenRequest) -> Reply:
        chunk, following = page_from(request)
        link = None if following is None else f"{base}/cases?$skiptoken={following}"
        return Reply(json={"value": chunk, "@odata.nextLink": link})

    def by_link_header(request: SeenRequest) -> Reply:
        chunk, following = page_from(request)
        headers = {} if following is None else {"Link": f'<{base}/cases?token={following}>; rel="next"'}
        return Reply(json=chunk, headers=headers)

    responders = {
        "page_number": by_page_number,
        "offset": by_offset,
        "cursor": by_cursor,
        "next_link": by_next_link,
        "link_header": by_link_header,
    }
    respond = responders[style]
    server.handle("/cases", respond)
    stream: dict[str, dict[str, Any]] = {
        "page_number": {"records_path": "items", "pagination": {"type": "page_number", "size": size}},
        "offset": {"records_path": "items", "pagination": {"type": "offset", "limit": size}},
        "cursor": {
            "records_path": "items",
            "pagination": {"type": "cursor", "cursor_path": "meta.next", "cursor_param": "token"},
        },
        "next_link": {"records_path": "value", "pagination": {"type": "next_link"}},
        "link_header": {"records_path": None, "pagination": {"type": "link_header"}},
    }
    return stream[style]


PAGINATION_STYLES = ["page_number", "offset", "cursor", "next_link", "link_header"]
