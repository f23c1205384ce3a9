"""One generation of the published site written into its folder: the pages rendered, and the pages of
authorities whose data has not changed since the site being replaced taken from it, linked rather
than copied (`dashboard.publishing` swaps the folder in)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection
from pathlib import Path

from dashboard.site import SITE_MARKER, Site, authority_files, render_pages


class OutOfScope(Exception):
    """A site read for one authority was asked to draw another's pages: read the whole site instead."""


def write_site(
    folder: Path, site: Site, only: Collection[str] | None = None, kept: Path | None = None
) -> int:
    """Write the site under `folder`, which must not exist yet; returns the number of pages.

    With `only` and `kept` (the site being replaced), the authorities `only` names are rendered and
    every other one's pages are linked from `kept`; an authority `kept` lacks, or drew before the
    authority's latest run (a sync or an accept from the command line since), is rendered all the same."""
    folder.mkdir(parents=True)
    marker = _marker(site)
    (folder / SITE_MARKER).write_text("\n".join(marker.values()) + "\n")
    taken: list[str] = []
    if only is not None and kept is not None:
        known = kept / SITE_MARKER
        before = set(known.read_text().splitlines()) if known.is_file() else set()
        taken = [c for c in site.authorities() if c not in only and marker[c] in before]
    drawn = set(site.authorities()) - set(taken)
    if site.scope is not None and not drawn <= {site.scope}:
        raise OutOfScope(f"pages of {', '.join(sorted(drawn - {site.scope}))} must be drawn anew too")
    pages = 0
    rendered = render_pages(site) if not taken else render_pages(site, drawn)
    for relative, text in rendered:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        pages += relative.endswith(".html")
    if kept is not None:
        pages += sum(_take_pages(kept, folder, code) for code in taken)
    return pages


def _marker(site: Site) -> dict[str, str]:
    """The marker file's lines: when the site was published, and which run each authority's pages show."""
    lines = {"": f"published {site.generated_at.isoformat()}"}
    for code in site.authorities():
        lines[code] = f"authority {code} after run {site.latest_runs.get(code)}"
    return lines


def _take_pages(kept: Path, folder: Path, code: str) -> int:
    """Link one authority's pages from the site being replaced into `folder`; returns how many.

    A hard link shares the file, which no publish ever writes into again; where the file system will
    not link (another device), the page is copied."""
    pages = 0
    for relative in authority_files(code):
        source = kept / relative
        sources = sorted(source.rglob("*.html")) if source.is_dir() else [source] if source.is_file() else []
        for page in sources:
            target = folder / page.relative_to(kept)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(page, target)
            except OSError:
                shutil.copy2(page, target)
            pages += 1
    return pages
