"""The cyclic garbage collector run less often while a run reads its source.

A read makes and drops a handful of objects per record (the decoded record, its mapped values, its
schema record), almost none of them in reference cycles: reference counting frees them. At the
collector's default threshold a young-generation collection runs every 700 allocations, and each
promotion pushes toward a full collection over every object the process holds (its imported
modules among them): about a tenth of a full sync's CPU spent finding no garbage. Raising the
threshold while a read runs keeps that work to a few collections a batch; cycles still made (by
the database driver, say) wait a few thousand allocations longer. Several runs may read at once in
the daemon's threads: the first to start raises the threshold and the last to end restores it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

READING_THRESHOLD = 10_000
"""Allocations between young-generation collections while a run reads (the default is 700)."""


class _RaisedThreshold:
    """The threshold raised while any block holds it, counted across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._before = gc.get_threshold()

    def enter(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._before = gc.get_threshold()
                gc.set_threshold(max(READING_THRESHOLD, self._before[0]), *self._before[1:])
            self._holders += 1

    def leave(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                gc.set_threshold(*self._before)


_READING = _RaisedThreshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often inside the block; the threshold is as it was once every
    block that raised it has ended."""
    _READING.enter()
    try:
        yield
    finally:
        _READING.leave()
