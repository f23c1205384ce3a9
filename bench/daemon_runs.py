"""Incremental runs timed inside one long-lived process, as the daemon runs them.

    python -m bench.daemon_runs CONFIG AUTHORITY SOURCE_URL SHARE

After one untimed warm-up run: a run with nothing changed, then `SHARE` of the forms changed at
the source and a run that picks them up. Prints the wall times and counts as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import requests

from config.loader import load_config
from store.schema.engine import make_engine, store_url
from sync.cli.logs import configure_logging
from sync.run.runner import RunRequest, SyncRunner, Trigger


def main(config_path: str, authority: str, source_url: str, share: str) -> None:
    configure_logging("warning")
    config = load_config(Path(config_path))
    engine = make_engine(store_url(config.settings.file.store.url, config.settings.base_dir))
    sync = SyncRunner(config, engine)
    request = RunRequest(Trigger.SCHEDULE, "bench")
    sync.run(authority, request)
    results = {}
    for label in ("nothing_changed", "changed"):
        if label == "changed":
            requests.post(f"{source_url}/_change", params={"share": share}, timeout=60).raise_for_status()
        started = time.perf_counter()
        result = sync.run(authority, request)
        results[label] = {
            "wall_s": time.perf_counter() - started,
            "outcome": str(result.outcome),
            "read": result.counts.read,
            "written": result.counts.written,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:5])
