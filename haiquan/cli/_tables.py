"""Rendering DataFrames as Rich tables, with the synthetic-data label where it applies.

A thin front to :mod:`haiquan.cli._output`, the one output layer: the same cells, the same
label, and ``--format json|csv`` through the same function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from haiquan.cli._output import SYNTHETIC_LABEL, OutputFormat, emit

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SYNTHETIC_LABEL", "print_frame"]


def print_frame(
    frame: pd.DataFrame,
    title: str | None = None,
    *,
    usd_note: bool = True,
    output: OutputFormat = OutputFormat.table,
    synthetic: bool | None = None,
) -> None:
    """Print a table (money columns, ``*_usd``, in million USD), or the rows as JSON or CSV.

    ``synthetic`` is the result's own field; left out, it is read from the rows' ``source``
    column (:func:`haiquan.warehouse.schema.is_synthetic`), as warehouse look-ups keep it.
    """
    if synthetic is None:
        from haiquan.warehouse.schema import is_synthetic

        synthetic = is_synthetic(frame)
    emit(frame, output, title=title, synthetic=synthetic, usd_note=usd_note)
