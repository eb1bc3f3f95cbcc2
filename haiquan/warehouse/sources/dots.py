"""IMF Direction of Trade Statistics (DOTS), bilateral annual, long table (parquet or CSV).

Columns: ``reporter``, ``partner`` (IMF names), ``partner_is_aggregate``, ``flow``
(``export_fob`` / ``import_cif``), ``year``, ``value_musd``. Each row is stored as its reporter
reported it (``is_mirror`` false): the mirror view of a relationship is the partner's own row with
reporter and partner swapped, which the analytics compute at query time.

The published file carries a handful of small negative values (IMF source quirks, see the data's
SOURCE.md). They are not trade values, so they are set aside and counted in the load record
(:attr:`TradeFileRows.set_aside`) rather than failing a file of 2.4 million good rows. The same goes
for exact repeats of a row: the file lists Australia twice as a partner in every workbook and
holds Nicaragua's workbook twice, so summing by partner would double those relationships; one
copy of each is kept and the repeats are counted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from haiquan.warehouse.schema import check_trade_flows
from haiquan.warehouse.sources._common import (
    TradeFileRows,
    map_partner_names,
    read_table,
    require_columns,
)

__all__ = ["DOTS_COLUMNS", "DOTS_FLOWS", "read"]

DOTS_COLUMNS = ("reporter", "partner", "flow", "year", "value_musd")
DOTS_FLOWS = {"export_fob": "export", "import_cif": "import"}


def _year_text(years: pd.Series) -> pd.Series:
    """Years as text ('2020'), converting each distinct value once (millions of rows)."""
    codes, uniques = pd.factorize(years)
    text = [str(y).strip().removesuffix(".0") for y in uniques] + [None]
    return pd.Series(pd.Series(text, dtype="object").to_numpy()[codes], index=years.index)


def read(path: str | Path) -> TradeFileRows:
    """Canonical trade-flow rows of a DOTS file, and the rows set aside."""
    file = Path(path)
    raw = read_table(file)
    require_columns(raw, DOTS_COLUMNS, file, "IMF DOTS")
    values = pd.to_numeric(raw["value_musd"], errors="coerce")
    negative = values < 0
    set_aside = int(negative.sum())
    repeated = raw.duplicated(subset=list(DOTS_COLUMNS), keep="first").to_numpy() & ~negative
    repeats = int(repeated.sum())
    flow = raw["flow"].map(DOTS_FLOWS).fillna(raw["flow"])
    frame = pd.DataFrame(
        {
            "reporter": map_partner_names(raw["reporter"], file, "reporter"),
            "partner": map_partner_names(raw["partner"], file, "partner"),
            "flow": flow,
            "frequency": "A",
            "period": _year_text(raw["year"]),
            "commodity": "TOTAL",
            "value_usd": values * 1e6,
            "source": "imf-dots",
            "is_mirror": False,
            "partner_name": raw["partner"],
        },
        index=raw.index,
    )
    frame = frame.loc[~(negative | repeated)]
    checked = check_trade_flows(frame, path=str(file))
    aside: list[dict[str, object]] = []
    if set_aside:
        aside.append({"rows": set_aside, "reason": "negative values (IMF source quirks)"})
    if repeats:
        aside.append({"rows": repeats, "reason": "exact repeats of another row of the file "
                      "(one copy kept)"})
    return TradeFileRows(rows=checked, set_aside=aside)
