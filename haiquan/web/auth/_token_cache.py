"""API tokens verified lately, remembered in this process so a busy API client costs one
dictionary look-up per request instead of a database query.

Every change to users or tokens made through a :class:`~haiquan.web.auth.store.UserStore` in
this process forgets the remembered tokens of its database, and bumps that database's
generation: a look-up that raced with a change does not remember its (old) answer.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from haiquan.web.auth.models import User

__all__ = ["forget", "generation", "recall", "remember"]

# (database URL, token digest) -> (trusted until, monotonic; token expiry; user)
_VERIFIED: dict[tuple[str, str], tuple[float, datetime | None, User]] = {}
_VERIFIED_LOCK = threading.Lock()
# Bumped by every forget: a look-up that raced with a change does not remember its answer.
_GENERATION: dict[str, int] = {}


def generation(url: str) -> int:
    """The database's generation now: pass it to :func:`remember` after the look-up."""
    return _GENERATION.get(url, 0)


def forget(url: str) -> None:
    """Forget every remembered token of the database at ``url`` (after any user/token change)."""
    with _VERIFIED_LOCK:
        _GENERATION[url] = _GENERATION.get(url, 0) + 1
        for key in [k for k in _VERIFIED if k[0] == url]:
            del _VERIFIED[key]


def recall(url: str, digest: str, now: datetime) -> User | None:
    """The remembered user of a token, unless its trust ran out or the token expired by
    ``now``."""
    key = (url, digest)
    hit = _VERIFIED.get(key)
    if hit is None:
        return None
    until, expires, user = hit
    if time.monotonic() >= until or (expires is not None and expires <= now):
        with _VERIFIED_LOCK:
            _VERIFIED.pop(key, None)
        return None
    return user


def remember(
    url: str, digest: str, seen: int, until: float, expires: datetime | None, user: User
) -> None:
    """Remember a verified token until ``until`` (monotonic), unless the database changed
    since generation ``seen`` was read."""
    with _VERIFIED_LOCK:
        if _GENERATION.get(url, 0) == seen:
            _VERIFIED[(url, digest)] = (until, expires, user)
