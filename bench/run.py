"""Sync throughput and memory against a raw baseline measured in the same run.

    make bench            # or: .venv/bin/python -m bench.run --cases 2000 --forms 5

The baseline reads the same source rows with sqlite3 and inserts them into a bare table with
executemany: the least any sync could do. The ratio says what mapping, versioned upserts,
quarantine, status recomputation and checkpointing cost on top. Memory is the tracemalloc peak
for two source sizes: a streaming sync's peak should not grow with the source.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
import tracemalloc
from pathlib import Path

from config.loader import load_config
from store.engine import make_engine
from store.schema import upgrade
from sync.cli.logs import configure_logging
from sync.run.runner import RunRequest, SyncRunner, Trigger
from tests.sources import build_sqlite_source, sql_authority_yaml, synthetic


def raw_baseline(source: Path, target: Path) -> float:
    started = time.perf_counter()
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        dst.execute("CREATE TABLE cases (id, team, type, opened, closed, cp_start, updated)")
        dst.execute("CREATE TABLE forms (form_id, case_id, template, status, form_date, updated)")
        for table, width in (("cases", 7), ("forms", 6)):
            cursor = src.execute(f"SELECT * FROM {table} ORDER BY updated")
            while rows := cursor.fetchmany(500):
                dst.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", rows)
                dst.commit()
    return time.perf_counter() - started


def sofs_sync(folder: Path, url: str, batch_size: int) -> tuple[float, int, int]:
    (folder / "authorities").mkdir(parents=True)
    (folder / "authorities" / "bench.yaml").write_text(sql_authority_yaml("bench", url, batch_size))
    (folder / "sofs-sync.yaml").write_text("store:\n  url: sqlite:///store.db\n")
    config = load_config(folder / "sofs-sync.yaml")
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(engine)
    started = time.perf_counter()
    result = SyncRunner(config, engine).run("bench", RunRequest(Trigger.CLI, "bench"))
    elapsed = time.perf_counter() - started
    assert result.outcome == "succeeded", result.error
    # Memory in a second, traced run over a fresh store (tracing slows Python several times over).
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{folder / 'store.db'}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(engine)
    tracemalloc.start()
    SyncRunner(config, engine).run("bench", RunRequest(Trigger.CLI, "bench"))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, result.counts.read, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--forms", type=int, default=5, help="forms per case")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    configure_logging("warning")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        peaks = []
        for scale, label in ((1, "full"), (4, "4x")):
            n = args.cases * scale if label == "4x" else args.cases
            cases, forms = synthetic(n, args.forms)
            source = root / f"source-{label}.db"
            url = build_sqlite_source(source, cases, forms)
            raw = raw_baseline(source, root / f"raw-{label}.db")
            elapsed, records, peak = sofs_sync(root / f"sync-{label}", url, args.batch_size)
            peaks.append(peak)
            print(
                f"{label:>4}: {records} records  raw {records / raw:9.0f}/s  "
                f"sofs-sync {records / elapsed:7.0f}/s  "
                f"ratio {elapsed / raw:5.1f}x raw  peak memory {peak / 2**20:6.1f} MiB"
            )
        print(f"peak memory grows {peaks[1] / peaks[0]:.2f}x for a 4x larger source")


if __name__ == "__main__":
    main()
