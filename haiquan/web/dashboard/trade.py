"""Trade figures the overview and partner pages (and ``/api/trade``) show, cached per warehouse
state: the warehouse look-ups, the per-partner indicators and the forecasts.

Each function calls one library function (:mod:`haiquan.warehouse`, :mod:`haiquan.analytics`,
:mod:`haiquan.forecast`) and keeps its result until the warehouse changes or
``web_cache_seconds`` pass. ``attrs["synthetic"]`` is carried so pages can label demo data.
"""

from __future__ import annotations

import pandas as pd

from haiquan.analytics import load_flows, partner_indicators
from haiquan.forecast import forecast_flows
from haiquan.reference.countries import country
from haiquan.settings import get_settings
from haiquan.warehouse.queries import partner_series, query_flows, top_commodities, top_partners
from haiquan.web._cache import cached, warehouse_stamp

__all__ = [
    "FORECAST_HORIZON",
    "home_totals",
    "indicators",
    "partner_forecast",
    "partner_history",
    "trade_commodities",
    "trade_partners",
]

#: Years ahead shown on the partner page's fan chart.
FORECAST_HORIZON = 5


def _synthetic(*frames: pd.DataFrame) -> bool:
    return any(bool(f.attrs.get("synthetic")) for f in frames)


def home_totals() -> pd.DataFrame:
    """The home country's annual exports and imports with all partner countries.

    Columns ``period``, ``flow``, ``value_usd``; ``attrs["synthetic"]``.
    """

    def compute() -> pd.DataFrame:
        rows = query_flows(
            reporter=get_settings().home_country,
            frequency="A",
            commodity="TOTAL",
            countries_only=True,
        )
        totals = rows.groupby(["period", "flow"], as_index=False)["value_usd"].sum()
        totals.attrs["synthetic"] = _synthetic(rows)
        return totals

    return cached("trade.totals", compute, warehouse_stamp())


def trade_partners(n: int = 15) -> pd.DataFrame:
    """The home country's largest partners in the latest year (:func:`top_partners`)."""
    return cached("trade.partners", lambda: top_partners(n=n), n, warehouse_stamp())


def trade_commodities(n: int = 10) -> pd.DataFrame:
    """The home country's largest export commodities (:func:`top_commodities`)."""
    return cached("trade.commodities", lambda: top_commodities(n=n), n, warehouse_stamp())


def partner_history(partner: str) -> pd.DataFrame:
    """A partner's trade with the home country over the years, with mirror figures."""
    code = country(partner).alpha_3
    return cached("trade.series", lambda: partner_series(code), code, warehouse_stamp())


def indicators() -> pd.DataFrame:
    """Every indicator of every partner relationship (:func:`partner_indicators`)."""

    def compute() -> pd.DataFrame:
        flows = load_flows()
        table = partner_indicators(flows)
        table.attrs = {"synthetic": _synthetic(flows)}
        return table

    return cached("trade.indicators", compute, warehouse_stamp())


def partner_forecast(partner: str, horizon: int = FORECAST_HORIZON) -> pd.DataFrame:
    """Forecasts with 80 % and 95 % intervals of a partner's annual exports and imports."""
    code = country(partner).alpha_3

    def compute() -> pd.DataFrame:
        rows = query_flows(
            reporter=get_settings().home_country,
            partners=[code],
            frequency="A",
            commodity="TOTAL",
        )
        if rows.empty:
            return pd.DataFrame()
        result = forecast_flows(rows, horizon=horizon)
        result.attrs = {"synthetic": _synthetic(rows)}
        return result

    return cached("trade.forecast", compute, code, horizon, warehouse_stamp())
