"""``/partners/{code}``: one partner — trade history with mirror figures, a forecast fan chart
and the indicators of the relationship."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from haiquan.errors import InputError, NotReadyError
from haiquan.reference.countries import country
from haiquan.settings import get_settings
from haiquan.warehouse.schema import is_synthetic
from haiquan.web.dashboard._render import PENDING_RELOAD_SECONDS, chart_json, render
from haiquan.web.dashboard.charts import fan_chart, line_chart
from haiquan.web.dashboard.trade import indicators, partner_forecast, partner_history
from haiquan.web.deps import PageUser

__all__ = ["INDICATOR_LABELS", "MODEL_NAMES", "describe_model", "router", "usd_scale"]

router = APIRouter(include_in_schema=False)

#: Indicators shown on the page, with how to read each one.
INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    "total_trade": ("Total trade", "usd"),
    "balance": ("Trade balance (exports − imports)", "usd"),
    "trade_share": ("Share of the home country's trade", "pct"),
    "export_share": ("Share of exports", "pct"),
    "import_share": ("Share of imports", "pct"),
    "export_yoy": ("Export growth on the year before", "pct"),
    "import_yoy": ("Import growth on the year before", "pct"),
    "export_cagr": ("Export growth a year over 5 years", "pct"),
    "import_cagr": ("Import growth a year over 5 years", "pct"),
    "grubel_lloyd": ("Intra-industry trade (Grubel-Lloyd, 0-1)", "ratio"),
    "export_intensity": ("Export intensity (1 = as expected from world shares)", "ratio"),
    "import_intensity": ("Import intensity", "ratio"),
    "export_cif_fob_ratio": ("Partner-reported imports / our exports (mirror)", "ratio"),
    "import_cif_fob_ratio": ("Our imports / partner-reported exports (mirror)", "ratio"),
}


#: How the forecast models' short names (haiquan.forecast's catalogue) read on the page.
MODEL_NAMES: dict[str, str] = {
    "ETS": "ETS",
    "ETSdamped": "damped ETS",
    "ETSnotrend": "ETS without trend",
    "ETSrecent": "ETS on the last six seasons",
    "DOTM": "dynamic optimised Theta",
    "DOTMrecent": "dynamic optimised Theta on the last six seasons",
    "OTM": "optimised Theta",
    "DSTM": "dynamic standard Theta",
    "Theta": "Theta",
    "MSTL": "seasonal decomposition (MSTL)",
    "SeasonalNaive": "seasonal naive",
    "CES": "complex exponential smoothing",
    "ARIMA": "ARIMA",
    "RWDrift": "random walk with drift",
    "ETS(non-seasonal)": "non-seasonal ETS (the series is too short to back-test)",
    "Naive": "the last value carried forward (the series is too short to model)",
    "CrostonSBA": "Croston SBA (a series with many zero years)",
}

_ENSEMBLE = re.compile(r"^Ensemble\((?P<geometric>geometric )?(?P<members>[^()]*)\)$")


def describe_model(label: str) -> str:
    """A reader's description of a forecast's model label (the label itself when unknown).

    >>> describe_model("Ensemble(OTM:0.66+ETSdamped:0.34)")
    'ensemble of 2 models: optimised Theta 66 %, damped ETS 34 %'
    >>> describe_model("Ensemble(geometric DOTM:1.00)")
    'dynamic optimised Theta (the only model kept; geometric mean)'
    >>> describe_model("ETS(non-seasonal)")
    'non-seasonal ETS (the series is too short to back-test)'
    >>> describe_model("Something(new)")
    'Something(new)'
    """
    match = _ENSEMBLE.match(label)
    if match is None:
        return MODEL_NAMES.get(label, label)
    members: list[tuple[str, float]] = []
    for part in match["members"].split("+"):
        name, _, weight = part.partition(":")
        try:
            members.append((MODEL_NAMES.get(name, name), float(weight)))
        except ValueError:
            return label
    how = " (geometric mean)" if match["geometric"] else ""
    if len(members) == 1:
        return f"{members[0][0]} (the only model kept{'; geometric mean' if how else ''})"
    shares = ", ".join(f"{name} {100 * weight:.0f} %" for name, weight in members)
    return f"ensemble of {len(members)} models{how}: {shares}"


def usd_scale(values: Any) -> tuple[float, str]:
    """The divisor and unit that show the largest of ``values`` (USD) readably: a small
    partner's trade in thousands of USD does not draw as a flat line at 0 billion.

    >>> usd_scale([5e10, 1e9]), usd_scale([2.7e5, None]), usd_scale([])
    ((1000000000.0, 'billion USD'), (1000.0, 'thousand USD'), (1000000000.0, 'billion USD'))
    """
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=1e9)
    for divisor, unit in ((1e9, "billion USD"), (1e6, "million USD")):
        if largest >= divisor:
            return divisor, unit
    return 1e3, "thousand USD"


def _format(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    number = float(value)
    if kind == "usd":
        divisor, unit = usd_scale([number])
        short = {"billion USD": "bn USD", "million USD": "M USD", "thousand USD": "k USD"}[unit]
        return f"{number / divisor:,.2f} {short}"
    if kind == "pct":
        return f"{100 * number:.1f} %"
    return f"{number:.2f}"


def page_context(code: str) -> dict[str, Any]:
    """What a partner page shows."""
    partner = country(code)
    home = get_settings().home_country
    if partner.alpha_3 == home:
        raise InputError(
            f"{home} is the home country, not a partner",
            expected="the code of a partner country, e.g. /partners/KOR",
            got=code,
            fix=f"the overview (/) shows {home}'s trade with all partners",
        )
    history = partner_history(partner.alpha_3)
    years = sorted(history["period"].unique())
    amounts = [*history["value_usd"]]
    if "mirror_usd" in history:
        amounts += [*history["mirror_usd"]]
    divisor, unit = usd_scale(amounts)
    series: dict[str, list[float | None]] = {}
    for flow in ("export", "import"):
        part = history[history["flow"] == flow].set_index("period").reindex(years)
        series[f"{flow}s (reported by {home})"] = [
            None if v != v else v / divisor for v in part["value_usd"]
        ]
        if "mirror_usd" in part:
            series[f"{flow}s (mirror: reported by {partner.alpha_3})"] = [
                None if v != v else v / divisor for v in part["mirror_usd"]
            ]
    history_chart = line_chart(
        years, series, title=f"Trade with {partner.name}", value_label=unit
    )
    for trace in history_chart["data"]:
        if "mirror" in trace["name"]:
            trace["line"]["dash"] = "dot"
    charts = {"history": chart_json(history_chart)}
    pending: dict[str, dict[str, Any]] = {}
    try:
        published = partner_forecast(partner.alpha_3)
        forecast, forecast_run = published.rows, published.run
    except NotReadyError as error:  # the page shows the history and says how far it has got
        pending["forecast"] = error.details
        forecast, forecast_run = pd.DataFrame(), None
        published = None
    models: dict[str, dict[str, str]] = {}
    if not forecast.empty:
        for flow in ("export", "import"):
            rows = forecast[forecast["flow"] == flow].sort_values("period")
            past = history[history["flow"] == flow].dropna(subset=["value_usd"])
            past = past.sort_values("period")
            if rows.empty:
                continue
            label = str(rows["model"].iloc[0])
            models[flow] = {"label": label, "text": describe_model(label)}
            scale, unit = usd_scale([*past["value_usd"], *rows["yhat"]])
            charts[f"forecast_{flow}"] = chart_json(
                fan_chart(
                    past["period"].tolist(),
                    (past["value_usd"] / scale).tolist(),
                    rows["period"].tolist(),
                    (rows["yhat"] / scale).tolist(),
                    [
                        ("95%", (rows["lo_95"] / scale).tolist(), (rows["hi_95"] / scale).tolist()),
                        ("80%", (rows["lo_80"] / scale).tolist(), (rows["hi_80"] / scale).tolist()),
                    ],
                    title=f"{flow.capitalize()}s to {partner.name}: forecast"
                    if flow == "export"
                    else f"Imports from {partner.name}: forecast",
                    value_label=unit,
                )
            )
    try:
        stored = indicators()
        table, table_synthetic = stored.table, stored.synthetic
    except NotReadyError as error:
        pending["indicators"] = error.details
        table, table_synthetic = pd.DataFrame(columns=["partner"]), False
    row = table[table["partner"] == partner.alpha_3]
    facts = []
    if not row.empty:
        record = row.iloc[0].to_dict()
        facts = [
            (label, _format(record.get(key), kind))
            for key, (label, kind) in INDICATOR_LABELS.items()
            if key in record
        ]
        year = record.get("year")
    else:
        year = None
    return {
        "title": partner.name,
        "partner": partner,
        "charts": charts,
        "models": models,
        "facts": facts,
        "indicator_year": year,
        "forecast_run": forecast_run,
        "pending": pending,
        "refresh_seconds": PENDING_RELOAD_SECONDS if any(
            d.get("active") for d in pending.values()) else None,
        "synthetic": bool(
            is_synthetic(history)
            or (published is not None and published.synthetic)
            or table_synthetic
        ),
    }


@router.get("/partners/{code}", response_class=HTMLResponse)
def partner_page(
    request: Request,
    user: PageUser,
    code: Annotated[str, Path(
        min_length=2, max_length=3, pattern="^[A-Za-z0-9]{2,3}$", title="Country code",
        description="a 2- or 3-letter ISO 3166 country code (KR or KOR for Korea)",
        examples=["KOR"],
    )],
) -> HTMLResponse:
    """One partner's history, forecast and indicators."""
    return render(request, "partner.html", page_context(code), user)
