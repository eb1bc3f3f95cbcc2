"""The append-only status history in the DuckDB warehouse (tables prefixed ``commitment_``).

The file is opened for the duration of one call only: the warehouse code opens the same file and
DuckDB allows one writing process at a time. Nothing here updates or deletes a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from haiquan.commitments.records import RECORD_COLUMNS, StatusRecord
from haiquan.errors import ConfigurationError
from haiquan.settings import get_settings
from haiquan.warehouse.store import connect_when_free, schema_lock

__all__ = ["append", "find_load", "read_history"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commitment_status (
    seq BIGINT PRIMARY KEY,
    recorded_at TIMESTAMP NOT NULL,
    load_id VARCHAR NOT NULL,
    catalogue VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    effective_date DATE NOT NULL,
    category VARCHAR,
    indicative_date DATE,
    definitive_date DATE,
    status VARCHAR,
    evidence VARCHAR,
    responsible_unit VARCHAR,
    source VARCHAR,
    note VARCHAR,
    legal_basis VARCHAR,
    current_practice VARCHAR,
    gap VARCHAR,
    planned_action VARCHAR,
    target_date DATE,
    evidence_file VARCHAR,
    approval VARCHAR,
    approved_by VARCHAR
);
CREATE TABLE IF NOT EXISTS commitment_loads (
    load_id VARCHAR PRIMARY KEY,
    sha256 VARCHAR,
    origin VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    rows INTEGER NOT NULL
);
"""

_TABLE_COUNT = _SCHEMA.count("CREATE TABLE")
_DATE_COLUMNS = ("effective_date", "indicative_date", "definitive_date", "target_date")
#: Columns added after the first release: a warehouse written before them gains them on its next
#: write (an older file read read-only shows them empty, see read_history).
_ADDED_COLUMNS = """
ALTER TABLE commitment_status ADD COLUMN IF NOT EXISTS legal_basis VARCHAR;
ALTER TABLE commitment_status ADD COLUMN IF NOT EXISTS current_practice VARCHAR;
ALTER TABLE commitment_status ADD COLUMN IF NOT EXISTS gap VARCHAR;
ALTER TABLE commitment_status ADD COLUMN IF NOT EXISTS planned_action VARCHAR;
ALTER TABLE commitment_status ADD COLUMN IF NOT EXISTS target_date DATE;
ALTER TABLE commitment_status ADD COLUMN IF NOT EXISTS evidence_file VARCHAR;
ALTER TABLE commitment_status ADD COLUMN IF NOT EXISTS approval VARCHAR;
ALTER TABLE commitment_status ADD COLUMN IF NOT EXISTS approved_by VARCHAR;
"""


def _has_tables(connection: duckdb.DuckDBPyConnection) -> bool:
    found = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'commitment%'"
    ).fetchone()
    return bool(found and found[0] >= _TABLE_COUNT)


@contextmanager
def _connect(read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse's commitment tables.

    Reads open the file read-only, so a dashboard reading status records never takes the write
    lock a loading process needs; reading a warehouse without these tables (or no warehouse) is
    reading an empty history, served from an empty in-memory copy of the schema.
    """
    path = Path(get_settings().warehouse_file)
    connection: duckdb.DuckDBPyConnection | None = None
    try:
        if read_only and path.exists():
            connection = connect_when_free(path, read_only=True)
            if not _has_tables(connection):
                connection.close()
                connection = None
        elif not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = connect_when_free(path)
    except duckdb.IOException as error:
        raise ConfigurationError(
            f"cannot open the warehouse {path}",
            expected="a DuckDB file no other process is writing",
            got=str(error).splitlines()[0],
            fix="wait for the other haiquan process to finish, or set HAIQUAN_WAREHOUSE_PATH",
        ) from error
    if connection is None:
        connection = duckdb.connect(":memory:")
        connection.execute(_SCHEMA)
    elif not read_only:
        with schema_lock(path):  # two first opens in one process must not both create it
            connection.execute(_SCHEMA)
            connection.execute(_ADDED_COLUMNS)
    try:
        yield connection
    finally:
        connection.close()


def find_load(sha256: str) -> dict[str, object] | None:
    """The earlier load of a file with this hash, if any."""
    with _connect(read_only=True) as con:
        found = con.execute(
            "SELECT load_id, origin, loaded_at, rows FROM commitment_loads WHERE sha256 = ?",
            [sha256],
        ).fetchall()
    if not found:
        return None
    row = found[0]
    return {"load_id": row[0], "origin": row[1], "loaded_at": row[2], "rows": row[3]}


def append(
    records: Sequence[StatusRecord],
    *,
    load_id: str,
    origin: str,
    sha256: str | None,
    recorded_at: dt.datetime,
) -> int:
    """Append records in one transaction; return how many were stored."""
    frame = pd.DataFrame([r.model_dump() for r in records], columns=list(RECORD_COLUMNS))
    for column in _DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column])
    with _connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            start = con.execute("SELECT coalesce(max(seq), 0) FROM commitment_status").fetchall()
            first = int(start[0][0]) + 1
            frame.insert(0, "seq", range(first, first + len(frame)))
            frame.insert(1, "recorded_at", pd.Timestamp(recorded_at))
            frame.insert(2, "load_id", load_id)
            con.register("incoming", frame)
            columns = ", ".join(frame.columns)
            con.execute(f"INSERT INTO commitment_status ({columns}) SELECT {columns} FROM incoming")
            con.execute(
                "INSERT INTO commitment_loads VALUES (?, ?, ?, ?, ?)",
                [load_id, sha256, origin, recorded_at, len(frame)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return len(frame)


def read_history(
    *,
    catalogue: str | None = None,
    country: str | None = None,
    item: str | None = None,
    known_on: dt.datetime | None = None,
) -> pd.DataFrame:
    """Stored records, oldest first by effective date then by the order they were recorded."""
    where: list[str] = []
    params: list[object] = []
    for column, value in (("catalogue", catalogue), ("country", country), ("item", item)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if known_on is not None:
        where.append("recorded_at <= ?")
        params.append(known_on)
    sql = "SELECT * FROM commitment_status"
    if where:
        sql += " WHERE " + " AND ".join(where)
    # Chronological, as the docstring says: sorting by item first put "10.8" before "3".
    sql += " ORDER BY effective_date, seq"
    with _connect(read_only=True) as con:
        frame = con.execute(sql, params).fetchdf()
    for column in RECORD_COLUMNS:
        if column not in frame.columns:
            frame[column] = None  # a warehouse written before the column existed
    for column in _DATE_COLUMNS:
        frame[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[column]]
    return frame.astype({c: object for c in RECORD_COLUMNS}).replace({float("nan"): None})
