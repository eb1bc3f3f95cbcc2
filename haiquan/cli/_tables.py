"""Rendering DataFrames as Rich tables, with the synthetic-data label where it applies."""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from haiquan.cli._console import console

__all__ = ["SYNTHETIC_LABEL", "print_frame"]

SYNTHETIC_LABEL = "SYNTHETIC DEMO DATA — generated, not real trade or declarations"


def _cell(value: object, column: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        if column.endswith("_usd"):
            return f"{value / 1e6:,.1f}"
        if column == "share" or column.endswith(("_share", "_cagr", "_yoy", "_rate")):
            return f"{value:.1%}"
        return f"{value:,.3f}"
    return str(value)


def print_frame(
    frame: pd.DataFrame, title: str | None = None, *, usd_note: bool = True,
    synthetic: bool | None = None,
) -> None:
    """Print a table; money columns (``*_usd``) in million USD.

    ``synthetic`` is the result's own field; left out, it is read from the rows' ``source``
    column (:func:`haiquan.warehouse.schema.is_synthetic`), as warehouse look-ups keep it.
    """
    if synthetic is None:
        from haiquan.warehouse.schema import is_synthetic

        synthetic = is_synthetic(frame)
    if synthetic:
        console.print(f"[bold yellow]{SYNTHETIC_LABEL}[/]")
    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        header = f"{column[:-4]} (M USD)" if usd_note and column.endswith("_usd") else column
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        # On a narrow terminal a cell folds onto more lines; a figure is never cut short with "…".
        table.add_column(header, justify="right" if numeric else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v, c) for v, c in zip(row, frame.columns, strict=True)))
    console.print(table)
