"""``/transit``: ACTS movements this administration departs — open, overdue and under enquiry by
route and border crossing, transit times per route, the open movements themselves, guarantees.

Reads :func:`haiquan.transit.queries.transit_overview`, ``open_movements`` and
``guarantee_use`` over the configured transit store (``HAIQUAN_TRANSIT_DATABASE_URL``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from haiquan.transit import State
from haiquan.transit.queries import guarantee_use, open_movements, transit_overview
from haiquan.web.dashboard._render import chart_json, render
from haiquan.web.dashboard.charts import stacked_bars
from haiquan.web.deps import PageUser
from haiquan.web.routers.transit import service

__all__ = ["page_context", "router"]

router = APIRouter(include_in_schema=False)

#: Open movements listed on the page (the API pages through all of them).
SHOWN = 100

_FILTERS = ("open", "overdue", "enquiry", "recovery")


def page_context(show: str = "open") -> dict[str, Any]:
    """What the transit page shows."""
    svc = service()
    view = transit_overview(svc.store)
    states = None if show == "open" else [State(show)]
    page = open_movements(svc.store, states=states, limit=SHOWN)
    charts = {}
    if view.routes:
        labels = [r.countries + " · " + r.route.split(">")[-1] for r in view.routes]
        chart = stacked_bars(
            labels,
            {"on time": [r.open - r.overdue - r.enquiry - r.recovery for r in view.routes],
             "overdue": [r.overdue for r in view.routes],
             "under enquiry": [r.enquiry for r in view.routes],
             "recovery": [r.recovery for r in view.routes]},
            title="Open movements by route", value_label="movements",
            full_names=[r.route for r in view.routes])
        charts["routes"] = chart_json(chart)
    return {
        "title": "Transit",
        "view": view,
        "page": page,
        "show": show,
        "filters": _FILTERS,
        "guarantees": guarantee_use(svc.store, svc.reference),
        "offices": svc.reference.offices,
        "country": svc.country,
        "charts": charts,
    }


@router.get("/transit", response_class=HTMLResponse)
def transit_page(
    request: Request, user: PageUser,
    show: Annotated[str, Query(pattern="^(open|overdue|enquiry|recovery)$",
                               description="which open movements to list")] = "open",
) -> HTMLResponse:
    """ACTS movements by route and border crossing."""
    return render(request, "transit.html", page_context(show), user)
