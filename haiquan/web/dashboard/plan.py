"""``/plan``: the optimised cooperation plan as a timeline, with resource use per year.

The plan comes from :func:`haiquan.priorities.service.plan_cooperation` with the catalogue's
own staff and budget limits; it is cached because the optimisation takes seconds.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from haiquan.priorities.plan import Plan
from haiquan.priorities.service import plan_cooperation
from haiquan.web._cache import cached
from haiquan.web.dashboard._render import chart_json, render
from haiquan.web.dashboard.charts import grouped_bars, timeline_chart
from haiquan.web.deps import PageUser

__all__ = ["cooperation_plan", "router"]

router = APIRouter(include_in_schema=False)


def cooperation_plan() -> Plan:
    """The optimal plan for the configured catalogue and trade data (cached)."""
    return cached("priorities.plan", lambda: plan_cooperation(), per_home=False)


def page_context() -> dict[str, Any]:
    """What the plan page shows."""
    plan = cooperation_plan()
    chosen = sorted(plan.chosen, key=lambda c: (c.start_year, c.completion_year, c.name))
    timeline = timeline_chart(
        [
            {
                "label": c.name if len(c.name) <= 60 else c.name[:57] + "…",
                "start": c.start_year,
                "end": c.completion_year,
                "kind": c.kind,
                "hover": f"{c.start_year}–{c.completion_year} · partners "
                f"{', '.join(c.partners)} · benefit {c.benefit_usd / 1e6:,.0f} M USD",
            }
            for c in chosen
        ],
        title=f"Cooperation plan {plan.first_year}–{plan.first_year + plan.years - 1}",
    )
    years = [u.year for u in plan.usage]
    staff = grouped_bars(
        years,
        {
            "staff-months used": [u.staff_months_used for u in plan.usage],
            "staff-months available": [u.staff_months_limit for u in plan.usage],
        },
        title="Staff per year",
        value_label="staff-months",
    )
    budget = grouped_bars(
        years,
        {
            "budget used": [u.budget_usd_used for u in plan.usage],
            "budget available": [u.budget_usd_limit for u in plan.usage],
        },
        title="Budget per year",
        value_label="USD",
    )
    return {
        "title": "Cooperation plan",
        "plan": plan,
        "chosen": chosen,
        "charts": {
            "timeline": chart_json(timeline),
            "staff": chart_json(staff),
            "budget": chart_json(budget),
        },
        "synthetic": False,
    }


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, user: PageUser) -> HTMLResponse:
    """The cooperation plan as a timeline."""
    return render(request, "plan.html", page_context(), user)
