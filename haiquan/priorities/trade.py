"""Home's trade with each partner by year — actual, then forecast over the plan horizon.

The plan's benefit model multiplies this trade by each initiative's ad-valorem saving, and the
scoring's ``forecast_growth`` criterion reads its growth. Any table with the same columns (for
example a scenario) can be passed to :func:`~haiquan.priorities.plan.optimise_plan` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from haiquan.errors import InputError
from haiquan.priorities import _inputs

__all__ = ["ForecastMethod", "PartnerTradeForecast", "forecast_growth", "partner_trade_forecast"]

#: ``model``: haiquan.forecast's back-tested ensembles (trend where a series is skipped);
#: ``trend``: the log-linear trend of the last ten years only (fast, for quick looks and tests).
ForecastMethod = Literal["model", "trend"]


@dataclass(frozen=True, eq=False)
class PartnerTradeForecast:
    """Home's trade with each partner by year, and what the figures rest on.

    Compared by identity (``eq=False``): a DataFrame has no single truth value.
    """

    #: Columns ``partner``, ``flow`` (``import``/``export``), ``year``, ``value_usd``,
    #: ``method`` — what :func:`~haiquan.priorities.plan.optimise_plan` takes.
    table: pd.DataFrame
    #: The last year of actual data; later years are forecast.
    base_year: int
    #: The base year's coverage, and extrapolations far past it, in words for the plan.
    warnings: list[str]


def _trade(flows: pd.DataFrame, home: str) -> pd.DataFrame:
    annual = _inputs.annual_totals(flows)
    trade = _inputs.home_partner_trade(annual, home)
    if trade.empty or not (trade["total"] > 0).any():
        raise InputError(
            f"no trade of {home} with partner countries in the flows",
            expected=f"rows where {home} is reporter or partner", got=f"{len(flows)} rows",
            fix="load a source that covers the home country",
        )
    # Home-reported values, falling back to the partner's mirror figure for a missing flow.
    return trade.assign(
        export=trade["export"].fillna(trade["mirror_export"]),
        import_=trade["import"].fillna(trade["mirror_import"]),
    )


#: Years past the last year of data beyond which trade figures are called extrapolations. The
#: example plans 2027-2031 on IMF data ending in 2020 (11 years); a plan for 2200 (180 years of
#: compounded growth, billions of billions of dollars) must not read as a forecast.
FAR_YEARS = 15


def partner_trade_forecast(
    flows: pd.DataFrame,
    *,
    home: str,
    years: list[int],
    base_year: int | None = None,
    method: ForecastMethod = "model",
) -> PartnerTradeForecast:
    """Home's imports from and exports to each partner country in ``years``.

    Args:
        flows: canonical trade-flow rows covering the home country.
        home: ISO alpha-3 code of the home country.
        years: the calendar years wanted (plan years); years up to the base year are actual.
        base_year: last year of actual data to start from; when None the latest year with
            trade of most partners (:func:`~haiquan.priorities._inputs.choose_base_year`).
        method: see :data:`ForecastMethod`.

    Returns:
        The table (columns ``partner``, ``flow`` (``import``/``export``), ``year``,
        ``value_usd``, ``method``) with its ``base_year`` and ``warnings`` (the base year's
        coverage).
    """
    trade = _trade(flows, home)
    base, warnings = _inputs.choose_base_year(trade, base_year)
    if method == "model":
        out = _inputs.model_forecast(trade, flows, home, base, years)
    elif method == "trend":
        parts = []
        for flow, column in (("export", "export"), ("import", "import_")):
            part = _inputs.trend_forecast(trade, base, years, value=column)
            parts.append(part.assign(
                flow=flow, method=np.where(part["year"] <= base, "actual", "trend")))
        # Empty pieces left out: pandas warns they will soon shape the result's dtypes.
        out = pd.concat([part for part in parts if len(part)] or parts[:1], ignore_index=True)
    else:
        raise InputError(f"unknown forecast method {method!r}", expected="model or trend",
                         got=repr(method), fix="pass --forecast model or --forecast trend")
    out = out.loc[out["value_usd"].notna()]
    out = out[["partner", "flow", "year", "value_usd", "method"]].reset_index(drop=True)
    furthest = max(years, default=base)
    if furthest - base > FAR_YEARS:
        warnings = [*warnings, (
            f"plan years up to {furthest} lie {furthest - base} years past the last year of "
            f"data ({base}): each partner's trade there is its trend compounded that far, an "
            "extrapolation rather than a forecast; plan nearer years or load newer data")]
    return PartnerTradeForecast(table=out, base_year=base, warnings=list(warnings))


def forecast_growth(
    flows: pd.DataFrame, *, home: str, base_year: int, horizon: int,
    method: ForecastMethod = "model",
) -> pd.Series:
    """Yearly growth of total trade per partner from ``base_year`` to ``base_year + horizon``.

    The compound rate (F / A)^(1/h) − 1 between actual total trade A in the base year and the
    forecast F at the horizon, indexed by partner; NaN where either is missing or zero.
    """
    table = partner_trade_forecast(flows, home=home, years=[base_year, base_year + horizon],
                                   base_year=base_year, method=method).table
    totals = table.groupby(["partner", "year"])["value_usd"].sum().unstack("year")
    if base_year not in totals or base_year + horizon not in totals:
        return pd.Series(dtype=float)
    start, end = totals[base_year], totals[base_year + horizon]
    ratio = (end / start.where(start > 0)).where(end > 0)
    return np.power(ratio, 1.0 / horizon) - 1.0
