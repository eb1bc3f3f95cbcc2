"""The commitment tables in the warehouse: reads never write."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from haiquan.commitments._store import find_load, read_history
from haiquan.settings import get_settings


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reading_a_warehouse_without_commitment_tables_changes_nothing() -> None:
    path = Path(get_settings().warehouse_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE other (x INTEGER)")
    before = _digest(path)
    assert find_load("0" * 64) is None
    assert read_history().empty
    assert _digest(path) == before
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables")
                  .fetchall()}
    assert tables == {"other"}


def test_reading_with_no_warehouse_creates_no_file() -> None:
    path = Path(get_settings().warehouse_file)
    assert not path.exists()
    assert read_history().empty
    assert not path.exists()


def test_a_reader_does_not_block_another_reader_process() -> None:
    path = Path(get_settings().warehouse_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE other (x INTEGER)")
    # A read-only holder of the file (as the dashboard is) must not stop a read (a read-write
    # open with a different configuration would be refused by DuckDB).
    holder = duckdb.connect(str(path), read_only=True)
    try:
        assert read_history().empty
    finally:
        holder.close()
