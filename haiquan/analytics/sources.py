"""Where the analytics get their rows: a trade file given on the command line, or the warehouse.

The analytics functions themselves take DataFrames; this is the one place that reads them, so
the CLI and the web edge pass a path (or nothing) and get canonical rows back.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["load_flows"]


def load_flows(
    path: str | Path | None = None,
    format: str | None = None,
    *,
    first_year: int | None = None,
    last_year: int | None = None,
    commodity: str | None = "TOTAL",
) -> pd.DataFrame:
    """Canonical trade rows from a file (any format ``read_trade_file`` knows) or the warehouse.

    Args:
        path: a trade file; when ``None`` the rows come from the warehouse (``HAIQUAN_HOME``).
        format: the file's format (detected from its columns when ``None``).
        first_year, last_year: keep only periods in these calendar years (inclusive).
        commodity: ``TOTAL`` for partner totals, ``None`` for every commodity (RCA needs HS
            chapters).

    Raises:
        DataFileError: the file cannot be read; NotFoundError: no warehouse yet.
    """
    if path is not None:
        from haiquan.warehouse.sources import read_trade_file

        rows = read_trade_file(path, format)
        years = rows["period"].str[:4].astype("int64")
        keep = pd.Series(True, index=rows.index)
        if first_year is not None:
            keep &= years >= first_year
        if last_year is not None:
            keep &= years <= last_year
        if commodity is not None:
            keep &= rows["commodity"] == commodity
        return rows.loc[keep].reset_index(drop=True)
    from haiquan.warehouse.queries import query_flows

    # Periods are text (2020, 2020Q3, 2020-07): "Z" sorts after every period of a year.
    return query_flows(
        commodity=commodity,
        period_from=str(first_year) if first_year is not None else None,
        period_to=f"{last_year}Z" if last_year is not None else None,
    )
