"""Many authorities, one PostgreSQL store: what a night's first syncs cost the client and the server.

    .venv/bin/python -m bench.multi                                # 20 authorities of 35,000 forms
    .venv/bin/python -m bench.multi --authorities 4 --forms 5000   # a quick run
    make bench BENCH_ARGS="--repeat 3 --multi"                     # after the single-authority sides

Every authority reads the same loopback REST source (`bench.source`) under its own code, so each
syncs the same 35,000 forms and 5,000 cases into its own rows of one store. Three sides, each into
a fresh database of one durable cluster:

- **one daemon**: `sofs-sync daemon run` with the authorities on an interval schedule, so its own
  scheduler starts every one at once and its workers (the default 4) take them in turn; timed from
  the daemon's start until every authority has a succeeded run in the store.
- **two daemons**: the same with a second daemon sharing the store; the authorities' leases decide
  which daemon syncs which (the other records a skipped run and goes on to the next).
- **one after another**: a plain `sofs-sync sync CODE` per authority, each a whole process, so the
  cost of an authority can be read against how many the store already holds.

Client CPU is each sofs-sync process's own (user + system, from wait4). Server CPU is the whole
cluster's: the postmaster's and every process it started, read from /proc (utime + stime of the
live ones, cutime + cstime of those it has reaped), as the difference across the side.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.run import SOFS_SYNC, measure, postgres_cluster, rest_connector
from bench.source import case_count, served_elsewhere
from tests.sources import MAPPING_YAML

TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(data_dir: Path) -> float:
    """CPU seconds the cluster has used so far: the postmaster, its live children, its reaped ones."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked: its time is in the postmaster's reaped children's
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def configure(folder: Path, url: str, codes: list[str]) -> Path:
    """A settings file and one authority file per code, all reading the same source."""
    (folder / "authorities").mkdir(parents=True)
    for code in codes:
        (folder / "authorities" / f"{code}.yaml").write_text(
            f"code: {code}\nname: Bench Council {code}\nconnector:\n{rest_connector(url)}{MAPPING_YAML}"
        )
    settings = folder / "sofs-sync.yaml"
    settings.write_text("store:\n  url: sqlite:///unused.db\nschedule:\n  interval: {hours: 24}\n")
    return settings


def outcomes(store_url: str) -> tuple[set[str], list[str]]:
    """The authorities with a succeeded run, and each run that ended otherwise but skipped, saying why."""
    with psycopg.connect(store_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT authority, outcome, error FROM sync_runs"
            " WHERE finished_at IS NOT NULL AND outcome <> 'skipped' ORDER BY id"
        ).fetchall()
    done = {str(authority) for authority, outcome, _ in rows if outcome == "succeeded"}
    others = [
        f"{authority} {outcome}: {error}" for authority, outcome, error in rows if outcome != "succeeded"
    ]
    return done, others


@dataclass
class Side:
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float
    records: int
    other_runs: list[str] = field(default_factory=list)
    """Runs that ended neither succeeded nor skipped, with their recorded error."""

    @property
    def server_per_client(self) -> float:
        return self.server_cpu_s / self.client_cpu_s


def daemons(cluster: Any, url: str, codes: list[str], count: int, folder: Path, limit_s: float) -> Side:
    """`count` daemons sharing a fresh store, from their start until every authority has synced."""
    store_url = cluster.create_database(folder.name)
    env = {**os.environ, "SOFS_SYNC_STORE_URL": store_url}
    settings = configure(folder, url, codes)
    subprocess.run([SOFS_SYNC, "--config", str(settings), "init"], check=True, capture_output=True, env=env)
    logs = [(folder / f"daemon{n}.log").open("w") for n in range(count)]
    before = server_cpu(cluster.data)
    started = time.perf_counter()
    command = [SOFS_SYNC, "--config", str(settings), "--log-level", "warning", "run"]
    running = [subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env) for log in logs]
    try:
        while len((found := outcomes(store_url))[0]) < len(codes):
            if time.perf_counter() - started > limit_s:
                raise SystemExit(
                    f"{len(found[0])} of {len(codes)} authorities synced in {limit_s:.0f} s: {found[1]}"
                )
            if any(process.poll() is not None for process in running):
                raise SystemExit(f"a daemon ended early: {(folder / 'daemon0.log').read_text()[-1000:]}")
            time.sleep(0.2)  # polling the store: the bench waits for the daemon, nothing is timed by it
        wall = time.perf_counter() - started
    finally:
        client = 0.0
        for process in running:
            process.send_signal(signal.SIGTERM)
            _pid, _status, usage = os.wait4(process.pid, 0)
            client += usage.ru_utime + usage.ru_stime
        for log in logs:
            log.close()
    time.sleep(0.5)  # the backends' exits, so their time is reaped into the postmaster's
    return Side(
        wall, client, server_cpu(cluster.data) - before, records_of(store_url), outcomes(store_url)[1]
    )


def records_of(store_url: str, authority: str | None = None) -> int:
    """Records the succeeded runs read (of one authority, or of all)."""
    query = "SELECT sum(read_count) FROM sync_runs WHERE outcome = 'succeeded'"
    with psycopg.connect(store_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        if authority is None:
            row = conn.execute(query).fetchone()
        else:
            row = conn.execute(query + " AND authority = %s", (authority,)).fetchone()
    return int(row[0] or 0) if row else 0


def one_after_another(cluster: Any, url: str, codes: list[str], folder: Path) -> list[Side]:
    """A plain `sofs-sync sync CODE` per authority into one fresh store, each measured alone."""
    store_url = cluster.create_database(folder.name)
    env = {**os.environ, "SOFS_SYNC_STORE_URL": store_url}
    settings = configure(folder, url, codes)
    subprocess.run([SOFS_SYNC, "--config", str(settings), "init"], check=True, capture_output=True, env=env)
    sides = []
    for code in codes:
        before = server_cpu(cluster.data)
        m = measure([SOFS_SYNC, "--config", str(settings), "sync", code], folder / f"sync-{code}.log", env)
        time.sleep(0.2)  # the backend's exit, so its time is reaped into the postmaster's
        sides.append(Side(m.wall_s, m.cpu_s, server_cpu(cluster.data) - before, records_of(store_url, code)))
    return sides


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--authorities", type=int, default=20)
    parser.add_argument("--forms", type=int, default=35_000, help="forms per authority")
    parser.add_argument("--one-after-another", type=int, default=5, help="authorities synced one by one")
    parser.add_argument("--limit", type=float, default=1800, help="seconds a daemon side may take")
    parser.add_argument("--json", type=Path, default=Path("bench-multi.json"))
    args = parser.parse_args()
    results = run(args.authorities, args.forms, args.one_after_another, args.limit)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nwritten to {args.json}")


def run(authorities: int, forms: int, one_by_one: int, limit_s: float) -> dict[str, Any]:
    codes = [f"la{n:02d}" for n in range(1, authorities + 1)]
    results: dict[str, Any] = {
        "authorities": authorities,
        "forms": forms,
        "cases": case_count(forms),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory() as tmp, served_elsewhere(forms) as url:
        root = Path(tmp)
        cluster = postgres_cluster()
        if isinstance(cluster, str):
            raise SystemExit(cluster)
        try:
            for count in (1, 2):
                side = daemons(cluster, url, codes, count, root / f"daemons{count}", limit_s)
                results[f"daemons_{count}"] = asdict(side)
            if one_by_one:
                sides = one_after_another(cluster, url, codes[:one_by_one], root / "onebyone")
                results["one_after_another"] = [asdict(s) for s in sides]
        finally:
            cluster.stop()
    results["load_after"] = os.getloadavg()
    return results


def print_table(r: dict[str, Any]) -> None:
    print(
        f"{r['authorities']} authorities of {r['forms']:,} forms and {r['cases']:,} cases into one "
        f"PostgreSQL store, {r['cpus']} CPUs, load average {r['load_before'][0]:.1f} before,"
        f" {r['load_after'][0]:.1f} after"
    )
    heads = f"{'wall s':>9}{'client CPU s':>14}{'server CPU s':>14}{'server/client':>15}{'us/record':>11}"
    print(f"{'side':<28}{heads}")
    rows = [(f"{n} daemon{'s' if n > 1 else ''}", r.get(f"daemons_{n}")) for n in (1, 2)]
    rows += [(f"sync of the {n + 1}. authority", s) for n, s in enumerate(r.get("one_after_another", []))]
    for label, side in rows:
        if side is None:
            continue
        per_record = 1e6 * (side["client_cpu_s"] + side["server_cpu_s"]) / max(side["records"], 1)
        print(
            f"{label:<28}{side['wall_s']:9.2f}{side['client_cpu_s']:14.2f}{side['server_cpu_s']:14.2f}"
            f"{side['server_cpu_s'] / side['client_cpu_s']:14.2f}x{per_record:11.0f}"
        )
    one, two = r.get("daemons_1"), r.get("daemons_2")
    if one and two:
        print(f"{'two daemons / one':<28}{two['wall_s'] / one['wall_s']:8.2f}x wall")
    for label, side in rows:
        for run in (side or {}).get("other_runs", []):
            print(f"{label}: a run {run}")


if __name__ == "__main__":
    main()
