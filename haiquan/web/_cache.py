"""A small in-process cache for expensive read-only results shown by pages and the API.

Partner scoring or plan optimisation takes seconds; the dashboard must answer in well under a
second. Results are kept for ``web_cache_seconds`` and keyed by what they depend on (the HOME
folder, the home country, the shared data folder), so two configurations never share results.
One lock per key stops several requests from computing the same thing at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from haiquan.settings import get_settings

__all__ = ["cached", "clear_cache", "warehouse_stamp"]

T = TypeVar("T")

_VALUES: dict[tuple[Hashable, ...], tuple[float, Any]] = {}
_LOCKS: dict[tuple[Hashable, ...], threading.Lock] = {}
_GUARD = threading.Lock()


def _scope(per_home: bool) -> tuple[Hashable, ...]:
    settings = get_settings()
    home = str(settings.home) if per_home else ""
    return (home, settings.home_country, str(settings.shared_data))


def cached(name: str, compute: Callable[[], T], *key: Hashable, per_home: bool = True) -> T:
    """``compute()``, or its remembered result when younger than ``web_cache_seconds``.

    Args:
        name: what is computed.
        compute: computes it.
        key: what else the result depends on.
        per_home: ``False`` when the result does not depend on the HOME folder (only on the
            shared data and the home country), so it is shared between configurations.

    Errors are not cached: the next request tries again.
    """
    full = (name, *key, *_scope(per_home))
    ttl = get_settings().web_cache_seconds
    hit = _VALUES.get(full)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]  # type: ignore[no-any-return]
    with _GUARD:
        lock = _LOCKS.setdefault(full, threading.Lock())
    with lock:
        hit = _VALUES.get(full)
        if hit is not None and time.monotonic() - hit[0] < ttl:
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        _VALUES[full] = (time.monotonic(), value)
        return value


def clear_cache(prefix: str = "") -> None:
    """Forget cached results whose name starts with ``prefix`` (all of them by default), e.g.
    ``clear_cache("commitments")`` after a status record is added."""
    with _GUARD:
        for key in [k for k in _VALUES if str(k[0]).startswith(prefix)]:
            del _VALUES[key]


def warehouse_stamp() -> tuple[float, float]:
    """When the warehouse file (and its write-ahead log) last changed: part of the key of any
    result read from it, so a load or a status update shows at once."""
    path = get_settings().warehouse_file
    stamps = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stamps.append(candidate.stat().st_mtime)
        except OSError:
            stamps.append(0.0)
    return stamps[0], stamps[1]
