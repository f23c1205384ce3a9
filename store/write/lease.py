"""One writer per authority, enforced in the store with a lease row, not by trusting the scheduler.

A lease has an owner, an expiry and a heartbeat. A lease whose expiry has passed can be taken over;
so can one held by a process on this host that no longer exists, at once, without waiting.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.schema.tables import LEASES

log = structlog.get_logger(__name__)

LEASE_SECONDS = 60
HEARTBEAT_SECONDS = 15

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Holder:
    owner: str
    host: str
    pid: int
    expires_at: datetime

    def describe(self) -> str:
        return f"process {self.pid} on {self.host} (lease expires {self.expires_at:%Y-%m-%d %H:%M:%S} UTC)"


class LeaseHeld(Exception):
    def __init__(self, name: str, holder: Holder) -> None:
        self.holder = holder
        super().__init__(f"{name} is being synced by {holder.describe()}")


class LeaseLost(Exception):
    """Another process took the lease over (ours had expired); stop writing at once."""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StoreLease:
    """The lease on `name`, held for the life of a `with` block and renewed in the background."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        clock: Clock = utc_now,
        seconds: int = LEASE_SECONDS,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.engine = engine
        self.name = name
        self.clock = clock
        self.seconds = seconds
        self.heartbeat = heartbeat
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = threading.Event()

    def acquire(self) -> None:
        """Take the lease or raise LeaseHeld naming who has it."""
        now = self.clock()
        expires = now + timedelta(seconds=self.seconds)
        mine = {
            "owner": self.owner,
            "host": self.host,
            "pid": self.pid,
            "acquired_at": now,
            "heartbeat_at": now,
            "expires_at": expires,
        }
        try:
            with self.engine.begin() as conn:
                current = conn.execute(
                    select(LEASES).where(LEASES.c.name == self.name).with_for_update()
                ).one_or_none()
                if current is None:
                    conn.execute(insert(LEASES).values(name=self.name, **mine))
                    return
                holder = Holder(current.owner, current.host, current.pid, current.expires_at)
                if not self._can_take_over(holder, now):
                    raise LeaseHeld(self.name, holder)
                conn.execute(
                    update(LEASES)
                    .where(LEASES.c.name == self.name, LEASES.c.owner == holder.owner)
                    .values(**mine)
                )
        except IntegrityError:
            # Another process inserted the row between our read and our insert.
            with self.engine.connect() as conn:
                row = conn.execute(select(LEASES).where(LEASES.c.name == self.name)).one_or_none()
            if row is None:
                # ...and has released it already: the lease is free, and free leases are ours to try.
                self.acquire()
                return
            raise LeaseHeld(self.name, Holder(row.owner, row.host, row.pid, row.expires_at)) from None

    def _can_take_over(self, holder: Holder, now: datetime) -> bool:
        if holder.expires_at <= now:
            return True
        return holder.host == self.host and holder.pid != self.pid and not _process_alive(holder.pid)

    def renew(self) -> None:
        with self.engine.begin() as conn:
            self.confirm(conn)

    def confirm(self, conn: Connection) -> None:
        """Renew the lease inside the caller's transaction, or raise LeaseLost so it rolls back.

        The heartbeat alone leaves a window between a check and a commit; this closes it, because
        a takeover and this renewal cannot both commit (the row lock, or SQLite's write lock).
        """
        now = self.clock()
        renewed = conn.execute(
            update(LEASES)
            .where(LEASES.c.name == self.name, LEASES.c.owner == self.owner)
            .values(heartbeat_at=now, expires_at=now + timedelta(seconds=self.seconds))
        ).rowcount
        if not renewed:
            self.lost.set()
            raise LeaseLost(f"lease on {self.name} was taken over")

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(LEASES).where(LEASES.c.name == self.name, LEASES.c.owner == self.owner))

    def check(self) -> None:
        """Raise if the heartbeat found the lease gone; called before each batch commits."""
        if self.lost.is_set():
            raise LeaseLost(f"lease on {self.name} was taken over")

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            try:
                self.renew()
            except LeaseLost:
                return
            except Exception as exc:  # noqa: BLE001 - a failed heartbeat is retried; expiry is the backstop
                log.warning("lease heartbeat failed", lease=self.name, error_class=type(exc).__name__)

    def __enter__(self) -> StoreLease:
        self.acquire()
        self._thread = threading.Thread(target=self._beat, name=f"lease:{self.name}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.release()
