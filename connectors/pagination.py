"""Pagination styles of REST APIs, one small class each, in the spirit of singer-sdk's paginators.

A style turns a page *state* (a small JSON value, stored in positions so a run can resume on the page
it stopped at) into a request, and a response into the next state, or None at the end.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urljoin

from pydantic import Field, PositiveInt

from connectors.config_blocks import StrictModel
from connectors.errors import FatalError
from mapping.paths import MISSING, select

PageState = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """What a style may look at to find the next page."""

    url: str
    body: Any
    links: Mapping[str, Mapping[str, str]]
    record_count: int


class Paginator(StrictModel, abc.ABC):
    def first(self) -> PageState:
        return {}

    def request(self, state: PageState, url: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Where to send the request for this page, with which query parameters."""
        return url, params

    @abc.abstractmethod
    def next(self, state: PageState, page: Page) -> PageState | None:
        """The state of the next page, or None when this was the last."""


class SinglePage(Paginator):
    type: Literal["single"] = "single"

    def next(self, state: PageState, page: Page) -> PageState | None:
        return None


class PageNumberPaginator(Paginator):
    """`?page=1&page_size=100`; ends on an empty or short page."""

    type: Literal["page_number"]
    page_param: str = "page"
    size_param: str | None = "page_size"
    size: PositiveInt = 100
    first_page: int = 1

    def first(self) -> PageState:
        return {"page": self.first_page}

    def request(self, state: PageState, url: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        extra = {self.page_param: state["page"]}
        if self.size_param:
            extra[self.size_param] = self.size
        return url, {**params, **extra}

    def next(self, state: PageState, page: Page) -> PageState | None:
        # Without a size parameter the page size is the server's secret: only an empty page ends.
        short = self.size_param is not None and page.record_count < self.size
        return None if page.record_count == 0 or short else {"page": state["page"] + 1}


class OffsetPaginator(Paginator):
    """`?offset=200&limit=100`; ends on an empty or short page."""

    type: Literal["offset"]
    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: PositiveInt = 100

    def first(self) -> PageState:
        return {"offset": 0}

    def request(self, state: PageState, url: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return url, {**params, self.offset_param: state["offset"], self.limit_param: self.limit}

    def next(self, state: PageState, page: Page) -> PageState | None:
        if page.record_count < self.limit:
            return None
        return {"offset": state["offset"] + page.record_count}


class CursorPaginator(Paginator):
    """An opaque token in the body (`meta.next_cursor`) sent back as a query parameter."""

    type: Literal["cursor"]
    cursor_path: str = Field(min_length=1)
    cursor_param: str = "cursor"

    def request(self, state: PageState, url: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if "cursor" not in state:
            return url, params
        return url, {**params, self.cursor_param: state["cursor"]}

    def next(self, state: PageState, page: Page) -> PageState | None:
        cursor = select(page.body, self.cursor_path)
        if cursor is MISSING or cursor in (None, ""):
            return None
        return {"cursor": cursor}


class _LinkPaginator(Paginator):
    """Follows a URL given by the server, as is: it already carries every parameter."""

    def request(self, state: PageState, url: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return (state["url"], {}) if "url" in state else (url, params)

    @staticmethod
    def _follow(page: Page, link: Any) -> PageState | None:
        if link is MISSING or link in (None, ""):
            return None
        if not isinstance(link, str):
            raise FatalError(f"the next-page link is a {type(link).__name__}, not a URL")
        return {"url": urljoin(page.url, link)}


class NextLinkPaginator(_LinkPaginator):
    """A next link in the body, e.g. OData's `@odata.nextLink`."""

    type: Literal["next_link"]
    next_link_path: str = "@odata.nextLink"

    def next(self, state: PageState, page: Page) -> PageState | None:
        return self._follow(page, select(page.body, self.next_link_path))


class LinkHeaderPaginator(_LinkPaginator):
    """RFC 8288 `Link: <...>; rel="next"` header, as GitHub-style APIs send."""

    type: Literal["link_header"]
    rel: str = "next"

    def next(self, state: PageState, page: Page) -> PageState | None:
        return self._follow(page, page.links.get(self.rel, {}).get("url", MISSING))


PaginationConfig = Annotated[
    SinglePage
    | PageNumberPaginator
    | OffsetPaginator
    | CursorPaginator
    | NextLinkPaginator
    | LinkHeaderPaginator,
    Field(discriminator="type"),
]


class PageWalk:
    """Guards one pass through the pages: a state seen before means the API is looping."""

    def __init__(self, start: PageState) -> None:
        self._seen = {self._key(start)}

    def advance(self, state: PageState) -> None:
        key = self._key(state)
        if key in self._seen:
            raise FatalError(
                "the API returned a next page token or link that was already followed; "
                "stopping instead of paging forever"
            )
        self._seen.add(key)

    @staticmethod
    def _key(state: PageState) -> str:
        return json.dumps(state, sort_keys=True, default=str)
