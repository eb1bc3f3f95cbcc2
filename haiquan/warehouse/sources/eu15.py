"""The fixest ``trade`` panel: EU15 bilateral trade by product group, 2007-2016 (Eurostat).

Columns: ``Destination`` and ``Origin`` (ISO alpha-2 codes of the 15 members), ``Product``
(groups 1..20 whose mapping to HS/CN is not documented), ``Year``, ``dist_km`` (distance between
country centres) and ``Euros`` (flow value).

This file is a *gravity test panel*, not trade statistics for the warehouse, and it is kept out of
the canonical table on purpose:

* values are in **euros**; the canonical column is ``value_usd``, and a conversion would need an
  annual EUR/USD rate table that haiquan does not ship with a checked source;
* a product group is neither an HS code nor the total, so it has no honest ``commodity`` value,
  and summing the groups to ``TOTAL`` would claim a coverage nobody documented.

So :func:`read` validates the file and then refuses it with a message saying why, and
:func:`read_eu15_panel` returns the panel with its own columns for
:mod:`haiquan.analytics.gravity`.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pandas as pd

from haiquan.errors import DataFileError, UnknownCodeError
from haiquan.reference.countries import country
from haiquan.warehouse.sources._common import read_table, require_columns

__all__ = ["EU15_COLUMNS", "read", "read_eu15_panel"]

EU15_COLUMNS = ("Destination", "Origin", "Product", "Year", "dist_km", "Euros")


def _alpha_3(code: str) -> str | None:
    try:
        return country(code).alpha_3
    except UnknownCodeError:
        return None


def _problems(mask: pd.Series, values: pd.Series, column: str, problem: str) -> list[dict]:
    return [
        {"row": int(cast(int, i)) + 2, "column": column, "value": None if pd.isna(v) else str(v),
         "problem": problem}
        for i, v in values[mask].head(20).items()
    ]


def read_eu15_panel(path: str | Path) -> pd.DataFrame:
    """The EU15 gravity panel with alpha-3 country codes, validated.

    Returns:
        Columns ``destination``, ``origin`` (alpha-3), ``product`` and ``year`` (int),
        ``dist_km`` and ``euros`` (float), in the file's row order.

    Raises:
        DataFileError: missing columns, unknown country codes, non-integer product groups or
            years, distances that are not positive, values that are missing or negative.
    """
    file = Path(path)
    raw = read_table(file, dtype={"Destination": "string", "Origin": "string"})
    require_columns(raw, EU15_COLUMNS, file, "fixest EU15 trade")
    problems: list[dict] = []
    total = 0
    codes: dict[str, pd.Series] = {}
    for column in ("Destination", "Origin"):
        text = raw[column].str.strip().str.upper()
        lookup = {c: _alpha_3(c) for c in text.dropna().unique()}
        mapped = text.map(lookup)
        bad = mapped.isna()
        total += int(bad.sum())
        problems += _problems(bad, raw[column], column, "expected an ISO 3166-1 country code")
        codes[column] = mapped
    numbers: dict[str, pd.Series] = {}
    checks = {
        "Product": ("expected a whole product-group number of 1 or more",
                    lambda s: (s >= 1) & (s == s.round())),
        "Year": ("expected a four-digit year",
                 lambda s: (s >= 1000) & (s <= 9999) & (s == s.round())),
        "dist_km": ("expected a distance above zero", lambda s: s > 0),
        "Euros": ("expected a value in euros of zero or more", lambda s: s >= 0),
    }
    for column, (problem, rule) in checks.items():
        value = pd.to_numeric(raw[column], errors="coerce")
        bad = ~(value.notna() & rule(value.fillna(-1)))
        total += int(bad.sum())
        problems += _problems(bad, raw[column], column, problem)
        numbers[column] = value
    if total:
        problems.sort(key=lambda p: p["row"])
        raise DataFileError(
            f"{total} bad value(s) in the EU15 gravity panel; nothing was read",
            path=str(file),
            problems=problems,
            total_bad_rows=total,
            fix="correct the rows listed (row numbers count the header as row 1)",
        )
    return pd.DataFrame(
        {
            "destination": codes["Destination"].astype("string"),
            "origin": codes["Origin"].astype("string"),
            "product": numbers["Product"].astype("int64"),
            "year": numbers["Year"].astype("int64"),
            "dist_km": numbers["dist_km"].astype("float64"),
            "euros": numbers["Euros"].astype("float64"),
        }
    ).reset_index(drop=True)


def read(path: str | Path) -> pd.DataFrame:
    """Refuse to turn the EU15 panel into canonical rows, after checking it is readable.

    Raises:
        DataFileError: always — with the file's own problems when it is malformed, else with the
            reason it does not belong in the canonical table and what to use instead.
    """
    panel = read_eu15_panel(path)
    raise DataFileError(
        "the EU15 gravity panel is not loaded into the canonical trade table",
        path=str(path),
        expected="trade values in US dollars by HS code or TOTAL",
        got=f"{len(panel)} rows valued in euros by 20 undocumented product groups",
        fix="use it for gravity estimation instead: `haiquan gravity --reference-eu15` or "
        "haiquan.warehouse.sources.eu15.read_eu15_panel(path)",
    )
