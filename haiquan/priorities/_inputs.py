"""Trade figures the priorities need, from canonical trade-flow rows: the one bridge to the
analytics and forecast packages.

Indicators, mirror data and gravity come from :mod:`haiquan.analytics`; forecasts from
:mod:`haiquan.forecast`. A transparent log-linear trend (:func:`trend_forecast`) stands in where the
forecaster skips a series, and as the fast option (``method="trend"``) when a quick answer matters
more than a back-tested one.

All functions take plain DataFrames of canonical rows (``haiquan.warehouse.schema``); nothing here
opens a connection.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from haiquan.errors import InputError

__all__ = [
    "annual_totals",
    "base_indicators",
    "choose_base_year",
    "gravity_potential",
    "home_partner_trade",
    "model_forecast",
    "trend_forecast",
]

#: Years of history the trend forecast is fitted on.
TREND_YEARS = 10
#: Yearly growth the trend may extrapolate, so one odd series cannot dominate a plan.
GROWTH_BOUNDS = (-0.25, 0.40)
#: A base year must hold trade with at least this fraction of the most partners any year holds.
BROAD_COVERAGE = 0.5
#: Fewer partners than this in the base year is "a handful": the ranking says so.
FEW_PARTNERS = 10


def annual_totals(flows: pd.DataFrame) -> pd.DataFrame:
    """Yearly all-commodity values per reporter, partner and flow, as each reporter reported them.

    Annual ``TOTAL`` rows are used directly; monthly rows are summed into years that have all 12
    months (a partial year would look like a collapse). Returns columns ``reporter``, ``partner``,
    ``flow``, ``year`` (int), ``value_usd``.
    """
    needed = ("reporter", "partner", "flow", "frequency", "period", "commodity", "value_usd")
    missing = [c for c in needed if c not in flows.columns]
    if missing:
        raise InputError(
            "the trade flows lack columns of the canonical table",
            expected="columns " + ", ".join(needed),
            got="columns " + ", ".join(map(str, flows.columns)),
            fix="pass canonical rows (read_trade_file or a warehouse query)",
        )
    rows = flows.loc[flows["commodity"] == "TOTAL"]
    annual = rows.loc[rows["frequency"] == "A"].assign(year=lambda f: f["period"].astype(int))
    monthly = rows.loc[rows["frequency"] == "M"].assign(
        year=lambda f: f["period"].str[:4].astype(int)
    )
    keys = ["reporter", "partner", "flow", "year"]
    parts = [annual.groupby(keys, as_index=False)["value_usd"].sum()]
    if len(monthly):
        grouped = monthly.groupby(keys).agg(value_usd=("value_usd", "sum"),
                                            months=("period", "nunique"))
        full = grouped.loc[grouped["months"] == 12, ["value_usd"]].reset_index()
        if len(parts[0]):
            have = parts[0].set_index(keys).index
            full = full.loc[~full.set_index(keys).index.isin(have)]
        parts.append(full)
    # Only non-empty pieces: pandas is changing how empty frames shape the result's dtypes.
    out = pd.concat([part for part in parts if len(part)] or parts[:1], ignore_index=True)
    for column in ("reporter", "partner", "flow"):
        out[column] = out[column].astype(str)
    out["year"] = out["year"].astype(int)
    return out[keys + ["value_usd"]]


def home_partner_trade(annual: pd.DataFrame, home: str) -> pd.DataFrame:
    """Home's trade with each partner country, as home reported it and as the partner did.

    Returns one row per partner and year with ``export`` and ``import`` (home-reported),
    ``mirror_export`` (partner-reported imports from home) and ``mirror_import``
    (partner-reported exports to home); ``total`` is home-reported exports + imports, falling back
    to the mirror figure for a flow home did not report.
    """
    is_country = annual["partner"].str.fullmatch(r"[A-Z]{3}") & annual["reporter"].str.fullmatch(
        r"[A-Z]{3}"
    )
    data = annual.loc[is_country]
    own = data.loc[data["reporter"] == home].pivot_table(
        index=["partner", "year"], columns="flow", values="value_usd", aggfunc="sum"
    )
    mirror = data.loc[(data["partner"] == home) & (data["reporter"] != home)].pivot_table(
        index=["reporter", "year"], columns="flow", values="value_usd", aggfunc="sum"
    )
    mirror.index = mirror.index.set_names(["partner", "year"])
    index = own.index.union(mirror.index)
    own = own.reindex(index=index, columns=["export", "import"]).astype(float)
    mirror = mirror.reindex(index=index, columns=["export", "import"]).astype(float)
    table = pd.DataFrame(index=index)
    table["export"] = own["export"]
    table["import"] = own["import"]
    # The partner's imports from home mirror home's exports, and vice versa.
    table["mirror_export"] = mirror["import"]
    table["mirror_import"] = mirror["export"]
    table["total"] = table["export"].fillna(table["mirror_export"]).fillna(0) + table[
        "import"
    ].fillna(table["mirror_import"]).fillna(0)
    table = table.reset_index()
    return table.loc[table["partner"] != home].reset_index(drop=True)


def choose_base_year(trade: pd.DataFrame, year: int | None = None) -> tuple[int, list[str]]:
    """The base year of the priorities, and warnings about how well it covers the partners.

    Without ``year``: the latest year in which home traded with at least
    :data:`BROAD_COVERAGE` of the largest number of partners any year holds. A file that adds a
    few rows for a later year (a forecast, a typo such as 2031) then does not become the base
    year and silently shrink the ranking to the partners present that year. A warning names
    the later years passed over, and any base year with fewer than :data:`FEW_PARTNERS`
    partners or thin coverage (possible when ``year`` is given).

    Args:
        trade: rows of :func:`home_partner_trade` (``partner``, ``year``, ``total``).
        year: the base year asked for, or None to choose.

    Returns:
        The year, and the warnings (empty when the year covers the partners well).

    >>> rows = [(p, 2020, 1.0) for p in "ABCDEFGHIJKL"] + [("A", 2031, 1.0)]
    >>> table = pd.DataFrame(rows, columns=["partner", "year", "total"])
    >>> chosen, warnings = choose_base_year(table)
    >>> chosen, len(warnings)
    (2020, 1)
    """
    counts = trade.loc[trade["total"] > 0].groupby("year")["partner"].nunique()
    if counts.empty:
        raise InputError(
            "no trade with partner countries to choose a base year from",
            expected="rows of the home country's trade with partner countries",
            got="none with a value above zero",
            fix="load a source that covers the home country",
        )
    most = int(counts.max())
    broad = counts.loc[counts >= BROAD_COVERAGE * most]
    warnings: list[str] = []
    if year is None:
        chosen = int(broad.index.max())
        later = counts.loc[counts.index > chosen]
        if len(later):
            listed = ", ".join(f"{y}: {n}" for y, n in later.head(5).items())
            more = " ..." if len(later) > 5 else ""
            warnings.append(
                f"base year {chosen}: the latest year with trade of most partners "
                f"({int(counts[chosen])} of up to {most}); later years hold too few partners "
                f"to rank on and were not used (partners per year: {listed}{more}); "
                "pass --year to choose another"
            )
    else:
        chosen = int(year)
    have = int(counts.get(chosen, 0))
    if have and (have < FEW_PARTNERS or have < BROAD_COVERAGE * most):
        warnings.append(
            f"base year {chosen} holds trade with only {have} partner countries (up to {most} "
            f"in other years): the ranking compares only these"
            + (f"; {int(broad.index.max())} is the latest year with most partners"
               if have < BROAD_COVERAGE * most else "")
        )
    return chosen, warnings


def _mirror_gap(row: pd.Series) -> float:
    pairs = [("imports", "partner_reported_exports"), ("exports", "partner_reported_imports")]
    gap = total = 0.0
    for own, mirror in pairs:
        if pd.notna(row[own]) and pd.notna(row[mirror]):
            gap += abs(row[own] - row[mirror])
            total += row[own] + row[mirror]
    return gap / total if total > 0 else float("nan")


def base_indicators(flows: pd.DataFrame, home: str, year: int) -> pd.DataFrame:
    """Current trade, share, trade intensity, mirror gap and the flows of every partner in ``year``.

    Built on :func:`haiquan.analytics.partner_indicators`: ``current_trade`` is its total trade,
    ``share`` its trade share, ``trade_intensity`` its export-intensity index (NaN unless the
    flows carry every partner's world imports, as the full DOTS file does), and ``mirror_gap``
    summarises its mirror columns as ``(|M_h − X_j| + |X_h − M_j|) / (M_h + X_j + X_h + M_j)``,
    home-reported against partner-reported flows (CIF/FOB valuation alone explains a few per
    cent); ``exports``, ``imports`` and the partner-reported ``partner_reported_imports`` and
    ``partner_reported_exports`` (USD, NaN where the partner reports nothing) are kept for the
    mirror discrepancy in USD.
    """
    from haiquan.analytics import partner_indicators

    table = partner_indicators(flows, home, year).table
    table = table.loc[table["partner"].str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool)]
    table = table.loc[table["total_trade"] > 0].copy()
    out = pd.DataFrame({
        "partner": table["partner"].astype(str).to_numpy(),
        "current_trade": table["total_trade"].to_numpy(float),
        "share": (table["total_trade"] / table["total_trade"].sum()).to_numpy(float),
        "trade_intensity": table["export_intensity"].to_numpy(float),
        "mirror_gap": table.apply(_mirror_gap, axis=1).to_numpy(float) if len(table) else [],
        "exports": table["exports"].to_numpy(float),
        "imports": table["imports"].to_numpy(float),
        "partner_reported_imports": table["partner_reported_imports"].to_numpy(float),
        "partner_reported_exports": table["partner_reported_exports"].to_numpy(float),
    })
    return out


def gravity_potential(flows: pd.DataFrame, home: str, year: int) -> pd.Series | None:
    """Untapped export potential per partner, as a fraction of gravity-expected exports.

    From :func:`haiquan.analytics.untapped_potential` (PPML gravity). It needs many reporters'
    bilateral trade (the full DOTS file); with less, the model cannot be estimated and None is
    returned so the criterion is reported as unavailable. Partners trading above expectation
    get 0.
    """
    from haiquan.analytics import untapped_potential
    from haiquan.errors import HaiquanError

    try:
        table = untapped_potential(flows, home, year).table
    except HaiquanError:
        return None
    expected = table["expected"].where(table["expected"] > 0)
    fraction = (table["potential"] / expected).clip(lower=0)
    return pd.Series(fraction.to_numpy(float), index=table["partner"].astype(str).to_numpy())


def model_forecast(
    trade: pd.DataFrame, flows: pd.DataFrame, home: str, base_year: int, years: list[int]
) -> pd.DataFrame:
    """Home's exports and imports per partner in ``years`` from :mod:`haiquan.forecast`.

    The figures are those of the one forecast run the CLI, the API and the dashboard show
    (:func:`haiquan.forecast.published.slice_forecast`: home's annual TOTAL trade with every
    partner, stored by ``haiquan refresh``), and the ``method`` column names the run and model.
    Only when the data go on after ``base_year`` are the home-reported annual series forecast
    here from 1995 to ``base_year`` (as the DOTS notes advise). Series the forecaster skips
    (too short, stale) fall back to :func:`trend_forecast`, and ``method`` says so.

    Args:
        trade: rows of :func:`home_partner_trade` with ``export`` and ``import_`` columns (the
            home-reported value, else the mirror one) for the trend fallback.
        flows: the canonical rows the forecaster reads.
        home: the home country.
        base_year: last year of actual data.
        years: years wanted (those up to ``base_year`` are actual values).

    Returns:
        Columns ``partner``, ``flow``, ``year``, ``value_usd``, ``method``; years without a
        value are left out.
    """
    from haiquan.forecast import forecast_flows

    future = [y for y in years if y > base_year]
    published = _published_forecast(flows, home, base_year, future)
    if published is not None:
        return _with_fallback(published, trade, base_year, years)
    rows = flows.loc[
        (flows["reporter"] == home)
        & flows["partner"].str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool)
        & (flows["partner"] != home)
        & (flows["frequency"] == "A")
        & (flows["commodity"] == "TOTAL")
        & flows["period"].astype(str).str.fullmatch(r"\d{4}")
    ]
    rows = rows.loc[rows["period"].astype(int).between(1995, base_year)]
    parts = []
    if future and len(rows):
        result = forecast_flows(rows, horizon=max(future) - base_year)
        result = result.assign(year=result["period"].astype(int))
        result = result.loc[result["year"].isin(future)]
        parts.append(pd.DataFrame({
            "partner": result["partner"].astype(str).to_numpy(),
            "flow": result["flow"].astype(str).to_numpy(),
            "year": result["year"].to_numpy(int),
            "value_usd": result["yhat"].clip(lower=0).to_numpy(float),
            "method": "haiquan.forecast: " + result["model"].astype(str).to_numpy(),
        }))
    modelled = parts[0] if parts else pd.DataFrame(
        columns=["partner", "flow", "year", "value_usd", "method"])
    return _with_fallback(modelled, trade, base_year, years)


def _published_forecast(flows: pd.DataFrame, home: str, base_year: int,
                        future: list[int]) -> pd.DataFrame | None:
    """Home's forecasts from the one run every output shows
    (:func:`haiquan.forecast.published.slice_forecast`: the stored run of home's annual TOTAL
    trade when these are the warehouse's rows, else the same forecast computed now), or
    ``None`` when that run cannot serve: the data go on after ``base_year`` (the plan forecasts
    from the base year) or the years wanted lie beyond the run's horizon."""
    from haiquan.errors import InputError as SliceError
    from haiquan.forecast.published import ForecastSlice, slice_forecast

    if not future:
        return None
    plan_slice = ForecastSlice(home)
    annual = flows.loc[(flows["reporter"] == home) & (flows["frequency"] == "A")
                       & (flows["commodity"] == "TOTAL")]
    years = pd.to_numeric(annual["period"], errors="coerce")
    if annual.empty or years.max() != base_year or max(future) - base_year > plan_slice.horizon:
        return None
    try:
        published = slice_forecast(flows, plan_slice)
    except SliceError:
        return None
    result = published.run.forecasts
    result = result.loc[result["partner"].astype(str).str.fullmatch(r"[A-Z]{3}")
                        & (result["partner"].astype(str) != home)]
    result = result.assign(year=result["period"].astype(int))
    result = result.loc[result["year"].isin(future)]
    run = f"run {published.run_id}" if published.run_id is not None else "computed now"
    return pd.DataFrame({
        "partner": result["partner"].astype(str).to_numpy(),
        "flow": result["flow"].astype(str).to_numpy(),
        "year": result["year"].to_numpy(int),
        "value_usd": result["yhat"].clip(lower=0).to_numpy(float),
        "method": f"haiquan.forecast ({run}): " + result["model"].astype(str).to_numpy(),
    })


def _with_fallback(modelled: pd.DataFrame, trade: pd.DataFrame, base_year: int,
                   years: list[int]) -> pd.DataFrame:
    """Modelled rows, the actual years, and the trend where no modelled row exists."""
    out = []
    for flow, column in (("export", "export"), ("import", "import_")):
        trend = trend_forecast(trade, base_year, years, value=column).assign(flow=flow)
        have = set(modelled.loc[modelled["flow"] == flow, "partner"])
        model_rows = modelled.loc[modelled["flow"] == flow]
        actual = trend.loc[trend["year"] <= base_year].assign(method="actual")
        fallback = trend.loc[(trend["year"] > base_year) & ~trend["partner"].isin(have)]
        fallback = fallback.assign(method="trend (series not forecast by haiquan.forecast)")
        out.extend([actual, fallback, model_rows])
    columns = ["partner", "flow", "year", "value_usd", "method"]
    # Rows without a value say nothing (the caller drops them), and empty or all-NA pieces (a
    # flow with every series modelled has no fallback rows) are left out before concatenating:
    # pandas is changing how they count when it settles the result's dtypes (FutureWarning).
    pieces = [piece[columns].dropna(subset=["value_usd"]) for piece in out]
    pieces = [piece for piece in pieces if len(piece)]
    if not pieces:
        return pd.DataFrame({
            "partner": pd.Series(dtype=object), "flow": pd.Series(dtype=object),
            "year": pd.Series(dtype="int64"), "value_usd": pd.Series(dtype=float),
            "method": pd.Series(dtype=object),
        })
    return pd.concat(pieces, ignore_index=True)


def trend_forecast(
    trade: pd.DataFrame, base_year: int, years: list[int], value: str = "total"
) -> pd.DataFrame:
    """Extend each partner's series from ``base_year`` by its recent log-linear trend.

    A stand-in for ``haiquan.forecast``: growth g is the slope of log(value) on the last
    :data:`TREND_YEARS` years up to ``base_year`` (at least 5 positive values), clipped to
    :data:`GROWTH_BOUNDS`; the forecast is the base-year value × (1 + g)^(year − base_year), so it
    starts from what was actually traded. Years up to ``base_year`` keep their actual values.

    Args:
        trade: rows of :func:`home_partner_trade`.
        base_year: the last year of actual data used.
        years: the years wanted.
        value: the column to forecast (``total``, ``export`` or ``import``).

    Returns:
        Columns ``partner``, ``year``, ``value_usd``, ``growth``.
    """
    window = trade.loc[(trade["year"] > base_year - TREND_YEARS) & (trade["year"] <= base_year)]
    rows: list[dict[str, object]] = []
    for partner, series in window.groupby("partner"):
        series = series.set_index("year")[value].dropna()
        if base_year not in series.index or not series[base_year] > 0:
            continue
        positive = series[series > 0]
        if len(positive) >= 5:
            slope = float(np.polyfit(positive.index.to_numpy(float),
                                     np.log(positive.to_numpy(float)), 1)[0])
            growth = float(np.clip(np.expm1(slope), *GROWTH_BOUNDS))
        else:
            growth = float("nan")
        for year in years:
            if year <= base_year:
                level = float(series.get(year, np.nan))
            else:
                rate = 0.0 if np.isnan(growth) else growth
                level = float(series[base_year]) * (1 + rate) ** (year - base_year)
            rows.append({"partner": partner, "year": year, "value_usd": level, "growth": growth})
    return pd.DataFrame(rows, columns=["partner", "year", "value_usd", "growth"])
