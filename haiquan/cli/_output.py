"""One output layer for listing commands: a table for people, JSON or CSV for programs.

Every listing command takes ``--format table|json|csv`` (:data:`FormatOption`) and hands its rows
to :func:`emit`. A table formats figures for reading — money in million USD, rates as ``12.3 %``
as the docs write them — through the one cell formatter :func:`cell`; JSON and CSV carry the raw
values (USD, rates as fractions) under the column names, so a script never parses a display.

What is not a row — the synthetic-data label, notes, warnings — goes to standard error when the
output is JSON or CSV (:func:`side_console`), so standard output stays one document a program
can read, and a SYNTHETIC label is never silently dropped.

Pandas is imported only when a DataFrame is given: the gateway's commands use this module on a
node that installs no numerical stack.
"""

from __future__ import annotations

import csv
import json
import math
import numbers
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from haiquan.cli._console import console, error_console

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SYNTHETIC_LABEL",
    "Column",
    "FormatOption",
    "Kind",
    "OutputFormat",
    "cell",
    "emit",
    "frame_columns",
    "frame_rows",
    "guess_columns",
    "percent",
    "side_console",
]

SYNTHETIC_LABEL = "SYNTHETIC DEMO DATA — generated, not real trade or declarations"

#: How a table shows a value: ``money`` in million USD, ``usd`` in USD with cents,
#: ``percent`` a fraction as ``12.3 %``, ``number`` with thousands separators (three decimals
#: for fractions), ``count`` a number of items that may be a fraction (two decimals at most),
#: ``auto`` three decimals for fractions and anything else as written, ``text`` as written (a
#: yes/no as ``yes`` or blank), ``n/a`` a figure that cannot be computed for this data.
Kind = Literal["text", "auto", "money", "usd", "percent", "number", "count", "n/a"]


class OutputFormat(StrEnum):
    """What a listing command writes on standard output."""

    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        case_sensitive=False,
        help="table for reading; json or csv (raw values: USD, rates as fractions) for programs.",
    ),
]


@dataclass(frozen=True)
class Column:
    """A column of a listing: the row key, the table's header and how the table shows it."""

    key: str
    header: str | None = None
    kind: Kind = "text"
    #: Right-align in the table; by default figures are right-aligned and text left-aligned.
    right: bool | None = None

    @property
    def title(self) -> str:
        return self.key if self.header is None else self.header

    @property
    def justify(self) -> Literal["left", "right"]:
        right = self.kind not in ("text", "auto") if self.right is None else self.right
        return "right" if right else "left"


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas' NA and NaT without importing pandas.
    return type(value).__name__ in ("NAType", "NaTType")


def _figure(value: object) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and (type(value).__name__ != "bool_")
    )


def percent(value: float | None, decimals: int = 1) -> str:
    """A fraction as per cent, written as the docs write it (blank when there is none).

    >>> percent(0.1234), percent(0.5, 0), percent(None)
    ('12.3 %', '50 %', '')
    """
    return "" if value is None else f"{value * 100:.{decimals}f} %"


def cell(value: object, kind: Kind = "auto") -> str:
    """``value`` as a table shows it (see :data:`Kind`).

    >>> cell(12_345_678.0, "money"), cell(0.1234, "percent"), cell(1234, "number")
    ('12.3', '12.3 %', '1,234')
    >>> cell(2.5, "count"), cell(float("nan"), "percent"), cell(True, "text")
    ('2.5', '', 'yes')
    """
    if kind == "n/a":
        return "n/a"
    if _missing(value):
        return ""
    if kind == "text" and (isinstance(value, bool) or type(value).__name__ == "bool_"):
        return "yes" if value else ""
    if _figure(value):
        number: Any = value
        if kind == "money":
            return f"{number / 1e6:,.1f}"
        if kind == "usd":
            return f"{number:,.2f}"
        if kind == "percent":
            return percent(float(number))
        if kind == "number":
            if isinstance(value, numbers.Integral):
                return f"{int(number):,}"
            return f"{number:,.3f}"
        if kind == "count" and isinstance(value, float):
            # Counts of units may be fractions of an item (parts, partners): two decimals at most.
            return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:g}"
        if kind == "auto" and isinstance(value, float):
            return f"{value:,.3f}"
    return str(value)


def guess_columns(
    records: Sequence[Mapping[str, Any]],
    *,
    usd_note: bool = True,
    numeric: Mapping[str, bool] | None = None,
    floats: Mapping[str, bool] | None = None,
) -> list[Column]:
    """Columns of ``records`` (every key of the first), their kinds told by name: ``*_usd``
    money (million USD in the header unless ``usd_note`` is false), ``rate``, ``share`` and
    ``*_share/_cagr/_yoy/_rate`` per cent, other fractions three decimals; figures right-aligned.

    ``numeric`` and ``floats`` say which columns hold figures and fractions (a DataFrame's dtypes);
    by default the values tell.
    """
    columns = []
    for key in records[0] if records else {}:
        values = [r.get(key) for r in records if not _missing(r.get(key))]
        figures = (
            numeric[key]
            if numeric is not None
            else bool(values) and all(_figure(v) for v in values)
        )
        fractions = (
            floats[key]
            if floats is not None
            else figures and any(isinstance(v, float) for v in values)
        )
        kind: Kind = "auto"
        header = None
        if key.endswith("_usd"):
            kind = "money" if fractions else "auto"
            header = f"{key[:-4]} (M USD)" if usd_note else None
        elif fractions and (
            key in ("share", "rate") or key.endswith(("_share", "_cagr", "_yoy", "_rate"))
        ):
            kind = "percent"
        columns.append(Column(key, header, kind, right=figures))
    return columns


def frame_columns(frame: pd.DataFrame, *, usd_note: bool = True) -> list[Column]:
    """:func:`guess_columns` of a DataFrame, its dtypes saying which columns hold figures."""
    import pandas as pd

    names = [str(c) for c in frame.columns]
    return guess_columns(
        [dict.fromkeys(names)],
        usd_note=usd_note,
        numeric={str(c): bool(pd.api.types.is_numeric_dtype(frame[c])) for c in frame.columns},
        floats={str(c): bool(pd.api.types.is_float_dtype(frame[c])) for c in frame.columns},
    )


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a DataFrame as mappings of column name to value."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def side_console(output: OutputFormat) -> Console:
    """Where notes go: beside a table, or to standard error when standard output is JSON/CSV."""
    return console if output is OutputFormat.table else error_console


def _csv_value(value: object) -> object:
    if _missing(value):
        return ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def _plain(value: object) -> object:
    """A value JSON can hold: dates and other objects as text, NaN as null."""
    if _missing(value):
        return None
    if isinstance(value, (str, int, float, bool, dict, list)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    return str(value)


def emit(
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame,
    output: OutputFormat = OutputFormat.table,
    *,
    columns: Sequence[Column] | None = None,
    title: str | None = None,
    synthetic: bool = False,
    usd_note: bool = True,
) -> None:
    """Write ``rows`` as a table, a JSON array of objects or CSV with a header.

    ``rows`` are mappings (or a DataFrame); ``columns`` choose and order the keys and say how the
    table shows them (default: every column of a DataFrame, or every key of the first row, each
    shown as :func:`guess_columns` tells by its name). ``synthetic`` prints the synthetic-data
    label above a table, or to standard error beside JSON/CSV.
    """
    if hasattr(rows, "columns") and hasattr(rows, "to_json"):
        frame: Any = rows
        if columns is None:
            columns = frame_columns(frame, usd_note=usd_note)
        records = frame_rows(frame)
    else:
        records = [dict(r) for r in rows]  # type: ignore[union-attr]
        if columns is None:
            columns = guess_columns(records, usd_note=usd_note)
    if synthetic:
        side_console(output).print(f"[bold yellow]{SYNTHETIC_LABEL}[/]")
        if output is not OutputFormat.table and all(c.key != "synthetic" for c in columns):
            # A program reads standard output only: the label travels in every row too, so
            # it survives whatever the program does with the rows (filter, join, save).
            columns = [*columns, Column("synthetic", "Synthetic", "text")]
            records = [{**r, "synthetic": True} for r in records]
    if output is OutputFormat.json:
        document = [{c.key: _plain(r.get(c.key)) for c in columns} for r in records]
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    elif output is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([c.key for c in columns])
        for r in records:
            writer.writerow([_csv_value(_plain(r.get(c.key))) for c in columns])
    else:
        table = Table(title=title, show_lines=False)
        for c in columns:
            # On a narrow terminal a cell folds onto more lines; a figure is never cut short.
            table.add_column(c.title, justify=c.justify, overflow="fold")
        for r in records:
            table.add_row(*(cell(r.get(c.key), c.kind) for c in columns))
        console.print(table)
    sys.stdout.flush()
