"""Slow down password guessing: after a few failed logins for one username from one address,
further attempts are refused for a while, even with the right password.

Kept in memory, per server process: it is a brake on online guessing, not an audit log (the
uvicorn access log records every attempt). Keys whose failures have all left the window are
dropped once the table grows past ``max_keys``, so a stream of usernames and addresses cannot
fill the memory; a key that is only looked up is never stored.

>>> throttle = LoginThrottle(attempts=2, window_seconds=60)
>>> throttle.failed("an@10.0.0.1", now=0.0); throttle.failed("an@10.0.0.1", now=1.0)
>>> throttle.retry_after("an@10.0.0.1", now=2.0)
58.0
>>> throttle.retry_after("an@10.0.0.1", now=61.0)
0.0
"""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """At most ``attempts`` failures per key within ``window_seconds``."""

    def __init__(
        self, attempts: int = 5, window_seconds: float = 900.0, *, max_keys: int = 10_000
    ) -> None:
        self.attempts = attempts
        self.window = window_seconds
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, times: deque[float], now: float) -> deque[float]:
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def retry_after(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._failures.get(key)
            if times is None or len(self._prune(times, now)) < self.attempts:
                return 0.0
            return float(times[0] + self.window - now)

    def failed(self, key: str, now: float | None = None) -> None:
        """Count a failed attempt."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._prune(self._failures.setdefault(key, deque()), now).append(now)
            if len(self._failures) > self.max_keys:
                self._failures = {k: t for k, t in self._failures.items()
                                  if now - t[-1] < self.window}

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key`` after a successful login."""
        with self._lock:
            self._failures.pop(key, None)

    def __len__(self) -> int:
        """How many keys are held (for tests and monitoring)."""
        return len(self._failures)
