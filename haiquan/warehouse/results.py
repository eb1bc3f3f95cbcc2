"""Heavy results stored in the warehouse beside the data they were computed from.

Partner scores, the cooperation plan and the forecasts of the home country's trade take from
seconds to minutes on a full table; a page cannot compute them while someone waits. They are
computed once per *data version* (by ``haiquan refresh`` or the server's background refresh,
:mod:`haiquan.refresh`) and stored here; the CLI, the API and the dashboard read the same stored
value, so they show the same figures.

One row of the table ``stored_results`` per result (``kind`` + ``key``, e.g. ``forecast`` +
``VNM/A/level0/h12``) holds its state and, when done, the result::

    pending -> running -> done
                      \\-> failed (message says why)

with the data version it belongs to, a progress fraction, when it started and finished, and a
``result_id`` that changes with every stored value (the "run" a page names).

The data version is derived from the trade loads recorded in ``loads`` (their ids and file
hashes) and from the code that computes the results (:func:`computation_code_digest`): any
trade load or reload, and any upgrade of that code or of its packaged reference data, changes
it, so a result computed before is never served as current — :func:`read_result` only answers
for the version asked for.

A value with a ``stored_as(result_id)`` method is given its result id when read (a forecast
run names its number). Results are typed Python objects (frozen dataclasses, pydantic models
holding frames) and are stored pickled. The warehouse file is written only by this
installation's own processes and is as trusted as the code that reads it (anyone able to write
it can already change every figure shown); a value that can no longer be read (the code changed
its classes) counts as absent and is computed again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from haiquan.warehouse.store import Warehouse

__all__ = [
    "NO_DATA",
    "RESULT_STATUSES",
    "ResultState",
    "StoredResult",
    "computation_code_digest",
    "current_data_version",
    "forget_other_versions",
    "mark_result",
    "read_result",
    "result_states",
    "save_result",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

Status = Literal["pending", "running", "done", "failed"]
RESULT_STATUSES: tuple[str, ...] = ("pending", "running", "done", "failed")

#: The data version of a warehouse without any trade load.
NO_DATA = "no-trade-data"

_SCHEMA = [
    "CREATE SEQUENCE IF NOT EXISTS stored_result_ids START 1",
    """CREATE TABLE IF NOT EXISTS stored_results (
        kind VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        data_version VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        progress DOUBLE NOT NULL,
        message VARCHAR NOT NULL,
        started_at TIMESTAMP,
        finished_at TIMESTAMP,
        seconds DOUBLE,
        result_id INTEGER,
        payload BLOB,
        PRIMARY KEY (kind, key)
    )""",
]

_STATE_COLUMNS = (
    "kind, key, data_version, status, progress, message, started_at, finished_at, "
    "seconds, result_id"
)


@dataclass(frozen=True)
class ResultState:
    """Where one stored result stands.

    Attributes:
        kind: what is computed (``forecast``, ``priorities.scores``, ``priorities.plan`` ...).
        key: which one (the slice or configuration it is for).
        data_version: the warehouse data version the state belongs to.
        status: ``pending``, ``running``, ``done`` or ``failed``.
        progress: 0 to 1.
        message: what is being done, or why it failed.
        started_at, finished_at: UTC times (``None`` until then).
        seconds: how long the computation took (``done`` only).
        result_id: the stored value's number, new with every value (``done`` only).
    """

    kind: str
    key: str
    data_version: str
    status: str
    progress: float
    message: str
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    seconds: float | None = None
    result_id: int | None = None

    @property
    def ready(self) -> bool:
        return self.status == "done"


@dataclass(frozen=True)
class StoredResult(Generic[T]):
    """A stored value with the state it was stored under."""

    state: ResultState
    value: T


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _prepare(warehouse: Warehouse) -> None:
    for statement in _SCHEMA:
        warehouse.connection.execute(statement)


def _state(row: tuple[Any, ...]) -> ResultState:
    kind, key, version, status, progress, message, started, finished, seconds, result_id = row
    return ResultState(
        kind=kind,
        key=key,
        data_version=version,
        status=status,
        progress=float(progress),
        message=message,
        started_at=started,
        finished_at=finished,
        seconds=seconds,
        result_id=None if result_id is None else int(result_id),
    )


def current_data_version(warehouse: Warehouse | None = None) -> str:
    """The version of the warehouse's trade data: a digest of its trade loads.

    :data:`NO_DATA` when there is no warehouse or no trade load yet.
    """
    if warehouse is None:
        from haiquan.settings import get_settings

        if not get_settings().warehouse_file.is_file():
            return NO_DATA
        with Warehouse.open(read_only=True) as opened:
            return current_data_version(opened)
    if not warehouse.has_table("loads"):
        return NO_DATA
    rows = warehouse.connection.execute(
        "SELECT load_id, sha256 FROM loads WHERE kind = 'trade' ORDER BY load_id"
    ).fetchall()
    if not rows:
        return NO_DATA
    digest = hashlib.sha256(";".join(f"{i}:{h}" for i, h in rows).encode())
    return f"{len(rows)}-{digest.hexdigest()[:12]}-code-{computation_code_digest()[:8]}"


#: Subpackages whose code and packaged data (dated rules, catalogues, reference facts) decide
#: what a stored result holds: a result computed by other code is not the current answer.
_COMPUTING_PACKAGES = (
    "analytics",
    "commitments",
    "forecast",
    "priorities",
    "reference",
    "warehouse",
)


@functools.lru_cache(maxsize=1)
def computation_code_digest() -> str:
    """A digest of the code and packaged data that compute the stored results.

    Part of the data version, so that an upgrade of haiquan (or a corrected reference fact such
    as a partnership date) makes the stored scores, plan and forecasts stale and the refresh
    computes them again, instead of serving what the previous code computed until the next load.
    """
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in _COMPUTING_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in {".py", ".yaml"} and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    refresh = root / "refresh.py"
    if refresh.is_file():
        digest.update(refresh.read_bytes())
    return digest.hexdigest()


def result_states(data_version: str | None = None) -> list[ResultState]:
    """Every stored result's state (of ``data_version`` only, when given), by kind and key."""
    from haiquan.settings import get_settings

    if not get_settings().warehouse_file.is_file():
        return []
    with Warehouse.open(read_only=True) as warehouse:
        if not warehouse.has_table("stored_results"):
            return []
        sql = f"SELECT {_STATE_COLUMNS} FROM stored_results"
        parameters: list[Any] = []
        if data_version is not None:
            sql += " WHERE data_version = ?"
            parameters.append(data_version)
        rows = warehouse.connection.execute(sql + " ORDER BY kind, key", parameters).fetchall()
    return [_state(row) for row in rows]


def mark_result(
    kind: str,
    key: str,
    data_version: str,
    status: Status,
    *,
    progress: float = 0.0,
    message: str = "",
) -> ResultState:
    """Record the state of a result being computed (its stored value, if any, is dropped)."""
    if status not in RESULT_STATUSES or status == "done":
        raise ValueError(f"mark_result takes pending, running or failed, not {status!r}")
    now = _now()
    with Warehouse.open() as warehouse:
        _prepare(warehouse)
        con = warehouse.connection
        found = con.execute(
            "SELECT status, started_at, data_version FROM stored_results "
            "WHERE kind = ? AND key = ?",
            [kind, key],
        ).fetchone()
        # A running result keeps the time it started; a new run starts the clock again.
        started = (
            (found[1] if found and found[0] == "running" and found[2] == data_version else now)
            if status != "pending"
            else None
        )
        finished = now if status == "failed" else None
        con.execute(
            "INSERT OR REPLACE INTO stored_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            [kind, key, data_version, status, progress, message, started, finished, None],
        )
    return ResultState(kind, key, data_version, status, progress, message, started, finished)


def save_result(
    kind: str, key: str, data_version: str, value: object, *, seconds: float, message: str = ""
) -> ResultState:
    """Store a computed value as ``done`` for ``data_version``; returns its state (and id)."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    now = _now()
    with Warehouse.open() as warehouse:
        _prepare(warehouse)
        con = warehouse.connection
        found = con.execute("SELECT nextval('stored_result_ids')").fetchone()
        assert found is not None
        result_id = int(found[0])
        started = now - dt.timedelta(seconds=seconds)
        con.execute(
            "INSERT OR REPLACE INTO stored_results VALUES (?, ?, ?, 'done', 1.0, ?, ?, ?, ?, ?, ?)",
            [kind, key, data_version, message, started, now, seconds, result_id, payload],
        )
    return ResultState(
        kind, key, data_version, "done", 1.0, message, started, now, seconds, result_id
    )


def read_result(kind: str, key: str, data_version: str) -> StoredResult[Any] | None:
    """The stored value of ``kind``/``key`` computed from ``data_version``, or ``None`` when
    there is none (never computed, computed from other data, failed, or unreadable)."""
    from haiquan.settings import get_settings

    if not get_settings().warehouse_file.is_file():
        return None
    with Warehouse.open(read_only=True) as warehouse:
        if not warehouse.has_table("stored_results"):
            return None
        row = warehouse.connection.execute(
            f"SELECT {_STATE_COLUMNS}, payload FROM stored_results WHERE kind = ? AND key = ? "
            "AND data_version = ? AND status = 'done'",
            [kind, key, data_version],
        ).fetchone()
    if row is None or row[-1] is None:
        return None
    try:
        value = pickle.loads(row[-1])  # noqa: S301 - written by this installation (see above)
    except Exception as error:  # a class renamed or changed since: compute it again
        log.warning(
            "stored result %s/%s (id %s) cannot be read (%s); it will be computed again",
            kind,
            key,
            row[-2],
            error,
        )
        return None
    state = _state(row[:-1])
    # A value that names its own run (a forecast run's number) learns it here: the number is
    # only known once stored.
    stored_as = getattr(value, "stored_as", None)
    if callable(stored_as):
        value = stored_as(state.result_id)
    return StoredResult(state=state, value=value)


def forget_other_versions(data_version: str, *, kind: str | None = None) -> int:
    """Delete results (and states) of every data version but ``data_version`` (of ``kind``
    only, when given: results computed from other data, such as the commitments' status
    records, keep theirs); returns how many.

    They can never be served again (:func:`read_result` asks for the current version), so they
    only take space.
    """
    where, parameters = "data_version <> ?", [data_version]
    if kind is not None:
        where += " AND kind = ?"
        parameters.append(kind)
    with Warehouse.open() as warehouse:
        _prepare(warehouse)
        found = warehouse.connection.execute(
            f"SELECT count(*) FROM stored_results WHERE {where}", parameters
        ).fetchone()
        warehouse.connection.execute(f"DELETE FROM stored_results WHERE {where}", parameters)
    return int(found[0]) if found else 0
