"""Loading files into the warehouse: all or nothing, and never the same file twice.

A load reads and checks the whole file first (a bad file raises before anything is written),
then, in one transaction, records the file's SHA-256 in ``loads``, replaces any earlier rows with
the same key from the same source (so a corrected file supersedes the old one), and inserts the
new rows. Loading a file whose hash is already recorded changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from haiquan.errors import ConfigurationError, InputError
from haiquan.settings import get_settings
from haiquan.warehouse.schema import TRADE_FLOW_COLUMNS, check_trade_flows
from haiquan.warehouse.sources import detect_format, read_trade_rows
from haiquan.warehouse.store import Warehouse

__all__ = [
    "LoadResult",
    "declarations_schema",
    "file_sha256",
    "load_declarations_file",
    "load_trade_file",
    "load_trade_frame",
]

#: Columns that identify one trade value; a later load replaces rows with the same key.
TRADE_KEY = ("reporter", "partner", "flow", "frequency", "period", "commodity", "source")

Progress = Callable[[str], None]


class LoadResult(BaseModel):
    """What a load did."""

    load_id: int | None
    path: str
    format: str
    sha256: str
    rows: int
    replaced_rows: int = 0
    already_loaded: bool = False
    set_aside: list[dict[str, object]] = []
    synthetic: bool = False


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _previous_load(warehouse: Warehouse, kind: str, sha256: str) -> tuple[int, int] | None:
    found = warehouse.connection.execute(
        "SELECT load_id, rows FROM loads WHERE kind = ? AND sha256 = ?", [kind, sha256]
    ).fetchone()
    return (int(found[0]), int(found[1])) if found else None


def _record_load(
    warehouse: Warehouse, *, kind: str, path: str, sha256: str, format: str, rows: int,
    set_aside: list[dict[str, object]], synthetic: bool,
) -> int:
    found = warehouse.connection.execute("SELECT nextval('load_ids')").fetchone()
    assert found is not None
    load_id = int(found[0])
    warehouse.connection.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, kind, path, sha256, format, rows, json.dumps(set_aside), synthetic,
         dt.datetime.now(dt.UTC).replace(tzinfo=None)],
    )
    return load_id


def load_trade_frame(
    frame: pd.DataFrame,
    *,
    label: str,
    sha256: str,
    format: str = "canonical",
    synthetic: bool = False,
    warehouse: Warehouse | None = None,
    progress: Progress | None = None,
    checked: bool = False,
    set_aside: Sequence[dict[str, object]] = (),
) -> LoadResult:
    """Store canonical rows as one load identified by ``sha256``.

    ``checked=True`` skips the validation for rows that a reader has just checked;
    ``set_aside`` is what the reader left out (:class:`~haiquan.warehouse.sources.TradeFileRows`),
    recorded with the load.
    """
    rows = frame if checked else check_trade_flows(frame, path=label)
    if synthetic and not rows["source"].str.startswith("synthetic").all():
        raise InputError(
            "synthetic rows must say so in their source",
            expected="every source value starting with 'synthetic'",
            got=", ".join(sorted(set(rows["source"]))),
            fix="name the source e.g. 'synthetic-demo' so every output can label it",
        )
    if warehouse is None:
        with Warehouse.open() as opened:
            return _store_trade(opened, rows, label, sha256, format, synthetic,
                                list(set_aside), progress)
    return _store_trade(warehouse, rows, label, sha256, format, synthetic, list(set_aside),
                        progress)


def _store_trade(
    warehouse: Warehouse, rows: pd.DataFrame, label: str, sha256: str, format: str,
    synthetic: bool, set_aside: list[dict[str, object]], progress: Progress | None,
) -> LoadResult:
    previous = _previous_load(warehouse, "trade", sha256)
    if previous is not None:
        return LoadResult(load_id=previous[0], path=label, format=format, sha256=sha256,
                          rows=previous[1], already_loaded=True, synthetic=synthetic)
    connection = warehouse.connection
    connection.execute("BEGIN TRANSACTION")
    try:
        load_id = _record_load(warehouse, kind="trade", path=label, sha256=sha256, format=format,
                               rows=len(rows), set_aside=set_aside, synthetic=synthetic)
        if progress:
            progress("replacing superseded rows")
        # Arrow columns reach DuckDB far faster than pandas object columns (millions of rows).
        incoming = pa.Table.from_pandas(rows.assign(load_id=load_id), preserve_index=False)
        connection.register("incoming_rows", incoming)
        keys = " AND ".join(f"t.{k} = i.{k}" for k in TRADE_KEY)
        before = connection.execute("SELECT count(*) FROM trade_flows").fetchone()
        connection.execute(
            f"DELETE FROM trade_flows t WHERE EXISTS (SELECT 1 FROM incoming_rows i WHERE {keys})"
        )
        after = connection.execute("SELECT count(*) FROM trade_flows").fetchone()
        if progress:
            progress("storing rows")
        columns = ", ".join([*TRADE_FLOW_COLUMNS, "load_id"])
        connection.execute(f"INSERT INTO trade_flows SELECT {columns} FROM incoming_rows")
        connection.unregister("incoming_rows")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    # Fold the write-ahead log into the file now, so readers that open it later need not replay it.
    connection.execute("CHECKPOINT")
    replaced = int(before[0]) - int(after[0]) if before and after else 0
    return LoadResult(load_id=load_id, path=label, format=format, sha256=sha256, rows=len(rows),
                      replaced_rows=replaced, set_aside=set_aside, synthetic=synthetic)


def load_trade_file(
    path: str | Path,
    format: str | None = None,
    *,
    warehouse: Warehouse | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load a trade file of a named (or detected) format; see the module docstring."""
    file = Path(path)
    if not file.is_file():
        raise InputError(
            "no such file",
            expected="the path of an existing trade data file",
            got=str(file),
            fix="check the path (relative paths start from the current folder)",
        )
    name = format or detect_format(file)
    if progress:
        progress("hashing file")
    sha256 = file_sha256(file)
    if warehouse is None:
        with Warehouse.open() as opened:
            return _load_trade_file(opened, file, name, sha256, progress)
    return _load_trade_file(warehouse, file, name, sha256, progress)


def _load_trade_file(
    warehouse: Warehouse, file: Path, name: str, sha256: str, progress: Progress | None
) -> LoadResult:
    previous = _previous_load(warehouse, "trade", sha256)
    if previous is not None:
        return LoadResult(load_id=previous[0], path=str(file), format=name, sha256=sha256,
                          rows=previous[1], already_loaded=True)
    if progress:
        progress(f"reading and checking ({name})")
    read = read_trade_rows(file, name)
    return load_trade_frame(read.rows, label=str(file), sha256=sha256, format=name,
                            warehouse=warehouse, progress=progress, checked=True,
                            set_aside=read.set_aside)


def load_declarations_file(
    path: str | Path,
    layout: Literal["kcs", "canonical"] = "kcs",
    *,
    synthetic: bool = False,
    warehouse: Warehouse | None = None,
) -> LoadResult:
    """Load a declarations file (KCS or canonical layout) into the ``declarations`` table."""
    from haiquan.declarations import read_declarations

    file = Path(path)
    sha256 = file_sha256(file) if file.is_file() else ""
    # A file loaded before is recognised by its hash without reading and checking it again.
    if warehouse is not None:
        previous = _previous_load(warehouse, "declarations", sha256)
    elif sha256 and get_settings().warehouse_file.exists():
        with Warehouse.open(read_only=True) as reader:
            previous = (_previous_load(reader, "declarations", sha256)
                        if reader.has_table("loads") else None)
    else:
        previous = None
    if previous is not None:
        return LoadResult(load_id=previous[0], path=str(file), format=layout, sha256=sha256,
                          rows=previous[1], already_loaded=True, synthetic=synthetic)
    frame = read_declarations(file, layout=layout)
    if warehouse is None:
        with Warehouse.open() as opened:
            return _store_declarations(opened, frame, str(file), sha256, layout, synthetic)
    return _store_declarations(warehouse, frame, str(file), sha256, layout, synthetic)


def store_declarations_frame(
    frame: pd.DataFrame, *, label: str, sha256: str, layout: str = "canonical",
    synthetic: bool = False, warehouse: Warehouse | None = None,
) -> LoadResult:
    """Store already-read declaration rows (e.g. generated demo data) as one load."""
    if warehouse is None:
        with Warehouse.open() as opened:
            return _store_declarations(opened, frame, label, sha256, layout, synthetic)
    return _store_declarations(warehouse, frame, label, sha256, layout, synthetic)


#: Declaration column kind (:class:`~haiquan.declarations.columns.ColumnSpec`) -> DuckDB type.
_DECLARATION_SQL_TYPES = {"id": "VARCHAR", "code": "VARCHAR", "hs": "VARCHAR",
                          "country": "VARCHAR", "date": "DATE", "number": "DOUBLE",
                          "int": "BIGINT", "label": "TINYINT"}


def declarations_schema() -> dict[str, str]:
    """Column -> DuckDB type of the ``declarations`` table, from the canonical declaration layout.

    >>> declarations_schema()["courier"], declarations_schema()["date"]
    ('VARCHAR', 'DATE')
    """
    from haiquan.declarations.columns import DECLARATION_COLUMNS, column_spec

    types = {name: _DECLARATION_SQL_TYPES[column_spec(name).kind] for name in DECLARATION_COLUMNS}
    return types | {"load_id": "INTEGER"}


def _declarations_table(warehouse: Warehouse) -> None:
    """Create the ``declarations`` table with its declared types, or bring an old one to them.

    Warehouses built before the types were declared took them from their first load: a demo
    load without couriers made ``courier`` of type NULL and ``date`` a TIMESTAMP_NS, and a later
    file with couriers could not be inserted. Such columns are converted in place (inside the
    caller's transaction, so a failure changes nothing).
    """
    connection = warehouse.connection
    declared = declarations_schema()
    if not warehouse.has_table("declarations"):
        columns = ", ".join(f"{name} {kind}" for name, kind in declared.items())
        connection.execute(f"CREATE TABLE declarations ({columns})")
        return
    current = {str(row[0]): str(row[1]) for row in
               connection.execute("DESCRIBE declarations").fetchall()}
    for name, kind in declared.items():
        try:
            if name not in current:
                connection.execute(f"ALTER TABLE declarations ADD COLUMN {name} {kind}")
            elif current[name] != kind:
                connection.execute(f"ALTER TABLE declarations ALTER {name} SET DATA TYPE {kind}")
        except duckdb.Error as error:
            raise ConfigurationError(
                "the warehouse's declarations table cannot be brought to the declared types",
                expected=f"column {name} convertible to {kind}",
                got=f"{current.get(name, 'no column')}: {str(error).splitlines()[0]}",
                fix="export the table (`haiquan export declarations old.csv`), delete the "
                f"warehouse file {warehouse.path} and load the declaration files again",
            ) from error


def _store_declarations(
    warehouse: Warehouse, frame: pd.DataFrame, label: str, sha256: str, layout: str,
    synthetic: bool,
) -> LoadResult:
    previous = _previous_load(warehouse, "declarations", sha256)
    if previous is not None:
        return LoadResult(load_id=previous[0], path=label, format=layout, sha256=sha256,
                          rows=previous[1], already_loaded=True, synthetic=synthetic)
    connection = warehouse.connection
    connection.execute("BEGIN TRANSACTION")
    try:
        load_id = _record_load(warehouse, kind="declarations", path=label, sha256=sha256,
                               format=layout, rows=len(frame), set_aside=[], synthetic=synthetic)
        incoming = frame.assign(load_id=load_id)
        connection.register("incoming_declarations", incoming)
        _declarations_table(warehouse)
        before = connection.execute("SELECT count(*) FROM declarations").fetchone()
        connection.execute(
            "DELETE FROM declarations d WHERE d.declaration_id IN "
            "(SELECT declaration_id FROM incoming_declarations)"
        )
        after = connection.execute("SELECT count(*) FROM declarations").fetchone()
        connection.execute("INSERT INTO declarations BY NAME SELECT * FROM incoming_declarations")
        connection.unregister("incoming_declarations")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    replaced = int(before[0]) - int(after[0]) if before and after else 0
    return LoadResult(load_id=load_id, path=label, format=layout, sha256=sha256, rows=len(frame),
                      replaced_rows=replaced, synthetic=synthetic)
