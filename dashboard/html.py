"""The HTML views' one Jinja environment: the site's pages and the audit pack share its filters and escaping.

Pages hold status as a symbol and words, never colour alone, and name no worker: their data is the
board (the store's views) and each case's element statuses.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from dashboard.freshness import when_text
from dashboard.timeline import day_words, kind_words


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 team`, `3 teams`: a sheet on a wall should not say `1 teams`."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def short_day(value: date) -> str:
    """`18 Nov`: a recent day on a crowded page, where the year goes without saying."""
    return f"{value.day} {value:%b}"


def css_string(value: Any) -> Markup:
    """Text for a CSS string in double quotes, e.g. a printed page's running header."""
    text = " ".join(str(value).split())
    escaped = "".join(f"\\{ord(ch):x} " if ch in '\\"<>&' else ch for ch in text)
    # Every character that could end the string or the style is escaped above.
    return Markup(escaped)  # noqa: S704  # nosec B704


@cache
def environment() -> Environment:
    """The one environment of every HTML view: the site's pages, the board page and the audit pack.
    Made once: a site renders a timeline per case, and compiling the templates each time is waste."""
    env = Environment(
        loader=PackageLoader("dashboard", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = day_words
    env.filters["kind"] = kind_words
    env.filters["plural"] = plural
    env.filters["cssstr"] = css_string
    env.filters["when"] = when_text
    env.filters["short"] = short_day
    return env


def fragment(template: str, **values: Any) -> Markup:
    """A template rendered as a part of a page: autoescaped, so its output is markup already."""
    return Markup(environment().get_template(template).render(**values))  # noqa: S704  # nosec B704
