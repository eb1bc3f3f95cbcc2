"""Indicators of each trade relationship of the home country, and the formulas behind them.

The formulas are small functions on numbers or arrays so they can be checked by hand and used on
their own; :func:`partner_indicators` puts them together into one row per partner — the entry
point the priorities and web modules call. docs/analytics.md gives each formula's source and how
to read it.

Values are taken as each country reported them (home exports FOB, home imports CIF); the partner's
own reports of the same trade appear only in the mirror columns (:mod:`haiquan.analytics.mirror`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from haiquan.analytics._frames import (
    annual_values,
    is_country,
    is_synthetic,
    resolve_home,
    resolve_year,
)
from haiquan.analytics.results import PartnerIndicators
from haiquan.errors import InputError

__all__ = [
    "cagr",
    "concentration",
    "grubel_lloyd",
    "hhi",
    "partner_indicators",
    "shares",
    "trade_intensity",
    "yoy_growth",
]

ArrayLike: TypeAlias = float | Sequence[float] | npt.NDArray[np.float64] | pd.Series


def _array(values: ArrayLike, name: str) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype="float64")
    if np.any(array[~np.isnan(array)] < 0):
        raise InputError(
            f"{name} must not be negative",
            expected="trade values of zero or more",
            got=f"{array[array < 0][:3].tolist()}",
            fix="check the rows: trade values are never negative",
        )
    return array


def shares(values: ArrayLike) -> npt.NDArray[np.float64]:
    """Each value's share of the total (NaN everywhere when the total is zero).

    >>> shares([1, 1, 2]).tolist()
    [0.25, 0.25, 0.5]
    """
    array = _array(values, "values")
    total = np.nansum(array)
    if total == 0:
        return np.full(array.shape, np.nan)
    return np.asarray(array / total, dtype="float64")


def hhi(values: ArrayLike) -> float:
    """Herfindahl-Hirschman index of concentration: the sum of squared shares, in (0, 1].

    1/n for n equal values, 1 when one value holds everything; ``1 / hhi`` reads as the
    "equivalent number" of equally sized partners (or products).

    >>> hhi([5, 5, 5, 5])
    0.25
    >>> hhi([0, 7])
    1.0
    """
    share = shares(values)
    if np.all(np.isnan(share)):
        return float("nan")
    return float(np.nansum(share**2))


def grubel_lloyd(exports: ArrayLike, imports: ArrayLike) -> float:
    """Grubel-Lloyd index of intra-industry trade over products k: 1 - sum|X-M| / sum(X+M).

    1 when every product is traded both ways in equal amounts, 0 when each product flows only
    one way. Given totals only (one product), it measures overlap of the totals and is an upper
    bound of the product-level index.

    >>> grubel_lloyd([10, 0], [10, 0])
    1.0
    >>> grubel_lloyd([10, 0], [0, 10])
    0.0
    """
    x = _array(exports, "exports")
    m = _array(imports, "imports")
    if x.shape != m.shape:
        raise InputError(
            "exports and imports must cover the same products",
            expected=f"two arrays of one length ({x.size})",
            got=f"lengths {x.size} and {m.size}",
            fix="align the two series on the product code first (missing = 0)",
        )
    total = np.nansum(x + m)
    if total == 0:
        return float("nan")
    return float(1 - np.nansum(np.abs(x - m)) / total)


def yoy_growth(current: ArrayLike, previous: ArrayLike) -> npt.NDArray[np.float64]:
    """Year-on-year growth ``current / previous - 1`` (NaN when previous is zero or missing).

    >>> yoy_growth([110.0], [100.0]).round(4).tolist()
    [0.1]
    """
    now = _array(current, "current")
    before = _array(previous, "previous")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(before > 0, now / before - 1, np.nan)


def cagr(last: ArrayLike, first: ArrayLike, years: int) -> npt.NDArray[np.float64]:
    """Compound annual growth rate ``(last / first) ** (1 / years) - 1``.

    >>> cagr([121.0], [100.0], 2).round(4).tolist()
    [0.1]
    """
    if years < 1:
        raise InputError(
            "compound growth needs a span of at least one year",
            expected="years >= 1",
            got=str(years),
            fix="pass a span such as 5",
        )
    end = _array(last, "last")
    start = _array(first, "first")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(start > 0, end / start, np.nan)
        return np.asarray(np.power(ratio, 1.0 / years) - 1, dtype="float64")


def trade_intensity(
    flow_ij: ArrayLike, total_i: ArrayLike, total_j: ArrayLike, total_world: ArrayLike
) -> npt.NDArray[np.float64]:
    """Trade intensity index ``(x_ij / X_i) / (M_j / M_w)``.

    The share of i's exports going to j, over j's share of world imports. Above 1, i sells to j
    more than j's weight in world trade predicts; below 1, less (Brown 1949, Kojima 1964; WITS).

    >>> trade_intensity([20.0], [100.0], [10.0], [100.0]).tolist()
    [2.0]
    """
    x_ij = _array(flow_ij, "flow_ij")
    with np.errstate(divide="ignore", invalid="ignore"):
        share_i = x_ij / _array(total_i, "total_i")
        share_j = _array(total_j, "total_j") / _array(total_world, "total_world")
        return np.where(share_j > 0, share_i / share_j, np.nan)


def _pivot(annual: pd.DataFrame, reporter: str, flow: str, partner_mask: bool = True) -> pd.Series:
    """Value by (partner, year) of one reporter's TOTAL rows of one flow, countries only."""
    rows = annual.loc[
        (annual["reporter"] == reporter)
        & (annual["flow"] == flow)
        & (annual["commodity"] == "TOTAL")
    ]
    if partner_mask:
        rows = rows.loc[is_country(rows["partner"])]
    return rows.set_index(["partner", "year"])["value_usd"]


def _world_totals(annual: pd.DataFrame, flow: str, year: int) -> pd.Series:
    """Each country reporter's total of one flow with the world (its WORLD row) in a year."""
    rows = annual.loc[
        (annual["partner"] == "WORLD")
        & (annual["flow"] == flow)
        & (annual["commodity"] == "TOTAL")
        & (annual["year"] == year)
        & is_country(annual["reporter"])
    ]
    return rows.set_index("reporter")["value_usd"]


def _world_total(annual: pd.DataFrame, flow: str, year: int) -> float:
    """World trade of one flow in a year: the WORLD reporter's row with the WORLD partner.

    Only the IMF's own world aggregate is complete (the DOTS "World" table, reporter WORLD in the
    canonical rows, compiled from every reporter). Summing whichever country reporters happen to
    be loaded would give a "world" of two or three countries and intensities that look like
    figures but mean nothing, so without that row the total is NaN and the intensity is reported
    as not available.
    """
    rows = annual.loc[
        (annual["reporter"] == "WORLD")
        & (annual["partner"] == "WORLD")
        & (annual["flow"] == flow)
        & (annual["commodity"] == "TOTAL")
        & (annual["year"] == year)
    ]
    value = float(rows["value_usd"].max()) if len(rows) else float("nan")
    return value if value > 0 else float("nan")


def _intensity_note(year: int) -> str:
    """What to load so that trade intensity can be computed for ``year``."""
    return (
        f"trade intensity not available for {year}: it needs world trade, the IMF DOTS World "
        "table and each partner's own WORLD rows; load the full DOTS file "
        "(haiquan load dots_bilateral_annual_1960_2020.parquet --format dots, or --input it)"
    )


def concentration(
    flows: pd.DataFrame, home: str | None = None, year: int | None = None, level: int = 2
) -> pd.DataFrame:
    """HHI of the home country's partners and of its products, for exports and imports.

    Partners: the TOTAL rows with each country partner. Products: the rows with the WORLD
    partner at HS ``level`` digits (e.g. BACI chapters); NaN when the rows have no such detail.

    Returns:
        One row per flow: ``flow``, ``partners``, ``hhi_partners``, ``equivalent_partners``
        (1/HHI), ``products``, ``hhi_products``.
    """
    annual = annual_values(flows)
    code = resolve_home(home)
    return _concentration(annual, code, resolve_year(annual, code, year), level)


def _concentration(annual: pd.DataFrame, code: str, chosen: int, level: int) -> pd.DataFrame:
    records = []
    for flow in ("export", "import"):
        own = annual.loc[(annual["reporter"] == code) & (annual["flow"] == flow)
                         & (annual["year"] == chosen)]
        by_partner = own.loc[(own["commodity"] == "TOTAL") & is_country(own["partner"])]
        by_product = own.loc[(own["partner"] == "WORLD")
                             & own["commodity"].str.fullmatch(rf"\d{{{level}}}").fillna(False)]
        partner_hhi = hhi(by_partner["value_usd"]) if len(by_partner) else float("nan")
        records.append({
            "flow": flow,
            "partners": len(by_partner),
            "hhi_partners": partner_hhi,
            "equivalent_partners": 1 / partner_hhi if partner_hhi > 0 else float("nan"),
            "products": len(by_product),
            "hhi_products": hhi(by_product["value_usd"]) if len(by_product) else float("nan"),
        })
    return pd.DataFrame.from_records(records)


def partner_indicators(
    flows: pd.DataFrame,
    home: str | None = None,
    year: int | None = None,
    *,
    span: int = 5,
) -> PartnerIndicators:
    """One row per partner of ``home`` in ``year`` with every indicator of the relationship.

    Args:
        flows: canonical trade-flow rows. They must hold the home country's TOTAL rows by partner
            for ``year`` (and ``year - 1``, ``year - span`` for growth). Trade intensity also
            needs each partner's own WORLD rows and the world total (reporter WORLD, partner
            WORLD: the full DOTS file has both); mirror columns need the partners'
            own rows with the home country. Missing inputs give NaN, not an error.
        home: alpha-3 code; defaults to the ``home_country`` setting.
        year: defaults to the latest year the home country reported.
        span: years for the compound growth rate.

    Returns:
        A :class:`~haiquan.analytics.results.PartnerIndicators` whose ``table`` is sorted by
        total trade, columns: ``partner``, ``year``, ``exports``, ``imports``,
        ``total_trade``, ``balance``, ``export_share``, ``import_share``, ``trade_share``,
        ``export_yoy``, ``import_yoy``, ``export_cagr``, ``import_cagr``, ``grubel_lloyd``
        (of the totals), ``export_intensity``, ``import_intensity``, and the mirror columns
        ``partner_reported_imports``, ``export_cif_fob_ratio``, ``partner_reported_exports``,
        ``import_cif_fob_ratio``, ``mirror_flag``. ``concentration`` holds
        :func:`concentration`; ``synthetic`` is true when any input row is generated demo data;
        ``intensity_available`` is false when the rows lack the world total (the DOTS World
        table) for ``year``, and ``notes`` then says what to load.
    """
    from haiquan.analytics.mirror import mirror_gaps

    annual = annual_values(flows)
    code = resolve_home(home)
    chosen = resolve_year(annual, code, year)
    exports = _pivot(annual, code, "export")
    imports = _pivot(annual, code, "import")
    partners = sorted(
        {p for p, y in exports.index if y == chosen} | {p for p, y in imports.index if y == chosen}
    )
    partners = [p for p in partners if p != code]
    out = pd.DataFrame({"partner": pd.Series(partners, dtype="string"), "year": chosen})

    def values(series: pd.Series, when: int) -> npt.NDArray[np.float64]:
        index = pd.MultiIndex.from_arrays([partners, [when] * len(partners)])
        return series.reindex(index).to_numpy(dtype="float64")

    x_now, m_now = values(exports, chosen), values(imports, chosen)
    out["exports"] = np.nan_to_num(x_now)
    out["imports"] = np.nan_to_num(m_now)
    out["total_trade"] = out["exports"] + out["imports"]
    out["balance"] = out["exports"] - out["imports"]
    out["export_share"] = shares(out["exports"])
    out["import_share"] = shares(out["imports"])
    out["trade_share"] = shares(out["total_trade"])
    out["export_yoy"] = yoy_growth(x_now, values(exports, chosen - 1))
    out["import_yoy"] = yoy_growth(m_now, values(imports, chosen - 1))
    out["export_cagr"] = cagr(x_now, values(exports, chosen - span), span)
    out["import_cagr"] = cagr(m_now, values(imports, chosen - span), span)
    out["grubel_lloyd"] = [grubel_lloyd([x], [m]) for x, m in zip(out["exports"], out["imports"],
                                                                  strict=True)]
    world_imports = _world_totals(annual, "import", chosen)
    world_exports = _world_totals(annual, "export", chosen)
    world_import_total = _world_total(annual, "import", chosen)
    world_export_total = _world_total(annual, "export", chosen)
    out["export_intensity"] = trade_intensity(
        out["exports"], out["exports"].sum(),
        world_imports.reindex(partners).to_numpy(dtype="float64"), world_import_total,
    )
    out["import_intensity"] = trade_intensity(
        out["imports"], out["imports"].sum(),
        world_exports.reindex(partners).to_numpy(dtype="float64"), world_export_total,
    )
    intensity_available = not (np.isnan(world_import_total) and np.isnan(world_export_total))
    notes = [] if intensity_available else [_intensity_note(chosen)]
    gaps = mirror_gaps(flows, code, chosen, annual=annual).table
    for direction, prefix, column in (("export", "export", "partner_reported_imports"),
                                      ("import", "import", "partner_reported_exports")):
        side = gaps.loc[gaps["direction"] == direction].set_index("partner")
        out[column] = side["partner_reported"].reindex(partners).to_numpy(dtype="float64")
        out[f"{prefix}_cif_fob_ratio"] = side["cif_fob_ratio"].reindex(partners).to_numpy(
            dtype="float64")
    flagged = set(gaps.loc[gaps["flag"], "partner"])
    out["mirror_flag"] = out["partner"].isin(flagged)
    out = out.sort_values("total_trade", ascending=False, kind="stable").reset_index(drop=True)
    return PartnerIndicators(
        table=out,
        home=code,
        year=chosen,
        concentration=_concentration(annual, code, chosen, 2),
        intensity_available=intensity_available,
        notes=tuple(notes),
        synthetic=is_synthetic(flows),
    )
