"""``/api/trade``: trade look-ups, partner indicators and forecasts from the warehouse.

Every answer says whether generated demo data is behind it (``synthetic``), so a client can
label it as the dashboard does.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from haiquan.errors import NotFoundError
from haiquan.reference.countries import country
from haiquan.warehouse.schema import is_synthetic
from haiquan.web.dashboard.trade import (
    indicators,
    partner_forecast,
    partner_history,
    trade_commodities,
    trade_partners,
)
from haiquan.web.deps import CurrentUser
from haiquan.web.responses import error_responses

router = APIRouter(prefix="/api/trade", tags=["trade"])

PartnerCode = Annotated[
    str,
    Path(
        min_length=2,
        max_length=3,
        pattern="^([A-Za-z]{2,3}|[0-9]{3})$",
        description="ISO 3166-1 alpha-2, alpha-3 or numeric code, in any case (KR, KOR, 410).",
    ),
]
_LOOKUP = error_responses(400, 404)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _records(frame: Any) -> list[dict[str, Any]]:
    return [
        {k: (_number(v) if isinstance(v, float) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


class TradePartner(BaseModel):
    rank: int
    partner: str = Field(description="ISO 3166 alpha-3 code.")
    partner_name: str | None = Field(description="The name the source gives.")
    export_usd: float | None = Field(description="Home country's exports to it, US dollars.")
    import_usd: float | None = Field(description="Home country's imports from it, US dollars.")
    total_usd: float | None = Field(description="Exports plus imports, US dollars.")
    share: float | None = Field(
        description="Fraction (0-1, not percent) of the home country's trade in the year."
    )
    period: str = Field(description="The year, as text.")
    source: str | None


class TradePartners(BaseModel):
    """The home country's largest partners in one year."""

    synthetic: bool = Field(description="True when generated demo data is behind the answer.")
    rows: list[TradePartner]


class Commodity(BaseModel):
    rank: int
    commodity: str = Field(description="HS code as text (leading zeros kept).")
    value_usd: float | None = Field(description="Exports of the HS code, US dollars.")
    share: float | None = Field(
        description="Fraction (0-1, not percent) of the home country's exports in the year."
    )
    period: str = Field(description="The year, as text.")
    source: str | None


class Commodities(BaseModel):
    """The home country's largest export commodities in one year."""

    synthetic: bool
    rows: list[Commodity]


class SeriesPoint(BaseModel):
    period: str
    flow: str
    value_usd: float | None = Field(description="As the home country reports it.")
    mirror_usd: float | None = Field(default=None, description="As the partner reports it.")


class PartnerSeries(BaseModel):
    """One partner's trade with the home country over time."""

    partner: str
    synthetic: bool
    rows: list[SeriesPoint]


class PartnerIndicators(BaseModel):
    """Every indicator of one trade relationship in one year (NaN given as null)."""

    partner: str
    year: int
    values: dict[str, float | bool | None]


class Indicators(BaseModel):
    synthetic: bool
    rows: list[PartnerIndicators]


class ForecastPoint(BaseModel):
    flow: str
    period: str
    yhat: float | None
    lo_80: float | None
    hi_80: float | None
    lo_95: float | None
    hi_95: float | None
    model: str


class PartnerForecast(BaseModel):
    """Forecasts of a partner's annual exports and imports with prediction intervals, from the
    one stored forecast run of the home country's trade (the run the dashboard, the CLI and
    the plan show)."""

    partner: str
    synthetic: bool
    run_id: int | None = Field(
        description="The stored forecast run the figures come from (null: computed now)."
    )
    run: str = Field(description="Which run, in words: slice, when, data version.")
    rows: list[ForecastPoint]


Year = Annotated[
    int | None,
    Query(
        ge=1900,
        le=2200,
        description="Calendar year (default: the latest). A year without data is refused "
        "with 422, naming the years there are.",
    ),
]


@router.get("/partners", response_model=TradePartners, responses=_LOOKUP)
def get_top_partners(
    _: CurrentUser, n: Annotated[int, Query(ge=1, le=200)] = 20, year: Year = None
) -> TradePartners:
    """The home country's ``n`` largest partner countries in ``year`` (default: the latest)."""
    frame = trade_partners(n, year)
    return TradePartners(
        synthetic=is_synthetic(frame),
        rows=[TradePartner(**r) for r in _records(frame)],
    )


@router.get("/commodities", response_model=Commodities, responses=_LOOKUP)
def get_top_commodities(
    _: CurrentUser, n: Annotated[int, Query(ge=1, le=200)] = 20, year: Year = None
) -> Commodities:
    """The home country's ``n`` largest export commodities (HS) in ``year`` (default: the
    latest year with commodity detail)."""
    frame = trade_commodities(n, year)
    return Commodities(
        synthetic=is_synthetic(frame),
        rows=[Commodity(**r) for r in _records(frame)],
    )


@router.get("/partners/{code}/series", response_model=PartnerSeries, responses=_LOOKUP)
def get_partner_series(code: PartnerCode, _: CurrentUser) -> PartnerSeries:
    """A partner's annual trade with the home country, with the partner's mirror figures."""
    frame = partner_history(code)
    keep = set(SeriesPoint.model_fields)
    return PartnerSeries(
        partner=country(code).alpha_3,
        synthetic=is_synthetic(frame),
        rows=[SeriesPoint(**{k: v for k, v in r.items() if k in keep}) for r in _records(frame)],
    )


_HEAVY = error_responses(400, 404, 503)


@router.get("/indicators", response_model=Indicators, responses=_HEAVY)
def get_partner_indicators(_: CurrentUser) -> Indicators:
    """Indicators of every partner relationship in the latest year (503 while the background
    refresh is still computing them for the current data)."""
    stored = indicators()
    frame = stored.table
    return Indicators(
        synthetic=stored.synthetic,
        rows=[
            PartnerIndicators(partner=str(r.pop("partner")), year=int(r.pop("year")), values=r)
            for r in _records(frame)
        ],
    )


@router.get("/partners/{code}/forecast", response_model=PartnerForecast, responses=_HEAVY)
def get_partner_forecast(
    code: PartnerCode,
    _: CurrentUser,
    horizon: Annotated[int, Query(ge=1, le=10, description="Years ahead.")] = 5,
) -> PartnerForecast:
    """Forecasts of a partner's annual exports and imports, with 80 % and 95 % intervals: the
    first ``horizon`` years of the stored run (503 while it is still being computed)."""
    alpha3 = country(code).alpha_3
    published = partner_forecast(alpha3, horizon)
    frame = published.rows
    if frame.empty:
        raise NotFoundError(
            "no forecast for this partner",
            expected=f"annual trade between the home country and {alpha3} in the warehouse",
            got="no such series, or one too short or stale to forecast",
            fix="load data covering this partner, or pick another partner",
        )
    keep = set(ForecastPoint.model_fields)
    return PartnerForecast(
        partner=alpha3,
        synthetic=published.synthetic,
        run_id=published.run_id,
        run=published.run,
        rows=[ForecastPoint(**{k: v for k, v in r.items() if k in keep}) for r in _records(frame)],
    )
