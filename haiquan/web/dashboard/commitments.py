"""``/commitments``: implementation of WTO TFA, WCO SAFE, RKC and ASEAN commitments.

Rates are computed by :mod:`haiquan.commitments` the way each commitment's owner counts them,
once per version of the status records (:mod:`haiquan.commitments.overview`), by the refresh
that stores them in the warehouse; the page reads them from there, and says how far the
computation has got while they are not stored yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from haiquan.commitments.overview import commitments_overview as compute_overview
from haiquan.errors import NotReadyError
from haiquan.refresh import COMMITMENTS_KIND
from haiquan.settings import get_settings
from haiquan.web._cache import cached
from haiquan.web._results import stored_value, versions
from haiquan.web.dashboard._render import chart_json, render, render_pending
from haiquan.web.dashboard.charts import PALETTE, line_chart, short_label, stacked_bars
from haiquan.web.deps import PageUser

__all__ = ["commitments_overview", "router"]

router = APIRouter(include_in_schema=False)

#: Colours of the counting classes, the same on every chart.
CLASS_COLOURS = {
    "implemented": "#009E73",
    "partially": "#56B4E9",
    "scheduled": "#56B4E9",
    "not_yet": "#E69F00",
    "date_unknown": "#E69F00",
    "not_designated": "#999999",
    "no_record": "#cccccc",
}


def commitments_overview(day: dt.date | None = None) -> dict[str, Any]:
    """Rates, progress by group, rate history and deadlines of the home country.

    Today's are the stored ones (:data:`~haiquan.refresh.COMMITMENTS_KIND`); another day's are
    computed and kept for the current version of the status records.

    Raises:
        NotReadyError: today's are still being computed (the background refresh has started).
    """
    if day is None or day == dt.date.today():
        return dict(stored_value(COMMITMENTS_KIND).as_dict())
    country = get_settings().home_country
    return cached(
        "commitments.day",
        lambda: compute_overview(country, day).as_dict(),
        day,
        versions()[COMMITMENTS_KIND],
    )


def _group_chart(title: str, frame: pd.DataFrame, classes: list[str]) -> dict[str, Any]:
    names = [f"{g} {t}" for g, t in zip(frame["group"], frame["title"], strict=True)]
    figure = stacked_bars(
        [short_label(name, 48) for name in names],
        {c: frame[c].tolist() for c in classes},
        title=title,
        value_label="items" if "units" not in title else "units",
        labels={c: c.replace("_", " ") for c in classes},
        full_names=names,
    )
    for trace, name in zip(figure["data"], classes, strict=True):
        trace["marker"]["color"] = CLASS_COLOURS.get(name, PALETTE[0])
    return figure


def page_context() -> dict[str, Any]:
    """What the commitments page shows."""
    data = commitments_overview()
    charts: dict[str, str] = {}
    sections = []
    for rate in data["rates"]:
        title = data["titles"][rate.catalogue]
        chart_id = f"groups-{rate.catalogue}"
        # A catalogue without items has no rate (0 of 0 is not 0 %), as the CLI's demo says.
        empty = rate.total == 0
        if not empty:
            frame = data["groups"][rate.catalogue]
            charts[chart_id] = chart_json(
                _group_chart(f"{title}: progress by group", frame, list(rate.counts))
            )
        sections.append({"rate": rate, "title": title, "chart": chart_id, "empty": empty})
    history = line_chart(
        [],
        {},
        title="Implementation rate over time (dotted: projection from notified dates)",
        value_label="rate",
        percent=True,
    )
    for i, (catalogue, frame) in enumerate(data["timelines"].items()):
        for projected in (False, True):
            part = frame[frame["projected"] == projected] if "projected" in frame else frame
            if "total" in part:
                part = part[part["total"] > 0]  # nothing tracked on that date: no rate
            if part.empty:
                continue
            history["data"].append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": data["titles"][catalogue] + (" (projection)" if projected else ""),
                    "x": [str(d) for d in part["date"]],
                    "y": part["rate"].astype(float).tolist(),
                    "line": {
                        "color": PALETTE[i % len(PALETTE)],
                        "dash": "dot" if projected else "solid",
                    },
                    "showlegend": not projected,
                }
            )
    charts["history"] = chart_json(history)
    due = data["due"]
    return {
        "title": "Commitments",
        "sections": sections,
        "charts": charts,
        "due": due.head(40).to_dict(orient="records"),
        "due_total": len(due),
        # deadlines name their catalogue by id ("wto_tfa"); the table shows its title
        "catalogue_titles": data["titles"],
        "overdue": int((due["state"] == "overdue").sum()) if not due.empty else 0,
        "undated": data["undated"],
        "synthetic": False,
    }


@router.get("/commitments", response_class=HTMLResponse)
def commitments_page(request: Request, user: PageUser) -> HTMLResponse:
    """Progress on international commitments."""
    try:
        context = page_context()
    except NotReadyError as error:
        return render_pending(
            request,
            "Commitments",
            "the rates and deadlines of the commitments",
            error.details,
            user,
        )
    return render(request, "commitments.html", context, user)
