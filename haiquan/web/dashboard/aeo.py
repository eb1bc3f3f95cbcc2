"""``/aeo``: the AEO programme — operators by status, authorisations expiring, MRA partners.

Reads :func:`haiquan.aeo.overview.aeo_overview` over the configured registry
(``HAIQUAN_AEO_DATABASE_URL``, else the home folder's SQLite file). ``?q=`` filters the operator
table by id or name.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from haiquan.aeo.overview import EXPIRY_WINDOW_DAYS, aeo_overview
from haiquan.web.dashboard._render import chart_json, render
from haiquan.web.dashboard.charts import grouped_bars
from haiquan.web.deps import PageUser
from haiquan.web.routers.aeo import registry

__all__ = ["page_context", "router"]

router = APIRouter(include_in_schema=False)

#: Operators shown in the table (the filter narrows it; the API lists them all).
SHOWN = 200


def page_context(query: str = "", on: dt.date | None = None) -> dict[str, Any]:
    """What the AEO page shows."""
    view = aeo_overview(registry(), on)
    needle = query.strip().lower()
    matching = [o for o in view.operators
                if not needle or needle in o.aeo_id.lower() or needle in o.name.lower()]
    statuses = list(view.by_status)
    chart = grouped_bars(statuses, {"operators": [view.by_status[s] for s in statuses]},
                         title=f"Home AEOs by status on {view.on.isoformat()}",
                         value_label="operators")
    return {
        "title": "AEO",
        "view": view,
        "query": query,
        "operators": matching[:SHOWN],
        "matching": len(matching),
        "window": EXPIRY_WINDOW_DAYS,
        "charts": {"status": chart_json(chart)} if view.operators else {},
    }


@router.get("/aeo", response_class=HTMLResponse)
def aeo_page(
    request: Request, user: PageUser,
    q: Annotated[str, Query(max_length=80, title="Find",
                            description="part of an AEO id or of a company's name",
                            examples=["VN-AEO-0001"])] = "",
) -> HTMLResponse:
    """The AEO programme and its mutual recognition partners."""
    return render(request, "aeo.html", page_context(q), user)
