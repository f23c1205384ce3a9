"""One writer per authority: the lease row, its takeover rules and its race."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select

from store.write.lease import LeaseHeld, LeaseLost, StoreLease
from tests.store.orm import Lease

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def plant(engine: Engine, *, host: str, pid: int, expires_at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(Lease).values(
                name="authority:x",
                owner=f"{host}:{pid}:old",
                host=host,
                pid=pid,
                acquired_at=NOW,
                heartbeat_at=NOW,
                expires_at=expires_at,
            )
        )


def test_a_live_lease_elsewhere_is_held_and_names_its_holder(sqlite_store: Engine) -> None:
    plant(sqlite_store, host="other-host", pid=4242, expires_at=NOW + timedelta(seconds=30))
    with pytest.raises(LeaseHeld, match="process 4242 on other-host"):
        StoreLease(sqlite_store, "authority:x", clock=lambda: NOW).acquire()


def test_an_expired_lease_is_taken_over(sqlite_store: Engine) -> None:
    plant(sqlite_store, host="other-host", pid=4242, expires_at=NOW - timedelta(seconds=1))
    lease = StoreLease(sqlite_store, "authority:x", clock=lambda: NOW)
    lease.acquire()
    with sqlite_store.connect() as conn:
        assert conn.execute(select(Lease.owner)).scalar_one() == lease.owner


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(sqlite_store: Engine) -> None:
    plant(sqlite_store, host=socket.gethostname(), pid=dead_pid(), expires_at=NOW + timedelta(minutes=5))
    StoreLease(sqlite_store, "authority:x", clock=lambda: NOW).acquire()


def test_a_lease_taken_over_is_noticed_at_the_next_renewal(sqlite_store: Engine) -> None:
    clock = [NOW]
    ours = StoreLease(sqlite_store, "authority:x", clock=lambda: clock[0], seconds=60)
    ours.acquire()
    clock[0] = NOW + timedelta(minutes=2)
    StoreLease(sqlite_store, "authority:x", clock=lambda: clock[0]).acquire()
    with pytest.raises(LeaseLost):
        ours.renew()
    with pytest.raises(LeaseLost):
        ours.check()


def test_releasing_lets_the_next_writer_in(sqlite_store: Engine) -> None:
    with StoreLease(sqlite_store, "authority:x"):
        pass
    with StoreLease(sqlite_store, "authority:x"):
        pass


def test_only_one_of_many_racing_writers_gets_the_lease_on_sqlite(sqlite_store: Engine) -> None:
    outcomes: list[bool] = []
    barrier = threading.Barrier(6)

    def contend() -> None:
        lease = StoreLease(sqlite_store, "authority:race")
        barrier.wait()
        try:
            lease.acquire()
            outcomes.append(True)
        except LeaseHeld:
            outcomes.append(False)

    threads = [threading.Thread(target=contend) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [False] * 5 + [True]


def test_confirming_a_lease_taken_over_raises_inside_the_writers_transaction(sqlite_store: Engine) -> None:
    clock = [NOW]
    ours = StoreLease(sqlite_store, "authority:x", clock=lambda: clock[0], seconds=60)
    ours.acquire()
    clock[0] = NOW + timedelta(minutes=2)
    StoreLease(sqlite_store, "authority:x", clock=lambda: clock[0]).acquire()
    with sqlite_store.begin() as conn, pytest.raises(LeaseLost):
        ours.confirm(conn)
    assert ours.lost.is_set()


def test_confirming_a_held_lease_renews_it(sqlite_store: Engine) -> None:
    clock = [NOW]
    ours = StoreLease(sqlite_store, "authority:x", clock=lambda: clock[0], seconds=60)
    ours.acquire()
    clock[0] = NOW + timedelta(seconds=50)
    with sqlite_store.begin() as conn:
        ours.confirm(conn)
    with sqlite_store.connect() as conn:
        assert conn.execute(select(Lease.expires_at)).scalar_one() == clock[0] + timedelta(seconds=60)
