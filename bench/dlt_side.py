"""The dlt side: dlt's `rest_api` source merging the bench's cases and forms into SQLite.

    bench/.venv-dlt/bin/python bench/dlt_side.py URL FOLDER

Run in its own virtual environment (`bench.run` makes it on first use, with the pinned dlt below),
never in the project's: dlt is something to measure against, not a dependency. It reads the same
loopback pages as the other sides (page-number pagination, 1,000 a page, the records under
`items`), merges each stream into SQLite by its primary key, and prints each table's row count as
JSON so the bench can check that it read everything. It imports nothing of the project.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

DLT_VERSION = "1.31.0"
"""The dlt release the bench installs: the comparison moves only when this line does."""
PAGE_SIZE = 1000  # bench.source.PAGE_SIZE; not imported, since the project is not installed here
STREAMS = {"cases": ("cases", "id"), "forms": ("forms", "form_id")}
"""dlt resource name -> (path on the source, primary key)."""
DATASET = "bench"


def rest_api_config(base_url: str) -> dict[str, Any]:
    """dlt's `rest_api` configuration for the bench source: every stream merged by its key."""
    return {
        "client": {
            "base_url": base_url,
            "paginator": {
                "type": "page_number",
                "base_page": 1,
                "page_param": "page",
                "total_path": None,
                "stop_after_empty_page": True,
            },
        },
        "resource_defaults": {
            "write_disposition": "merge",
            "endpoint": {"params": {"per_page": PAGE_SIZE}, "data_selector": "items"},
        },
        "resources": [
            {"name": name, "primary_key": key, "endpoint": {"path": path}}
            for name, (path, key) in STREAMS.items()
        ],
    }


def row_counts(folder: Path) -> dict[str, int]:
    """Rows in each merged table, wherever dlt's SQLite destination put the dataset."""
    counts: dict[str, int] = {}
    for path in sorted(folder.glob("*.db")):
        with sqlite3.connect(path) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for name in STREAMS:
                if name in tables:
                    counts[name] = int(db.execute(f"SELECT count(*) FROM {name}").fetchone()[0])  # nosec B608  # a fixed name
    return counts


def main(base_url: str, folder: Path) -> None:
    # Installed in bench/.venv-dlt only, so the project's type check cannot see it.
    import dlt  # type: ignore[import-not-found]
    from dlt.sources.rest_api import rest_api_source  # type: ignore[import-not-found]

    pipeline = dlt.pipeline(
        pipeline_name="bench",
        pipelines_dir=str(folder / "pipelines"),
        destination=dlt.destinations.sqlalchemy(f"sqlite:///{folder / 'dlt.db'}"),
        dataset_name=DATASET,
    )
    pipeline.run(rest_api_source(rest_api_config(base_url)))
    print(json.dumps(row_counts(folder)))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
