"""What a page says it is as of, kept out of the text its content is compared by.

A page's content is rendered with marks where its data date and the time it was made go; its digest is
taken over that text, so two publishes that would show the same content give the same digest whatever
the time. Only a page that is written gets the marks filled in (`dashboard.site_folder`), and a page
kept from an earlier publish keeps the date it was written with: what its own content is as of.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from markupsafe import Markup, escape

from dashboard.html import css_string

# NUL never comes from a template; a source's text would have to hold a mark's whole word between
# two NULs to be taken for one.
DATA_DATE = "\x00data-date\x00"
DATA_DATE_CSS = "\x00data-date-css\x00"
MADE = "\x00made\x00"
MADE_CSS = "\x00made-css\x00"

MARKS = {
    "data_date": Markup(DATA_DATE),  # noqa: S704  # nosec B704  # constant text
    "data_date_css": Markup(DATA_DATE_CSS),  # noqa: S704  # nosec B704
    "generated": Markup(MADE),  # noqa: S704  # nosec B704
    "generated_css": Markup(MADE_CSS),  # noqa: S704  # nosec B704
}
"""The template values a stamped page is rendered with, in place of its data date and time made."""


@dataclass(frozen=True)
class Stamp:
    """What a written page says: its authority's data date and when it was made, as a person reads them."""

    data_date: str
    made: str

    def fill(self, text: str) -> str:
        """The page's text with its marks filled in, each escaped for where it stands."""
        return (
            text.replace(DATA_DATE, str(escape(self.data_date)))
            .replace(DATA_DATE_CSS, str(css_string(self.data_date)))
            .replace(MADE, str(escape(self.made)))
            .replace(MADE_CSS, str(css_string(self.made)))
        )


def is_stamped(text: str) -> bool:
    """Whether a page was rendered with the marks: by the marks themselves, since a NUL may come
    from a source's text (SQLite keeps it) in a page that has none, such as the index."""
    return any(mark in text for mark in (DATA_DATE, DATA_DATE_CSS, MADE, MADE_CSS))


def digest(text: str) -> str:
    """The content's fingerprint, taken before the marks are filled in."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
