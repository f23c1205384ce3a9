"""Progress of a manual run on a terminal: records read, batches committed, rate. Silent elsewhere."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.write.runs import Counts

OnBatch = Callable[[str, str, "Counts"], None]


@contextmanager
def progress_reporter(authority: str, enabled: bool = True) -> Iterator[OnBatch | None]:
    """Yield a batch callback that draws progress when stderr is a terminal, else None."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    # Only on a terminal: a run from cron or with --json draws nothing and loads no progress bar.
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    started = time.monotonic()
    batches = 0
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(f"{authority}: starting")

        def on_batch(_authority: str, stream: str, counts: Counts) -> None:
            nonlocal batches
            batches += 1
            rate = counts.read / max(time.monotonic() - started, 1e-6)
            bar.update(
                task,
                description=(
                    f"{authority} {stream}: {counts.read} read, {batches} batches committed, "
                    f"{rate:.0f} records/s"
                ),
            )

        yield on_batch
