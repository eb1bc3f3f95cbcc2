"""Heavy results for pages and the API, read from the warehouse where the refresh stored them.

A page never computes a forecast, the partner scores or the plan while someone waits
(:mod:`haiquan.refresh` does, once per data version). :func:`stored_value` answers from the
stored result of the current data; when there is none yet it starts the background refresh (a
separate process, at most one per HOME) and raises :class:`~haiquan.errors.NotReadyError` whose
``details`` say what is being computed and how far it has got — the API answers 503 with them,
a page shows them (``pending.html``) and asks again by itself.

With ``HAIQUAN_BACKGROUND_RESULTS=false`` (small data, tests) a missing result is computed in
the request instead, and stored for the next reader. Without any trade load in the warehouse the
priorities read the shared example data; their results are then kept in memory only (there is no
data version to store them under).

A stored result read once is kept in this process under its kind, key and *data version*
(:func:`haiquan.refresh.step_versions`: the trade loads', or the status records' for the
commitments), never under the warehouse file's time: the refresh writes states and other results
into the same file all the time, and none of those writes makes a stored result stale. Only the
versions are read again when the file changes (a short query without any stored value).
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
from typing import Any

from haiquan.errors import HaiquanError, NotReadyError
from haiquan.refresh import STEPS, Step, refresh_running, step, step_versions
from haiquan.settings import get_settings
from haiquan.warehouse.results import (
    NO_DATA,
    current_data_version,
    read_result,
    result_states,
    save_result,
)
from haiquan.web._cache import cached, warehouse_stamp

__all__ = ["data_version", "progress", "start_background_refresh", "stored_value"]

log = logging.getLogger(__name__)

_GUARD = threading.Lock()
_CHILD: subprocess.Popen[bytes] | None = None
#: Data versions this process started a refresh for: a refresh that failed is not started
#: again and again by every page view (``haiquan refresh`` retries it).
_STARTED: set[tuple[str, tuple[tuple[str, str], ...]]] = set()


def data_version() -> str:
    """The warehouse's trade data version, read again only when the warehouse file changed."""
    return cached("results.version", current_data_version, warehouse_stamp())


def _home_files_stamp() -> tuple[tuple[str, int], ...]:
    """Catalogues and item lists installed for this HOME (they change the records version)."""
    folder = get_settings().home / "commitments"
    stamps = []
    for sub in ("catalogues", "item_lists"):
        try:
            stamps += [(p.name, p.stat().st_mtime_ns) for p in (folder / sub).iterdir()]
        except OSError:
            continue
    return tuple(sorted(stamps))


def versions() -> dict[str, str]:
    """The data version of every result, by kind; read again only when the warehouse file (or
    an installed catalogue) changed."""
    return cached("results.versions", step_versions, warehouse_stamp(), _home_files_stamp())


class _Missing(Exception):
    """Nothing stored yet: not remembered (the refresh may store it any moment)."""


def _read_stored(kind: str, key: str, version: str) -> Any:
    """The stored result of ``kind``/``key`` for ``version``, kept in this process once read:
    keyed on the version, so another result written meanwhile leaves it where it is."""

    def read() -> Any:
        found = read_result(kind, key, version)
        if found is None:
            raise _Missing
        return found

    try:
        return cached(f"results.{kind}", read, key, version)
    except _Missing:
        return None


def stored_value(kind: str) -> Any:
    """The stored ``kind`` result (see :data:`haiquan.refresh.STEPS`) of the current data.

    Raises:
        NotReadyError: not computed yet; the background refresh has been started.
        HaiquanError: (``HAIQUAN_BACKGROUND_RESULTS=false`` or no trade data) what computing it
            raised.
    """
    item = step(kind)
    version = versions()[kind]
    if version == NO_DATA:
        return cached(f"results.memory.{kind}", item.compute)
    key = item.key
    found = _read_stored(kind, key, version)
    if found is not None:
        return found.value
    if not get_settings().background_results:
        return cached(
            f"results.inline.{kind}", lambda: _compute_and_store(item, version), key, version
        )
    start_background_refresh()
    raise NotReadyError(
        f"still being computed: {item.title}",
        expected="a result computed from the current warehouse data",
        got="none stored yet for data version " + version,
        fix="wait a moment and ask again (the page reloads by itself), or run "
        "`haiquan refresh` to compute it in the foreground",
        details=progress(),
    )


def _compute_and_store(item: Step, version: str) -> object:
    import time

    started = time.perf_counter()
    value = item.compute()
    try:
        state = save_result(
            item.kind,
            item.key,
            version,
            value,
            seconds=time.perf_counter() - started,
            message=item.title,
        )
    except HaiquanError as error:  # the warehouse is busy: the value is still right
        log.warning("could not store %s (%s); computed again next time", item.kind, error)
        return value
    stored_as = getattr(value, "stored_as", None)  # as read back: a run names its number
    return stored_as(state.result_id) if callable(stored_as) else value


def start_background_refresh() -> bool:
    """Start ``python -m haiquan.refresh`` unless a refresh is running or was started here for
    these data versions already; returns whether one was started."""
    global _CHILD
    current = versions()
    if all(v == NO_DATA for v in current.values()):
        return False
    with _GUARD:
        if _CHILD is not None and _CHILD.poll() is None:
            return False
        marker = (str(get_settings().warehouse_file), tuple(sorted(current.items())))
        if marker in _STARTED or refresh_running():
            return False
        _STARTED.add(marker)
        home = get_settings().home
        home.mkdir(parents=True, exist_ok=True)
        with open(home / "refresh.log", "ab") as output:
            _CHILD = subprocess.Popen(  # noqa: S603 - our own module, no shell
                [sys.executable, "-m", "haiquan.refresh"],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        log.info(
            "background refresh started for data versions %s (pid %s)",
            ", ".join(sorted(set(current.values()))),
            _CHILD.pid,
        )
        return True


def _age(since: dt.datetime | None) -> float | None:
    if since is None:
        return None
    return max(0.0, (dt.datetime.now(dt.UTC).replace(tzinfo=None) - since).total_seconds())


def progress() -> dict[str, Any]:
    """How far the refresh of the current data has got: one entry per step, in order.

    ``data_version`` is the trade data's; ``active`` is false when no refresh is running (none
    started yet, or one that stopped); a step then still ``running`` was interrupted.
    """
    current = versions()
    # Read again only when the warehouse changed (every state the refresh writes changes it):
    # the states, not the stored values.
    listed = cached("results.states", result_states, warehouse_stamp())
    states = {(s.kind, s.key, s.data_version): s for s in listed}
    steps = []
    for item in STEPS:
        state = states.get((item.kind, item.key, current[item.kind]))
        steps.append(
            {
                "kind": item.kind,
                "title": item.title,
                "status": state.status if state else "pending",
                "message": state.message if state else "",
                "seconds": (
                    state.seconds
                    if state and state.status == "done"
                    else _age(state.started_at)
                    if state
                    else None
                ),
                "run": state.result_id if state else None,
            }
        )
    done = sum(1 for s in steps if s["status"] == "done")
    active = (_CHILD is not None and _CHILD.poll() is None) or refresh_running()
    return {
        "data_version": data_version(),
        "done": done,
        "of": len(steps),
        "active": active,
        "steps": steps,
    }
