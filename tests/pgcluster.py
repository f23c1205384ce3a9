"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp dir, loopback only.

Used through the session fixture `postgres_cluster` (tests/conftest.py). When the server binaries
are missing the fixture skips, unless the CI environment variable is set: CI must run these.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVICE_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or no way to run them, on this machine."""


def find_bin_dir() -> Path:
    candidates = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    if not candidates:
        raise PostgresUnavailable("no initdb under /usr/lib/postgresql/*/bin (install postgresql)")
    return candidates[0]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """One cluster in a temporary directory; `url(db)` gives a psycopg SQLAlchemy URL."""

    def __init__(self, bin_dir: Path, durable: bool = False) -> None:
        self.bin_dir = bin_dir
        self.durable = durable
        # Directly under the system temp dir: pytest's own tmp dirs are private to root, and the
        # server runs as the postgres user.
        self.root = Path(tempfile.mkdtemp(prefix="sofs-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = free_port()
        self._as_service_user = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_service_user:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def start(self) -> None:
        self.sockets.mkdir()
        if self._as_service_user:
            # initdb refuses to run as root; the cluster belongs to the postgres user.
            shutil.chown(self.root, SERVICE_USER, SERVICE_USER)
            shutil.chown(self.sockets, SERVICE_USER, SERVICE_USER)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "--encoding=UTF8", "--locale=C", "--no-instructions",
        )  # fmt: skip
        log = self.root / "server.log"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(log), "-o", self._options(), "-w", "-t", "30", "start"
        )

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres") as conn:
            conn.autocommit = True
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def halt(self) -> None:
        """Stop the server as a crash or a restart would (immediate), keeping its files for `resume`."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        """Start a halted server again on the same port."""
        log = self.root / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", self._options(), "-w", "start")

    def _options(self) -> str:
        where = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets}"
        if self.durable:
            return where  # the server's own defaults, as in production: every commit reaches the disk
        # Tests want speed: nothing they check depends on surviving a power cut.
        return f"{where} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"

    def stop(self) -> None:
        """Best effort: stop the server and remove its files."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (PostgresUnavailable, subprocess.TimeoutExpired):
            pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(durable: bool = False) -> PostgresCluster:
    """A started cluster, or PostgresUnavailable (having cleaned up after itself). A durable one
    keeps the server's default fsync and commit settings, for measuring what production would see."""
    cluster = PostgresCluster(find_bin_dir(), durable)
    try:
        cluster.start()
    except (PostgresUnavailable, OSError, subprocess.TimeoutExpired) as exc:
        cluster.stop()
        raise PostgresUnavailable(str(exc)) from None
    return cluster
