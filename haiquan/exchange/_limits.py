"""Bounds on what unauthenticated clients can make a node hold: connections, time, bytes, logs.

Anyone who can reach a gateway can open connections to it before any signature is checked, so
each resource such a client can tie up has a limit, stated once here and set in ``node.yaml``
(docs/gateway-operations.md, "Limits"):

* **connections** — at most ``max_connections`` open at once; one more is closed as soon as it
  is accepted (an honest sender retries later, as for any network failure);
* **time to send the headers** — a connection that has not sent a complete request line and
  headers ``header_timeout_seconds`` after it opened (or after its previous answer) is closed,
  so idle and slowly-dripping connections do not stay for ever;
* **header bytes** — at most :data:`MAX_HEADER_BYTES` before the headers are complete;
* **time and bytes of the body** — enforced by the receiving route (``http.py``) with a
  :class:`BodyBudget`: the body must arrive within ``body_timeout_seconds``, and all the bodies
  being read at once hold at most ``max_buffered_bytes`` (beyond it: 503, retry later);
* **log lines** — refusals are logged through a :class:`RateLimitedLog`, so a client sending
  garbage cannot fill the disk with warnings.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from haiquan.exchange.logs import log_fields

__all__ = [
    "MAX_HEADER_BYTES",
    "BodyBudget",
    "RateLimitFilter",
    "RateLimitedLog",
    "guarded_protocol",
]

#: Bytes a client may send before its request headers are complete (a request line and headers
#: of a partner's sender are well under 2 KiB).
MAX_HEADER_BYTES = 64 * 1024


def guarded_protocol(*, header_timeout: float, max_connections: int) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol with a header deadline, a header size cap and a connection cap.

    uvicorn closes a kept-alive connection after its answer (``timeout_keep_alive``) but
    waits for ever for the first request of a new connection and for headers sent slowly.
    """
    base: Any = AutoHTTPProtocol

    class GuardedHTTPProtocol(base):  # type: ignore[misc]
        _timer: asyncio.TimerHandle | None = None
        _watched: Any = None
        _header_bytes = 0

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                self.transport.close()
                return
            self._arm()

        def data_received(self, data: bytes) -> None:
            waiting = self.cycle is None or self.cycle.response_complete
            if waiting and (self._timer is None or self._watched is not self.cycle):
                self._arm()  # the first bytes of a new request: its headers' deadline starts
            super().data_received(data)
            if waiting and self.cycle is self._watched:  # the headers are still incomplete
                self._header_bytes += len(data)
                if self._header_bytes > MAX_HEADER_BYTES:
                    self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
            self._watched = self.cycle
            self._header_bytes = 0
            self._timer = self.loop.call_later(header_timeout, self._expire)

        def _expire(self) -> None:
            self._timer = None
            if self.cycle is self._watched and not self.transport.is_closing():
                self.transport.close()  # no complete request in time

    return GuardedHTTPProtocol


class BodyBudget:
    """The bytes of request bodies held in memory at once, across every connection.

    A route reserves each chunk before keeping it and releases the whole body once handled;
    a chunk that would pass ``limit`` is refused, so memory stays bounded however many clients
    send at once (an honest sender gets a 503 and retries).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0

    def take(self, size: int) -> bool:
        """Reserve ``size`` bytes; False (nothing reserved) when that would pass the limit."""
        if self.held + size > self.limit:
            return False
        self.held += size
        return True

    def give_back(self, size: int) -> None:
        self.held -= size


class RateLimitedLog:
    """Log at most ``per_minute`` warnings a minute; count the rest and say how many were left
    out when the next minute's first warning comes.

    A gateway logs each refusal (a trace of possibly forged messages), but an unauthenticated
    client can cause hundreds a second: beyond the rate, only their number is kept.
    """

    def __init__(self, log: logging.Logger, per_minute: int) -> None:
        self.log = log
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._window_start = time.monotonic()
        self._logged = 0
        self._left_out = 0

    def warning(self, message: str, *args: Any, extra: dict[str, Any] | None = None) -> None:
        """Log ``message % args`` with the record attributes ``extra`` (``log_fields``), unless
        this minute's quota is used up."""
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= 60:
                left_out = self._left_out
                self._window_start, self._logged, self._left_out = now, 0, 0
                if left_out:
                    self.log.warning("%d more refusal(s) were not logged in the last minute "
                                     "(more than %d a minute)", left_out, self.per_minute,
                                     extra=log_fields("refusals_not_logged"))
            if self._logged >= self.per_minute:
                self._left_out += 1
                return
            self._logged += 1
        self.log.warning(message, *args, extra=extra)

    @property
    def left_out(self) -> int:
        """Warnings not logged in the current minute."""
        return self._left_out


class RateLimitFilter(logging.Filter):
    """A logging filter letting at most ``per_minute`` WARNING-or-lower records a minute through
    (errors always pass), for a library's logger that unauthenticated clients can trigger."""

    def __init__(self, per_minute: int) -> None:
        super().__init__()
        self.per_minute = per_minute
        self._window_start = time.monotonic()
        self._passed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        now = time.monotonic()
        if now - self._window_start >= 60:
            self._window_start, self._passed = now, 0
        self._passed += 1
        return self._passed <= self.per_minute
