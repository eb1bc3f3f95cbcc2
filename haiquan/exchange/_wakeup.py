"""Wake an idle dispatcher as soon as another process commits new outbox rows.

A back office usually runs in another process than the sending worker, so an in-process event
cannot tell the worker that work arrived; a sleeping poll of tens of milliseconds would add that
much to every message's latency. Each database has a cheap way to notice a commit:

* **SQLite**: ``PRAGMA data_version`` changes when any *other* connection commits. Reading it is
  a look at the WAL index in shared memory (no disk read). A worker that had work in the last
  second checks it every 2 ms; one idle for longer every 10 ms, so a long-idle node spends a
  small fraction of a core on it (measured in docs/gateway-operations.md).
* **PostgreSQL**: ``LISTEN``/``NOTIFY``. :meth:`GatewayStore.enqueue` and ``requeue`` send a
  notification on the channel of the store's schema inside their transaction; PostgreSQL
  delivers it at commit, to every listening worker.

A watcher only shortens a wait: the dispatcher still wakes on its own when the next retry or
an expired lease falls due, so a lost wake-up delays a message, never loses it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any, Protocol

__all__ = ["OutboxWatcher", "PostgresWatcher", "SqliteWatcher", "notify_channel"]

#: How often an idle SQLite worker looks at ``data_version`` (seconds): while traffic flows,
#: and after a second without any.
SQLITE_POLL_SECONDS = 0.002
SQLITE_IDLE_POLL_SECONDS = 0.010
_BUSY_SECONDS = 1.0
#: Longest single blocking wait on PostgreSQL, so that a stop request is noticed.
_PG_SLICE_SECONDS = 0.25


def notify_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel of the outbox in ``schema`` (two nodes may share a database)."""
    return f"gw_outbox_{schema}"[:63]


class OutboxWatcher(Protocol):
    def arm(self) -> None:
        """Remember the database's state now: :meth:`wait` returns on a change after this."""

    def wait(self, timeout: float, stop: threading.Event, wakeup: threading.Event) -> None:
        """Block until a change since :meth:`arm`, ``wakeup`` or ``stop`` is set, or timeout."""

    def close(self) -> None: ...


#: Whether the outbox holds a row a worker could claim now (the claim's own condition).
_SQLITE_DUE = (
    "SELECT 1 FROM gw_outbox WHERE state = 'pending' AND next_attempt_at <= ?1 "
    "AND (claimed_until IS NULL OR claimed_until < ?1) LIMIT 1"
)


class SqliteWatcher:
    """Polls ``PRAGMA data_version`` on a connection of its own.

    A change is any commit — the inbox shares the database, and so do this worker's own
    deliveries — so on a change the watcher asks whether a claimable outbox row exists before
    waking the dispatcher (a raw query of a few microseconds, instead of a whole pass).
    """

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, timeout=30, check_same_thread=False,
                                     isolation_level=None)
        self._seen = self._version()
        self._busy_until = 0.0

    def _version(self) -> int:
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def arm(self) -> None:
        self._seen = self._version()

    def wait(self, timeout: float, stop: threading.Event, wakeup: threading.Event) -> None:
        now = time.monotonic()
        deadline = now + timeout
        while not (stop.is_set() or wakeup.is_set()):
            left = deadline - now
            if left <= 0:
                return
            poll = SQLITE_POLL_SECONDS if now < self._busy_until else SQLITE_IDLE_POLL_SECONDS
            time.sleep(min(poll, left))  # cheaper than Event.wait(timeout)
            now = time.monotonic()
            try:
                version = self._version()
                if version != self._seen:
                    self._seen = version
                    self._busy_until = now + _BUSY_SECONDS
                    if self._conn.execute(_SQLITE_DUE, (time.time(),)).fetchone() is not None:
                        return
            except sqlite3.Error:
                # A locked or damaged database: keep the timed wait; the dispatcher's own pass
                # meets (and logs) the trouble when it wakes.
                continue

    def close(self) -> None:
        self._conn.close()


class PostgresWatcher:
    """Listens on the outbox channel of the store's schema with a psycopg connection."""

    def __init__(self, conninfo: str, connect_args: dict[str, Any] | None = None) -> None:
        import psycopg

        self._conn = psycopg.connect(conninfo, autocommit=True, **(connect_args or {}))
        schema = self._conn.execute("SELECT current_schema()").fetchone()
        channel = notify_channel(str(schema[0] if schema else "public"))
        self._conn.execute(f'LISTEN "{channel}"')

    def arm(self) -> None:
        # Notifications that arrive while the worker is busy queue up on the connection; drain
        # them so the next wait blocks until something new is committed.
        for _ in self._conn.notifies(timeout=0):
            pass

    def wait(self, timeout: float, stop: threading.Event, wakeup: threading.Event) -> None:
        deadline = time.monotonic() + timeout
        while not stop.is_set() and not wakeup.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            for _ in self._conn.notifies(timeout=min(left, _PG_SLICE_SECONDS), stop_after=1):
                return

    def close(self) -> None:
        self._conn.close()
