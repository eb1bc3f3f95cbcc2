"""U.S. Census Bureau goods trade by partner country, monthly (long CSV).

Columns: ``period`` (YYYY-MM), ``year``, ``month``, ``cty_code`` (Census country code),
``cty_name``, ``flow`` (import/export, seen from the United States), ``value_musd`` (million USD).
The reporter is always the United States. Partners become ISO alpha-3 codes or named groups;
:func:`read_census` also keeps the Census code (four digits, e.g. ``0003``) for tools that must
report it for partners that are not countries.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from haiquan.errors import DataFileError
from haiquan.warehouse.schema import check_trade_flows
from haiquan.warehouse.sources._common import map_partner_names, read_table, require_columns

__all__ = ["CENSUS_COLUMNS", "read", "read_census"]

CENSUS_COLUMNS = ("period", "cty_code", "cty_name", "flow", "value_musd")


def read_census(path: str | Path) -> pd.DataFrame:
    """Canonical rows plus a ``census_code`` column (zero-padded to four digits)."""
    file = Path(path)
    raw = read_table(file, dtype={"cty_code": "string", "period": "string"})
    require_columns(raw, CENSUS_COLUMNS, file, "U.S. Census monthly")
    codes = raw["cty_code"].astype("string").str.strip()
    bad_code = ~codes.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    if bad_code.any():
        rows = raw.index[bad_code]
        raise DataFileError(
            "Census country codes must be numbers of up to four digits",
            path=str(file),
            problems=[{"row": int(i) + 2, "column": "cty_code", "value": codes[i],
                       "problem": "not a Census country code"} for i in rows[:20]],
            total_bad_rows=int(bad_code.sum()),
            fix="correct the codes; the Census Bureau publishes its country code list "
            "(Schedule C)",
        )
    partners = _separate_shared_partners(
        map_partner_names(raw["cty_name"], file, "cty_name"), codes, raw["period"]
    )
    frame = pd.DataFrame(
        {
            "reporter": "USA",
            "partner": partners,
            "flow": raw["flow"],
            "frequency": "M",
            "period": raw["period"],
            "commodity": "TOTAL",
            "value_usd": pd.to_numeric(raw["value_musd"], errors="coerce") * 1e6,
            "source": "us-census",
            "is_mirror": False,
            "partner_name": raw["cty_name"],
        },
        index=raw.index,
    )
    checked = check_trade_flows(frame, path=str(file))
    checked["census_code"] = codes.str.zfill(4).to_numpy()
    return checked


def _separate_shared_partners(
    partners: pd.Series, codes: pd.Series, periods: pd.Series
) -> pd.Series:
    """Keep two Census codes that name the same country from being added together.

    Census sometimes carries a second code for one country over part of the period (Israel has
    5081 for 1985-2023 and 5080 for 1993-2003). The code with the most months keeps the country's
    alpha-3 code; the other becomes its own named series ``CENSUS_<code>`` so no month is counted
    twice.
    """
    table = pd.DataFrame({"partner": partners, "code": codes, "period": periods})
    months = table.groupby(["partner", "code"]).size().reset_index(name="months")
    shared = months[months.duplicated("partner", keep=False)]
    if shared.empty:
        return partners
    keep = shared.sort_values("months", ascending=False).drop_duplicates("partner")
    renamed = set(shared["code"]) - set(keep["code"])
    mask = codes.isin(renamed)
    result = partners.copy()
    result[mask] = "CENSUS_" + codes[mask].str.zfill(4)
    return result


def read(path: str | Path) -> pd.DataFrame:
    """Canonical trade-flow rows of a Census monthly file."""
    return read_census(path).drop(columns="census_code")
