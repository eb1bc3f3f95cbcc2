"""``/``: the home country's trade at a glance — totals over time, largest partners and
commodities — from the warehouse."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from haiquan.errors import HaiquanError, InputError, NotFoundError
from haiquan.reference.countries import country
from haiquan.settings import get_settings
from haiquan.warehouse.results import NO_DATA
from haiquan.warehouse.schema import is_synthetic
from haiquan.web._results import data_version
from haiquan.web.dashboard._render import chart_json, render
from haiquan.web.dashboard.charts import grouped_bars, line_chart, stacked_bars
from haiquan.web.dashboard.trade import home_totals, trade_commodities, trade_partners
from haiquan.web.deps import PageUser

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _billions(values: Any) -> list[float]:
    return [round(float(v) / 1e9, 3) if v == v else None for v in values]  # type: ignore[misc]


def _name(code: str, given: Any) -> str:
    """The ISO name, as the partner's own page and the priorities show it ("China", not IMF's
    "China, P.R.: Mainland"); the source's name only for a code the ISO list lacks."""
    try:
        return country(code).name
    except HaiquanError:
        return given if isinstance(given, str) and given else code


def page_context() -> dict[str, Any]:
    """What the overview shows, or an empty state when the warehouse has no trade yet."""
    home = get_settings().home_country
    if data_version() == NO_DATA:
        # No trade load: the warehouse may still exist (a commitment status record, a risk
        # file or a stored result creates it) without any trade table to query.
        return {
            "title": "Overview",
            "empty": "no trade data is loaded",
            "fix": "load a trade file with `haiquan load FILE` (e.g. the IMF DOTS file), "
            "or build the demo with `haiquan demo`",
        }
    try:
        totals = home_totals()
        partners = trade_partners(15)
        commodities = trade_commodities(10)
    except (NotFoundError, InputError) as error:
        return {"title": "Overview", "empty": error.summary, "fix": error.fix}
    if totals.empty:
        return {
            "title": "Overview",
            "empty": f"the warehouse has no annual trade reported by {home}",
            "fix": "load a trade file with `haiquan load`",
        }
    years = sorted(totals["period"].unique())
    by_flow = {
        flow: totals[totals["flow"] == flow].set_index("period")["value_usd"].reindex(years)
        for flow in ("export", "import")
    }
    history = line_chart(
        years,
        {f"{flow}s": _billions(series) for flow, series in by_flow.items()},
        title=f"{country(home).name}: trade with all partner countries",
        value_label="billion USD",
    )
    top = partners.head(15).copy()
    top["partner_name"] = [
        _name(p, n) for p, n in zip(top["partner"], top["partner_name"], strict=True)
    ]
    partner_chart = stacked_bars(
        [f"{p} {n}"[:32] for p, n in zip(top["partner"], top["partner_name"], strict=True)],
        {
            "exports": _billions(top["export_usd"].fillna(0)),
            "imports": _billions(top["import_usd"].fillna(0)),
        },
        title=f"Largest partners in {top['period'].iloc[0] if len(top) else ''}",
        value_label="billion USD",
    )
    charts = {"history": chart_json(history), "partners": chart_json(partner_chart)}
    if not commodities.empty:
        charts["commodities"] = chart_json(
            grouped_bars(
                [f"HS {c}" for c in commodities["commodity"]],
                {"exports": _billions(commodities["value_usd"])},
                title=f"Largest export commodities in {commodities['period'].iloc[0]}",
                value_label="billion USD",
            )
        )
    latest = years[-1]
    previous = years[-2] if len(years) > 1 else None

    def total(flow: str, year: str | None) -> float | None:
        if year is None:
            return None
        value = by_flow[flow].get(year)
        return None if value is None or value != value else float(value)

    kpis = []
    for flow in ("export", "import"):
        now, before = total(flow, latest), total(flow, previous)
        growth = (now / before - 1) if now and before else None
        kpis.append((f"{flow}s {latest}", now, growth))
    return {
        "title": "Overview",
        "empty": None,
        "latest": latest,
        "kpis": kpis,
        "partners": top.to_dict(orient="records"),
        "charts": charts,
        "synthetic": is_synthetic(totals) or is_synthetic(partners) or is_synthetic(commodities),
    }


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, user: PageUser) -> HTMLResponse:
    """The home country's trade at a glance."""
    return render(request, "overview.html", page_context(), user)
