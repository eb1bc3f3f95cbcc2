"""Helpers shared by the analytics modules: annual values from canonical rows, defaults, checks.

Every analytics function takes a plain DataFrame of canonical trade-flow rows (the columns of
:data:`haiquan.warehouse.schema.TRADE_FLOW_COLUMNS`) — what a warehouse query or a trade-file
reader returns — so nothing here opens a connection.
"""

from __future__ import annotations

import pandas as pd

from haiquan.errors import InputError, NotFoundError
from haiquan.reference.countries import resolve_home
from haiquan.warehouse.schema import is_synthetic as synthetic_source

__all__ = ["annual_values", "is_country", "is_synthetic", "resolve_home", "resolve_year"]

_PERIODS_PER_YEAR = {"M": 12, "Q": 4, "A": 1}
_NEEDED = ("reporter", "partner", "flow", "frequency", "period", "commodity", "value_usd")


def is_country(codes: pd.Series) -> pd.Series:
    """True for ISO alpha-3 partners, false for named groups such as WORLD or EUROPEAN_UNION."""
    return codes.astype("string").str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool)


def is_synthetic(flows: pd.DataFrame) -> bool:
    """Whether any row is generated demo data, so every output built on it can say so.

    Read from the rows' ``source`` column (:func:`haiquan.warehouse.schema.is_synthetic`).
    """
    return synthetic_source(flows)


def annual_values(flows: pd.DataFrame) -> pd.DataFrame:
    """Annual values per reporter, partner, flow and commodity, as each reporter reported them.

    Annual rows are used as they are; monthly and quarterly rows are summed into calendar years,
    but only for years with all 12 months (or 4 quarters), because a partial year would look like
    a collapse in trade. When a series has both an annual row and sub-annual rows for a year, the
    annual row wins (sources revise annual figures after the monthly ones); when two sources hold
    the same series at the same frequency, one is kept (the last by source name), never the sum.
    A row repeated within one source (same series, period and source) counts once.
    Rows flagged ``is_mirror`` are left out: each value here is what its own reporter declared.

    Returns:
        Columns ``reporter``, ``partner``, ``flow``, ``commodity``, ``year`` (int),
        ``value_usd``.

    Raises:
        InputError: when a column of the canonical table is missing.
    """
    missing = [c for c in _NEEDED if c not in flows.columns]
    if missing:
        raise InputError(
            "the trade flows lack columns of the canonical table",
            expected="columns " + ", ".join(_NEEDED),
            got="columns " + ", ".join(map(str, flows.columns)),
            fix="pass rows from a warehouse query or a trade-file reader (read_trade_file)",
        )
    keys = ["reporter", "partner", "flow", "commodity", "year"]
    frame = flows if "source" in flows.columns else flows.assign(source="unknown")
    if "is_mirror" in frame.columns:
        frame = frame.loc[~frame["is_mirror"].fillna(False).astype(bool)]
    # A source that repeats a row (the DOTS workbooks list Australia twice as a partner, and
    # Nicaragua's workbook is there twice) holds one value, not two: summing the copies below
    # would double it. The DOTS reader now keeps one copy; this also covers warehouses loaded
    # before it did. Only exact repeats go (the value included): distinct categories a source
    # files under one code (IMF "Special Categories" and "Countries & Areas not specified",
    # both NOT_SPECIFIED) are different rows and are added up.
    frame = frame.drop_duplicates(
        ["reporter", "partner", "flow", "commodity", "frequency", "period", "source",
         "value_usd"]
    )
    frame = frame.assign(year=frame["period"].astype("string").str[:4].astype("int64"))
    pieces = []
    for frequency, count in _PERIODS_PER_YEAR.items():
        part = frame.loc[frame["frequency"] == frequency]
        if part.empty:
            continue
        grouped = part.groupby([*keys, "source"], as_index=False, observed=True).agg(
            value_usd=("value_usd", "sum"), periods=("period", "nunique")
        )
        grouped = grouped.loc[grouped["periods"] == count].drop(columns="periods")
        grouped["rank"] = list(_PERIODS_PER_YEAR).index(frequency)
        pieces.append(grouped)
    if not pieces:
        return pd.DataFrame({k: pd.Series(dtype="string") for k in keys[:-1]}).assign(
            year=pd.Series(dtype="int64"), value_usd=pd.Series(dtype="float64")
        )
    combined = pd.concat(pieces, ignore_index=True)
    # One value per series and year, never a sum over sources (two sources of the same figure
    # would double it): annual (rank 2) beats quarterly (1) beats monthly (0); between sources
    # of equal rank the choice is by name, so it is at least the same every time.
    combined = combined.sort_values(["rank", "source"]).drop_duplicates(keys, keep="last")
    out = combined.drop(columns=["rank", "source"]).reset_index(drop=True)
    for column in keys[:-1]:
        out[column] = out[column].astype("string")
    return out


def resolve_year(annual: pd.DataFrame, home: str, year: int | None) -> int:
    """The year asked for, else the latest year in which ``home`` reported any trade.

    Raises:
        NotFoundError: when ``home`` reported nothing (in ``year`` when one is given).
    """
    own = annual.loc[annual["reporter"] == home, "year"]
    if year is not None:
        if not (own == year).any():
            years = sorted(own.unique())
            raise NotFoundError(
                f"{home} reported no trade for {year} in the rows given",
                expected=f"rows with reporter {home} in {year}",
                got="years " + (f"{years[0]}..{years[-1]}" if years else "none"),
                fix="choose a year that is loaded, or load the data for it first",
            )
        return int(year)
    if own.empty:
        raise NotFoundError(
            f"the rows given hold no trade reported by {home}",
            expected=f"canonical rows with reporter {home}",
            got=f"reporters {', '.join(sorted(annual['reporter'].unique())[:10]) or 'none'}",
            fix="load a file that covers the home country, or pass another --home",
        )
    return int(own.max())
