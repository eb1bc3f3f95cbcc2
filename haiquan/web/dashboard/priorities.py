"""``/priorities``: partners ranked for cooperation, with each score's breakdown.

Scores come from :func:`haiquan.priorities.service.rank_partners` (the configured trade data,
the shipped weights); results are cached because scoring takes seconds.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from haiquan.priorities.service import PriorityReport, rank_partners
from haiquan.priorities.weights import CRITERIA
from haiquan.web._cache import cached
from haiquan.web.dashboard._render import chart_json, render
from haiquan.web.dashboard.charts import stacked_bars
from haiquan.web.deps import PageUser

__all__ = ["priority_report", "router"]

router = APIRouter(include_in_schema=False)

TOP = 20


def priority_report() -> PriorityReport:
    """Partner scores for the configured data (cached)."""
    return cached("priorities.rank", lambda: rank_partners(sensitivity=None), per_home=False)


def _label(criterion: str) -> str:
    return criterion.replace("_", " ")


def page_context() -> dict[str, Any]:
    """What the priorities page shows: the table, the breakdown chart, the weights."""
    scores = priority_report().scores
    weights: dict[str, float] = scores.attrs.get("weights", {})
    criteria = list(weights)
    top = scores.head(TOP)
    figure = stacked_bars(
        [f"{r.partner} {r.name}" for r in top.itertuples()],
        {c: top[c].round(2).tolist() for c in criteria},
        title=f"Score breakdown of the top {len(top)} partners (points of 100)",
        value_label="points",
        labels={c: _label(c) for c in criteria},
    )
    rows = []
    for record in scores.to_dict(orient="records"):
        rows.append(
            {
                "rank": record["rank"],
                "partner": record["partner"],
                "name": record["name"],
                "score": record["score"],
                "parts": [(c, record[c]) for c in criteria],
                "imputed": record.get("imputed") or "",
            }
        )
    return {
        "title": "Cooperation priorities",
        "rows": rows,
        "criteria": [(c, _label(c), weights[c], CRITERIA.get(c, "")) for c in criteria],
        "unavailable": [_label(c) for c in scores.attrs.get("unavailable", [])],
        "charts": {"breakdown": chart_json(figure)},
        "synthetic": False,
    }


@router.get("/priorities", response_class=HTMLResponse)
def priorities_page(request: Request, user: PageUser) -> HTMLResponse:
    """Partners ranked by cooperation priority."""
    return render(request, "priorities.html", page_context(), user)
