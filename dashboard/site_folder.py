"""One generation of the published site written into its folder: the pages rendered, and the pages of
authorities whose data has not changed since the site being replaced taken from it, linked rather
than copied (`dashboard.publishing` swaps the folder in).

Of the pages rendered, one whose content is the same as the page it replaces is linked too: each
generation lists its pages' digests (`PAGE_DIGESTS`), taken before the page's data date and time made
are filled in (`dashboard.page_stamp`), and a page is written only when its digest differs. So a run
that changed nothing writes the index and the shared freshness file, which carry the new sync time.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from dashboard.freshness import when_text
from dashboard.page_stamp import Stamp, digest, is_stamped
from dashboard.site import SITE_MARKER, Site, authority_files, render_pages
from dashboard.site_pages import slug

PAGE_DIGESTS = ".sofs-sync-pages"
"""In each generation: `digest path` a line for every file rendered into it or taken from the last."""


class OutOfScope(Exception):
    """A site read for one authority was asked to draw another's pages: read the whole site instead."""


def write_site(
    folder: Path, site: Site, only: Collection[str] | None = None, kept: Path | None = None
) -> int:
    """Write the site under `folder`, which must not exist yet; returns the number of pages.

    With `only` and `kept` (the site being replaced), the authorities `only` names are rendered and
    every other one's pages are linked from `kept`; an authority `kept` lacks, or drew before the
    authority's latest run (a sync or an accept from the command line since), is rendered all the same.
    With `kept`, a rendered page whose content `kept` shows already is linked from it, not written."""
    folder.mkdir(parents=True)
    marker = _marker(site)
    (folder / SITE_MARKER).write_text("\n".join(marker.values()) + "\n")
    taken: list[str] = []
    if only is not None and kept is not None:
        known = kept / SITE_MARKER
        shown = set(known.read_text().splitlines()) if known.is_file() else set()
        taken = [c for c in site.authorities() if c not in only and marker[c] in shown]
    drawn = set(site.authorities()) - set(taken)
    if site.scope is not None and not drawn <= {site.scope}:
        raise OutOfScope(f"pages of {', '.join(sorted(drawn - {site.scope}))} must be drawn anew too")
    pages = 0
    before = _digests(kept) if kept is not None else {}
    digests: dict[str, str] = {}
    stamp = _stamps(site)
    rendered = render_pages(site) if not taken else render_pages(site, drawn)
    for relative, text in rendered:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        found = digests[relative] = digest(text)
        if kept is None or before.get(relative) != found or not _link(kept / relative, target):
            target.write_text(stamp(relative).fill(text) if is_stamped(text) else text, encoding="utf-8")
        pages += relative.endswith(".html")
    if kept is not None:
        for code in taken:
            linked = _take_pages(kept, folder, code)
            digests.update({path: before[path] for path in linked if path in before})
            pages += len(linked)
    (folder / PAGE_DIGESTS).write_text("".join(f"{d} {path}\n" for path, d in sorted(digests.items())))
    return pages


def _stamps(site: Site) -> Callable[[str], Stamp]:
    """Each page's stamp by its path: its authority's data date (the folder or file after the page
    kind names the authority, as `authority_files` lays them out) and when the site was made."""
    codes = {slug(code): code for code in site.authorities()}
    made = when_text(site.generated_at)

    def of(relative: str) -> Stamp:
        named = relative.split("/")[1].removesuffix(".html")
        return Stamp(site.data_date([codes[named]]), made)

    return of


def _digests(kept: Path) -> Mapping[str, str]:
    """The digests the site being replaced lists; none from a site published before they were kept."""
    listed = kept / PAGE_DIGESTS
    if not listed.is_file():
        return {}
    return {path: found for found, path in (line.split(" ", 1) for line in listed.read_text().splitlines())}


def _link(page: Path, target: Path) -> bool:
    """Link a kept page to `target` (copied where the file system will not link); False if it is gone."""
    if not page.is_file():
        return False
    try:
        os.link(page, target)
    except OSError:
        shutil.copy2(page, target)
    return True


def _marker(site: Site) -> dict[str, str]:
    """The marker file's lines: when the site was published, and which run each authority's pages show."""
    lines = {"": f"published {site.generated_at.isoformat()}"}
    for code in site.authorities():
        lines[code] = f"authority {code} after run {site.latest_runs.get(code)}"
    return lines


def _take_pages(kept: Path, folder: Path, code: str) -> list[str]:
    """Link one authority's pages from the site being replaced into `folder`; returns their paths.

    A hard link shares the file, which no publish ever writes into again; where the file system will
    not link (another device), the page is copied."""
    taken = []
    for relative in authority_files(code):
        source = kept / relative
        sources = sorted(source.rglob("*.html")) if source.is_dir() else [source] if source.is_file() else []
        for page in sources:
            target = folder / page.relative_to(kept)
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(page, target)
            taken.append(str(page.relative_to(kept)))
    return taken
