"""Trade figures the overview and partner pages (and ``/api/trade``) show, cached per warehouse
state: the warehouse look-ups, the per-partner indicators and the forecasts.

Each look-up calls one warehouse query and keeps its result until the trade data change (the
data version: a trade load; not the stored results the refresh writes) or ``web_cache_seconds``
pass (``attrs["synthetic"]`` is carried so pages can label demo data).
The indicators and the forecasts are heavy: they are read as the refresh stored them
(:mod:`haiquan.web._results`), typed, with their own ``synthetic`` flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from haiquan.errors import ValidationError
from haiquan.forecast.published import PublishedForecast
from haiquan.reference.countries import country
from haiquan.refresh import IndicatorTable
from haiquan.settings import get_settings
from haiquan.warehouse.queries import (
    available_years,
    partner_series,
    query_flows,
    top_commodities,
    top_partners,
)
from haiquan.web._cache import cached
from haiquan.web._results import data_version, stored_value

__all__ = [
    "FORECAST_HORIZON",
    "PartnerForecast",
    "home_totals",
    "known_year",
    "indicators",
    "partner_forecast",
    "partner_history",
    "trade_commodities",
    "trade_partners",
]

#: Years ahead shown on the partner page's fan chart.
FORECAST_HORIZON = 5


def home_totals() -> pd.DataFrame:
    """The home country's annual exports and imports with all partner countries.

    Columns ``period``, ``flow``, ``value_usd`` and ``source`` (the sources added up, comma
    separated, as the warehouse look-ups give them: :func:`~haiquan.warehouse.is_synthetic`
    reads it).
    """

    def compute() -> pd.DataFrame:
        rows = query_flows(
            reporter=get_settings().home_country,
            frequency="A",
            commodity="TOTAL",
            countries_only=True,
        )
        return rows.groupby(["period", "flow"], as_index=False).agg(
            value_usd=("value_usd", "sum"),
            source=("source", lambda sources: ",".join(sorted(set(sources.astype(str))))),
        )

    return cached("trade.totals", compute, data_version())


def _year_list(years: list[str]) -> str:
    if len(years) > 6 and all(y.isdigit() for y in years):
        numbers = [int(y) for y in years]
        if numbers == list(range(numbers[0], numbers[-1] + 1)):
            return f"{years[0]} to {years[-1]}"
    return ", ".join(years)


def known_year(year: int) -> str:
    """``year`` as the warehouse's annual period, when the home country has trade in it.

    Raises:
        ValidationError: no annual trade of the home country in that year (the message names
            the years there are).
        NotFoundError: no warehouse at all.
    """
    home = get_settings().home_country
    years = cached("trade.years", lambda: available_years(home), data_version())
    if str(year) not in years:
        raise ValidationError(
            f"no annual trade of {home} in {year}",
            expected="a year the warehouse holds: " + (_year_list(years) or "none"),
            got=str(year),
            fix="pass one of those years, or leave out `year` for the latest",
            details={"available_years": years},
        )
    return str(year)


def trade_partners(n: int = 15, year: int | None = None) -> pd.DataFrame:
    """The home country's largest partners in ``year`` (default: the latest), by
    :func:`top_partners`.

    Raises:
        ValidationError: no trade in ``year``.
    """
    period = None if year is None else known_year(year)
    return cached(
        "trade.partners", lambda: top_partners(period=period, n=n), n, period, data_version()
    )


def trade_commodities(n: int = 10, year: int | None = None) -> pd.DataFrame:
    """The home country's largest export commodities in ``year`` (default: the latest year
    with commodity detail), by :func:`top_commodities`.

    Raises:
        ValidationError: no trade in ``year``, or none broken down by commodity.
    """
    period = None if year is None else known_year(year)
    frame = cached(
        "trade.commodities",
        lambda: top_commodities(period=period, n=n),
        n,
        period,
        data_version(),
    )
    if period is not None and frame.empty:
        raise ValidationError(
            f"no trade of {get_settings().home_country} by commodity in {year}",
            expected="a year with exports broken down by HS code",
            got=f"{year}: totals only",
            fix="leave out `year` for the latest year with commodity detail, or load an HS "
            "file covering it (e.g. BACI)",
        )
    return frame


def partner_history(partner: str) -> pd.DataFrame:
    """A partner's trade with the home country over the years, with mirror figures."""
    code = country(partner).alpha_3
    return cached("trade.series", lambda: partner_series(code), code, data_version())


def indicators() -> IndicatorTable:
    """Every indicator of every partner relationship (:func:`partner_indicators`), as the
    refresh stored it for the current data.

    Raises:
        NotReadyError: still being computed (the background refresh has been started).
    """
    table = stored_value("trade.indicators")
    assert isinstance(table, IndicatorTable)
    return table


@dataclass(frozen=True)
class PartnerForecast:
    """A partner's forecast rows and the run they come from.

    Attributes:
        rows: one row per flow and future year (``flow``, ``period``, ``yhat``, the interval
            bounds, ``model``); empty when the run has no series of this partner.
        run: which run, in words (:attr:`PublishedForecast.label`).
        run_id: the stored run's number (``None`` when computed now).
        synthetic: generated demo data is behind it.
    """

    rows: pd.DataFrame
    run: str
    run_id: int | None
    synthetic: bool


def partner_forecast(partner: str, horizon: int = FORECAST_HORIZON) -> PartnerForecast:
    """The first ``horizon`` years of a partner's annual exports and imports in the one
    forecast run of the home country's trade (the run the CLI and the plan read too).

    Raises:
        NotReadyError: the run is still being computed.
    """
    code = country(partner).alpha_3
    published = stored_value("forecast")
    assert isinstance(published, PublishedForecast)
    return PartnerForecast(rows=published.series(partner=code, horizon=horizon),
                           run=published.label, run_id=published.run_id,
                           synthetic=published.run.synthetic)
