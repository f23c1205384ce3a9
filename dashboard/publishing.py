"""The site's folder: a new generation swapped in whole, one publisher at a time, and nothing removed
that publishing did not make.

`out` is a symlink to a generation, a sibling folder `.NAME.<12 hex digits>` holding the site's marker
file. Under an exclusive lock on `.NAME.lock` beside it, a publish writes a new generation, points a
temporary link `.NAME.link-<8 hex digits>` at it and renames the link onto `out` (atomic on POSIX), so a
reader sees the old site or the new one, never half of one. Then it removes every other generation and
temporary link of `out`: the one just replaced and any a killed publish left behind. A link to a folder
publishing did not make, or a folder of someone else's files, is refused before anything is created.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboard.site import SITE_MARKER, Site
from dashboard.site_folder import write_site


class NotASite(Exception):
    """The target is not a site publishing made, or not a folder it may make: it is left alone."""


def publish(out: Path, site: Site, only: Collection[str] | None = None) -> int:
    """Publish the site at `out` atomically; returns the number of pages.

    With `only`, the authorities it names are rendered and the others' pages taken from the site
    being replaced: after one authority's run, nothing else has changed. Of the pages rendered, those
    the site being replaced shows with the same content are linked from it rather than written."""
    out = out.absolute()
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _publisher(out):
        # Again: another publisher may have swapped while this one waited.
        current = check_target(out)
        fresh = out.parent / f".{out.name}.{uuid.uuid4().hex[:12]}"
        try:
            pages = write_site(fresh, site, only, kept=current)
            link = out.parent / f".{out.name}.link-{uuid.uuid4().hex[:8]}"
            link.symlink_to(fresh.name)
            if out.is_dir() and not out.is_symlink():
                # A site from before publishing used a link, or an empty folder: moved aside under a
                # generation's name, then cleared like any other generation.
                out.rename(out.parent / f".{out.name}.{uuid.uuid4().hex[:12]}")
            os.replace(link, out)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        # The generation just replaced goes, with any that a killed or refused publish left behind.
        _clear_generations(out, keep=fresh.name)
    return pages


def check_target(out: Path) -> Path | None:
    """The generation `out` shows now, or None; NotASite when publishing may not make or replace it.

    Reads only: it runs before the first folder or lock file is created."""
    if out.name in ("", ".", ".."):
        raise NotASite(f"{out}: name the site's folder itself, not '{out.name}'")
    missing = _missing_parts(out.parent)
    if ".." in missing:
        raise NotASite(f"{out}: a folder it passes through does not exist; give a path without '..'")
    if out.is_symlink():
        target = os.readlink(out)
        if not re.fullmatch(rf"\.{re.escape(out.name)}\.[0-9a-f]{{12}}", target):
            raise NotASite(
                f"{out} is a link to {target}, a folder publishing did not make; it is left alone. "
                "Give a new path for the site, or a new or empty folder"
            )
        generation = out.parent / target
        if generation.exists() and not (generation / SITE_MARKER).is_file():
            raise NotASite(f"{out} links to {target}, which holds no published site; it is left alone")
        return generation
    if not out.exists():
        return None
    if out.is_dir() and ((out / SITE_MARKER).is_file() or not any(out.iterdir())):
        return out
    raise NotASite(f"{out} exists and is not a site published here; give a new or empty folder")


def _generations(out: Path) -> Iterator[Path]:
    """What earlier publishes of `out` made beside it: its generations and temporary links."""
    own = re.compile(rf"\.{re.escape(out.name)}\.([0-9a-f]{{12}}|link-[0-9a-f]{{8}})")
    for path in out.parent.iterdir():
        if own.fullmatch(path.name):
            yield path


def _clear_generations(out: Path, keep: str) -> None:
    """Remove every generation of `out` but `keep`: only links, marked sites and empty folders, so a
    folder of someone else's that happens to share the name pattern stays."""
    for path in _generations(out):
        if path.name == keep:
            continue
        if path.is_symlink():
            path.unlink(missing_ok=True)
        elif (path / SITE_MARKER).is_file():
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _missing_parts(folder: Path) -> list[str]:
    """The parts of `folder` below its nearest existing ancestor: what mkdir would create."""
    missing: list[str] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder.name)
        folder = folder.parent
    return missing


@contextmanager
def _publisher(out: Path) -> Iterator[None]:
    """One publisher at a time per output folder, across processes (the daemon and `publish` alike).

    The lock file stays: removing it would let a waiting publisher lock a file nobody else opens.
    Released by the kernel when a publisher dies, so a killed publish never blocks the next."""
    with open(out.parent / f".{out.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
