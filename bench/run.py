"""Side-by-side: sofs-sync against the raw floor, on the same source bytes, each its own process.

    make bench                          # 100,000 forms; BENCH_ARGS=--large for 1,000,000
    .venv/bin/python -m bench.run --forms 20000 --json bench-results.json

The raw floor (bench/raw.py) pages the same loopback REST API with requests, parses the JSON and
upserts each page into SQLite with executemany under the store's own settings. A second raw side
writes the rows a store holds after a full sync (cases, evidence, statuses, change log) into a store
`sofs-sync init` made, to show how much of the distance is the store's own writes. The dlt side runs
dlt's `rest_api` source with a merge into SQLite on the same pages, from its own virtual environment
(bench/.venv-dlt, made on first use with the pinned dlt of bench/dlt_side.py). Each side is timed
as a whole process (start-up included): wall time, CPU time (user + system) and peak RSS from
wait4. Incremental runs are timed inside one process, as the daemon runs them. With `--repeat N`
the sides run N times, alternated, and each figure is the median of its N measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from bench.dlt_side import DLT_VERSION
from bench.source import PAGE_SIZE, case_count, served_elsewhere
from tests.sources import MAPPING_YAML  # the mapping the end-to-end tests sync these shapes with

SOFS_SYNC = str(Path(sys.executable).with_name("sofs-sync"))
AUTHORITY = "bench"
DLT_SIDE = Path(__file__).with_name("dlt_side.py")
DLT_VENV = Path(__file__).with_name(".venv-dlt")


def rest_connector(url: str) -> str:
    pages = f"{{type: page_number, page_param: page, size_param: per_page, size: {PAGE_SIZE}}}"
    streams = "\n".join(
        f"""    {stream}:
      path: /{path}
      records_path: items
      pagination: {pages}
      incremental: {{cursor_field: updated, param: updated_since}}"""
        for stream, path in (("cases", "cases"), ("evidence", "forms"))
    )
    return f'  type: rest\n  base_url: "{url}"\n  timeouts: {{connect: 5, read: 60}}\n  streams:\n{streams}\n'


def sql_connector(url: str) -> str:
    return f"""  type: sql
  url: "{url}"
  batch_size: {PAGE_SIZE}
  streams:
    cases:
      query: "SELECT * FROM cases WHERE updated >= :watermark ORDER BY updated, id"
      cursor_field: updated
    evidence:
      query: "SELECT * FROM forms WHERE updated >= :watermark ORDER BY updated, form_id"
      cursor_field: updated
"""


@dataclass
class Measured:
    wall_s: float
    cpu_s: float
    peak_rss_mib: float


def measure(command: list[str], log: Path, env: dict[str, str] | None = None) -> Measured:
    """Run a command to its end; its own wall time, CPU time and peak RSS (not the bench's)."""
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[:4])} failed ({process.returncode}); see {log}:\n{log.read_text()[-2000:]}"
        )
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def configure(folder: Path, connector: str) -> Path:
    (folder / "authorities").mkdir(parents=True)
    (folder / "authorities" / f"{AUTHORITY}.yaml").write_text(
        f"code: {AUTHORITY}\nname: Bench Council\nconnector:\n{connector}{MAPPING_YAML}"
    )
    settings = folder / "sofs-sync.yaml"
    settings.write_text("store:\n  url: sqlite:///store.db\n")
    return settings


def sofs_sync(settings: Path, log: Path, env: dict[str, str] | None = None) -> Measured:
    subprocess.run([SOFS_SYNC, "--config", str(settings), "init"], check=True, capture_output=True, env=env)
    return measure([SOFS_SYNC, "--config", str(settings), "sync", AUTHORITY], log, env)


def read_count(settings: Path) -> int:
    with sqlite3.connect(settings.parent / "store.db") as db:
        return int(db.execute("SELECT read_count FROM sync_runs ORDER BY id DESC LIMIT 1").fetchone()[0])


def raw(kind: str, source: str, folder: Path) -> Measured:
    folder.mkdir()
    command = [sys.executable, "-m", "bench.raw", kind, source, str(folder / "raw.db")]
    return measure(command, folder / "raw.log")


def raw_rows(url: str, folder: Path) -> Measured:
    """The raw writer of a store's rows, into a store `sofs-sync init` made (not timed)."""
    settings = configure(folder, rest_connector(url))
    subprocess.run([SOFS_SYNC, "--config", str(settings), "init"], check=True, capture_output=True)
    command = [sys.executable, "-m", "bench.raw", "rows", url, str(folder / "store.db")]
    return measure(command, folder / "raw.log")


def dlt_python(venv: Path = DLT_VENV) -> Path | str:
    """The dlt environment's interpreter, made on first use with the pinned dlt; or why there is none."""
    python = venv / "bin" / "python"
    stamp = venv / f".dlt-{DLT_VERSION}"
    if stamp.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    install = [str(python), "-m", "pip", "install", "--quiet", f"dlt[sqlalchemy]=={DLT_VERSION}"]
    done = subprocess.run(install, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"dlt {DLT_VERSION} could not be installed: {done.stderr.strip()[-300:]}"
    stamp.touch()
    return python


def dlt_command(python: Path, url: str, folder: Path) -> tuple[list[str], dict[str, str]]:
    """The dlt side's command and environment: its state kept in its folder, no usage reports sent."""
    env = {
        **os.environ,
        "DLT_DATA_DIR": str(folder / "dlt-data"),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "PYTHONWARNINGS": "ignore",
    }
    return [str(python), str(DLT_SIDE), url, str(folder)], env


def dlt_side(python: Path, url: str, folder: Path, total: int) -> Measured:
    folder.mkdir()
    command, env = dlt_command(python, url, folder)
    measured = measure(command, folder / "dlt.log", env)
    counts = json.loads((folder / "dlt.log").read_text().strip().splitlines()[-1])
    assert sum(counts.values()) == total, f"dlt loaded {counts}, the source holds {total:,}"
    return measured


def daemon_runs(settings: Path, url: str, share: float, log: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.daemon_runs", str(settings), AUTHORITY, url, str(share)]
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    log.write_text(completed.stderr)
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def median(runs: list[Measured]) -> Measured:
    """Each figure's median over the runs, taken figure by figure."""
    return Measured(*(statistics.median(getattr(m, f.name) for m in runs) for f in fields(Measured)))


def postgres_cluster() -> Any:
    """A throwaway PostgreSQL cluster with the server's default durability (as SQLite's side keeps
    the store's own settings), or why there is none."""
    try:
        from tests.pgcluster import PostgresUnavailable, start_cluster
    except ImportError as exc:
        return f"no PostgreSQL helper: {exc}"
    try:
        return start_cluster(durable=True)
    except PostgresUnavailable as exc:
        return f"PostgreSQL not available: {exc}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--forms", type=int, default=100_000)
    parser.add_argument("--large", action="store_true", help="1,000,000 forms")
    parser.add_argument(
        "--changed", type=float, default=0.01, help="share of forms changed before an incremental run"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-dlt", action="store_true", help="leave out dlt's side")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each side N times, alternated; report medians"
    )
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"))
    args = parser.parse_args()
    forms = 1_000_000 if args.large else args.forms
    total = case_count(forms) + forms
    results: dict[str, Any] = {"forms": forms, "cases": case_count(forms), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp, served_elsewhere(forms, Path(tmp) / "source.db") as url:
        root = Path(tmp)
        source = root / "source.db"
        cluster = None if args.no_postgres else postgres_cluster()
        dlt = None if args.no_dlt else dlt_python()
        if isinstance(dlt, str):
            results["dlt_rest"] = dlt
            dlt = None
        if isinstance(cluster, str):
            results["sofs_sync_rest_postgres"] = cluster
            cluster = None
        try:
            runs: dict[str, list[Measured]] = {}
            for n in range(args.repeat):
                runs.setdefault("raw_rest", []).append(raw("rest", url, root / f"raw-rest{n}"))
                runs.setdefault("raw_rows", []).append(raw_rows(url, root / f"raw-rows{n}"))
                if dlt is not None:
                    runs.setdefault("dlt_rest", []).append(dlt_side(dlt, url, root / f"dlt{n}", total))
                settings = configure(root / f"rest{n}", rest_connector(url))
                runs.setdefault("sofs_sync_rest", []).append(
                    sofs_sync(settings, root / f"rest{n}" / "sync.log")
                )
                assert read_count(settings) == total, "sofs-sync read less than the source holds"
                if cluster is not None:
                    pg_settings = configure(root / f"pg{n}", rest_connector(url))
                    env = {**os.environ, "SOFS_SYNC_STORE_URL": cluster.create_database(f"bench{n}")}
                    runs.setdefault("sofs_sync_rest_postgres", []).append(
                        sofs_sync(pg_settings, root / f"pg{n}" / "sync.log", env)
                    )
                runs.setdefault("raw_sql", []).append(raw("sql", str(source), root / f"raw-sql{n}"))
                sql_settings = configure(root / f"sql{n}", sql_connector(f"sqlite:///{source}"))
                runs.setdefault("sofs_sync_sql", []).append(
                    sofs_sync(sql_settings, root / f"sql{n}" / "sync.log")
                )
                assert read_count(sql_settings) == total, "sofs-sync read less than the source holds"
            results["repeat"] = args.repeat
            for key, measured in runs.items():
                results[key] = asdict(median(measured))
                results[f"{key}_runs"] = [asdict(m) for m in measured]
            # Last, because it changes the source.
            results["incremental"] = daemon_runs(settings, url, args.changed, settings.parent / "daemon.log")
        finally:
            if cluster is not None:
                cluster.stop()
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nwritten to {args.json}")


def print_table(r: dict[str, Any]) -> None:
    medians = f", medians of {r['repeat']} runs" if r.get("repeat", 1) > 1 else ""
    print(f"{r['forms']:,} forms and {r['cases']:,} cases, {r['cpus']} CPUs{medians}")
    print(f"{'side':<30}{'wall s':>9}{'CPU s':>9}{'peak RSS MiB':>14}{'x raw wall':>12}{'x raw CPU':>11}")
    rows = [
        ("raw floor, REST", "raw_rest", "raw_rest"),
        ("raw, the store's rows, REST", "raw_rows", "raw_rest"),
        (f"dlt {DLT_VERSION} rest_api, merge", "dlt_rest", "raw_rest"),
        ("sofs-sync, REST -> SQLite", "sofs_sync_rest", "raw_rest"),
        ("raw floor, SQL", "raw_sql", "raw_sql"),
        ("sofs-sync, SQL -> SQLite", "sofs_sync_sql", "raw_sql"),
        ("sofs-sync, REST -> PostgreSQL", "sofs_sync_rest_postgres", "raw_rest"),
    ]
    for label, key, floor in rows:
        m = r.get(key)
        if isinstance(m, str):
            print(f"{label:<30}  {m}")
        elif m is not None:
            print(
                f"{label:<30}{m['wall_s']:9.2f}{m['cpu_s']:9.2f}{m['peak_rss_mib']:14.1f}"
                f"{m['wall_s'] / r[floor]['wall_s']:11.2f}x{m['cpu_s'] / r[floor]['cpu_s']:10.2f}x"
            )
    full = r["sofs_sync_rest"]["wall_s"]
    for label, key in (("sofs-sync / the store rows", "raw_rows"), ("sofs-sync / dlt", "dlt_rest")):
        other = r.get(key)
        if isinstance(other, dict):
            cpu = r["sofs_sync_rest"]["cpu_s"] / other["cpu_s"]
            print(f"{label:<30}{full / other['wall_s']:8.2f}x wall{cpu:8.2f}x CPU")
    pg = r.get("sofs_sync_rest_postgres")
    if isinstance(pg, dict):
        cpu = pg["cpu_s"] / r["sofs_sync_rest"]["cpu_s"]
        print(f"{'PostgreSQL / SQLite (REST)':<30}{pg['wall_s'] / full:8.2f}x wall{cpu:8.2f}x CPU")
    for label, key in (
        ("incremental, nothing changed", "nothing_changed"),
        ("incremental, 1% changed", "changed"),
    ):
        run = r["incremental"][key]
        print(
            f"{label:<30}{run['wall_s']:9.2f}{'':>9}{'':>14}  {run['wall_s'] / full:6.1%} of full"
            f"  (read {run['read']:,}, written {run['written']:,})"
        )


if __name__ == "__main__":
    main()
