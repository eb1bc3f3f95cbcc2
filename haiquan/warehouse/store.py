"""The DuckDB warehouse file: its tables and a connection held only as long as a call needs it.

DuckDB lets one process write a file at a time, so nothing keeps the file open between calls:
``with Warehouse.open() as warehouse: ...`` opens, and leaves the file free again afterwards.

Tables:

``trade_flows``
    canonical trade rows (:data:`~haiquan.warehouse.schema.TRADE_FLOW_COLUMNS`) plus ``load_id``.
``declarations``
    declaration goods items in the canonical declaration layout plus ``load_id``.
``loads``
    one row per file loaded: its SHA-256, format, row count, rows set aside and whether the data
    is synthetic. A file whose hash is already here is not loaded again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from haiquan.errors import ConfigurationError, NotFoundError
from haiquan.settings import get_settings
from haiquan.warehouse.schema import TRADE_FLOW_COLUMNS

__all__ = ["LOCK_WAIT_SECONDS", "TABLES", "Warehouse", "connect_when_free"]

_SQL_TYPES = {"string": "VARCHAR", "float64": "DOUBLE", "bool": "BOOLEAN"}

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS loads (
        load_id INTEGER PRIMARY KEY,
        kind VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        rows BIGINT NOT NULL,
        set_aside VARCHAR,
        synthetic BOOLEAN NOT NULL,
        loaded_at TIMESTAMP NOT NULL,
        UNIQUE (kind, sha256)
    )""",
    "CREATE SEQUENCE IF NOT EXISTS load_ids START 1",
    "CREATE TABLE IF NOT EXISTS trade_flows ("
    + ", ".join(f"{c} {_SQL_TYPES[t]}" for c, t in TRADE_FLOW_COLUMNS.items())
    + ", load_id INTEGER NOT NULL)",
]

#: Tables that may be exported or queried by name.
TABLES = ("trade_flows", "declarations", "loads")


#: How long an open waits for another process's short hold on the file (the background
#: refresh storing a result, a page reading one) before giving up.
LOCK_WAIT_SECONDS = 5.0


_SCHEMA_LOCKS: dict[str, threading.Lock] = {}
_SCHEMA_LOCKS_GUARD = threading.Lock()


@contextmanager
def schema_lock(file: Path) -> Iterator[None]:
    """Hold this process's lock on creating tables in DuckDB file ``file``.

    Connections to one file in one process share its catalog, and two creating the same table
    at once fail ("Catalog write-write conflict"), even with ``IF NOT EXISTS``: concurrent first
    requests on a fresh home did. Other processes cannot race here: DuckDB lets one process
    write a file at a time.
    """
    key = str(Path(file).resolve())
    with _SCHEMA_LOCKS_GUARD:
        lock = _SCHEMA_LOCKS.setdefault(key, threading.Lock())
    with lock:
        yield


def connect_when_free(file: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect to a DuckDB file, retrying while another process holds its lock for a moment
    (up to :data:`LOCK_WAIT_SECONDS`; then the lock error is raised)."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.02
    while True:
        try:
            return duckdb.connect(str(file), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


class Warehouse:
    """An open warehouse. Use :meth:`open` as a context manager."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.connection = connection
        self.path = path

    @classmethod
    @contextmanager
    def open(
        cls, path: str | Path | None = None, *, read_only: bool = False
    ) -> Iterator[Warehouse]:
        """Open (creating if needed) the warehouse file for the duration of a ``with`` block."""
        file = Path(path) if path is not None else get_settings().warehouse_file
        if read_only and not file.exists():
            raise NotFoundError(
                "there is no warehouse yet",
                expected=f"a warehouse file at {file}",
                got="no file",
                fix="load data first (`haiquan load FILE`) or build the demo (`haiquan demo`)",
            )
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = connect_when_free(file, read_only)
        except duckdb.IOException as error:
            raise ConfigurationError(
                "the warehouse file cannot be opened",
                expected=f"{file} free to open",
                got=str(error).splitlines()[0],
                fix="another haiquan process is writing it; wait for it to finish and try again",
            ) from error
        try:
            if not read_only:
                with schema_lock(file):
                    for statement in _SCHEMA:
                        connection.execute(statement)
            yield cls(connection, file)
        finally:
            connection.close()

    # --- small conveniences --------------------------------------------------------------
    def frame(self, sql: str, parameters: list[Any] | None = None) -> pd.DataFrame:
        """Run a query and return a DataFrame."""
        return self.connection.execute(sql, parameters or []).df()

    def has_table(self, name: str) -> bool:
        found = self.connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(found and found[0])

    def count(self, table: str) -> int:
        if table not in TABLES or not self.has_table(table):
            return 0
        found = self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(found[0]) if found else 0
