"""A page's data date and time made are left as marks while its content is compared, and filled in,
escaped for where each stands, only when the page is written."""

from __future__ import annotations

from dashboard.html import css_string, environment
from dashboard.page_stamp import MARKS, Stamp, digest, is_stamped

PAGE = (
    '<style>@page { @top-right { content: "Data as of {{ data_date_css }}"; } }</style>'
    "<p>Data as of <strong>{{ data_date }}</strong> · page made {{ generated }}</p>"
    "<p>{{ case_ref }}</p>"
)


def render(case_ref: str) -> str:
    return environment().from_string(PAGE).render(**MARKS, case_ref=case_ref)


def test_the_same_content_has_the_same_digest_whatever_the_date_it_is_written_with() -> None:
    first, again, other = render("WV1"), render("WV1"), render("WV2")
    assert is_stamped(first)
    assert digest(first) == digest(again)
    assert digest(first) != digest(other)
    early = Stamp("4 Dec 2026, 09:15 GMT", "4 Dec 2026, 09:20 GMT").fill(first)
    late = Stamp("5 Dec 2026, 09:15 GMT", "5 Dec 2026, 09:20 GMT").fill(again)
    assert early != late
    assert "Data as of <strong>4 Dec 2026, 09:15 GMT</strong> · page made 4 Dec 2026, 09:20 GMT" in early
    assert not is_stamped(early)


def test_a_nul_in_a_pages_own_text_does_not_make_it_stamped() -> None:
    # A source's text may hold a NUL (SQLite keeps it), and the index has no marks to fill in.
    assert not is_stamped("<li>Team\x00A</li>")
    assert is_stamped("<li>Team\x00A</li>" + render("WV1"))


def test_a_filled_in_date_is_escaped_for_the_html_and_for_the_css_string() -> None:
    said = 'no sync yet: Bath & "North" <East>'
    page = Stamp(said, "now").fill(render("WV1"))
    assert "<strong>no sync yet: Bath &amp; &#34;North&#34; &lt;East&gt;</strong>" in page
    assert f'content: "Data as of {css_string(said)}"' in page
    assert '"North"' not in page.split("</style>")[0], "no quote ends the CSS string early"
