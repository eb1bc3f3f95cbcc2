"""Revealed comparative advantage (Balassa 1965) by HS chapter, from exports to the world.

``RCA_ik = (x_ik / X_i) / (x_wk / X_w)``: the share of product k in country i's exports over
k's share in world exports. Above 1, i exports relatively more of k than the world does — a
revealed advantage; below 1, a revealed disadvantage. The world is the sum over every exporter in
the rows given, so the input must hold all exporters (CEPII BACI does: 229 of them).
"""

from __future__ import annotations

import pandas as pd

from haiquan.analytics._frames import annual_values, is_synthetic, resolve_home
from haiquan.analytics.results import RcaProfile
from haiquan.errors import InputError, NotFoundError

__all__ = ["balassa_rca", "rca_profile"]


def balassa_rca(flows: pd.DataFrame, year: int | None = None, *, level: int = 2) -> pd.DataFrame:
    """Balassa RCA of every exporter in every product at HS ``level`` digits.

    Args:
        flows: canonical rows of exports to WORLD by HS code (e.g. the BACI reader's output).
        year: one year, or every year in the rows when ``None``.
        level: digits of the HS codes to use (2 = chapters).

    Returns:
        Columns ``reporter``, ``year``, ``commodity``, ``value_usd``, ``share`` (of the
        reporter's exports), ``world_share`` (of world exports) and ``rca``.

    Raises:
        InputError: when the rows hold no exports to WORLD at that level (for that year).
    """
    annual = annual_values(flows)
    rows = annual.loc[
        (annual["partner"] == "WORLD")
        & (annual["flow"] == "export")
        & annual["commodity"].str.fullmatch(rf"\d{{{level}}}").fillna(False).astype(bool)
    ]
    years = sorted(int(y) for y in rows["year"].unique())
    if years and year is not None and year not in years:
        # The product rows are there, only not for that year: say which years they cover.
        raise InputError(
            f"no exports to the world by HS code in {year}",
            expected=f"a year the {level}-digit export rows cover: {years[0]}–{years[-1]}",
            got=str(year),
            fix=f"pass --year between {years[0]} and {years[-1]}, or load a file covering {year}",
        )
    if year is not None:
        rows = rows.loc[rows["year"] == year]
    if rows.empty:
        raise InputError(
            "no exports to the world by HS code in the rows given",
            expected=f"canonical rows with partner WORLD, flow export, {level}-digit commodities"
            + (f" for {year}" if year is not None else ""),
            got=f"{len(flows)} rows, none of them exports to WORLD by {level}-digit HS code",
            fix="load the CEPII BACI file (haiquan load FILE --format baci) or pass it with "
            "--input FILE --input-format baci",
        )
    rows = rows[["reporter", "year", "commodity", "value_usd"]].copy()
    reporter_total = rows.groupby(["reporter", "year"])["value_usd"].transform("sum")
    product_total = rows.groupby(["year", "commodity"])["value_usd"].transform("sum")
    world_total = rows.groupby("year")["value_usd"].transform("sum")
    rows["share"] = rows["value_usd"] / reporter_total
    rows["world_share"] = product_total / world_total
    rows["rca"] = rows["share"] / rows["world_share"]
    return rows.sort_values(["reporter", "year", "commodity"]).reset_index(drop=True)


def rca_profile(
    flows: pd.DataFrame, home: str | None = None, year: int | None = None, *, level: int = 2
) -> RcaProfile:
    """The home country's products by RCA, strongest first, for one year (the latest by default).

    Raises:
        NotFoundError: when the home country has no exports in the rows for that year.
    """
    code = resolve_home(home)
    table = balassa_rca(flows, year, level=level)
    own = table.loc[table["reporter"] == code]
    if own.empty:
        raise NotFoundError(
            f"no exports by {code} in the rows given",
            expected=f"BACI rows with exporter {code}",
            got="exporters " + ", ".join(sorted(table["reporter"].unique())[:10]),
            fix="check --home, or load data that covers it",
        )
    chosen = year if year is not None else int(own["year"].max())
    own = own.loc[own["year"] == chosen]
    return RcaProfile(
        table=own.sort_values("rca", ascending=False, kind="stable").reset_index(drop=True),
        home=code,
        year=int(chosen),
        synthetic=is_synthetic(flows),
    )
