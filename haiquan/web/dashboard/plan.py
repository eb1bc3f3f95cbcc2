"""``/plan``: the optimised cooperation plan as a timeline, with resource use per year.

The plan comes from :func:`haiquan.priorities.service.plan_cooperation` with the catalogue's
own staff and budget limits, computed by the refresh and read as stored (with the forecasts it
takes up to minutes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from haiquan.errors import NotReadyError
from haiquan.priorities.plan import BindingConstraint, Plan
from haiquan.refresh import StoredPlan
from haiquan.web._results import stored_value
from haiquan.web.dashboard._render import chart_json, render, render_pending
from haiquan.web.dashboard.charts import grouped_bars, timeline_chart
from haiquan.web.dashboard.priorities import synthetic_source
from haiquan.web.deps import PageUser

__all__ = [
    "AssumptionGroup",
    "assumption_groups",
    "cooperation_plan",
    "initiative_names",
    "readable",
    "router",
]

router = APIRouter(include_in_schema=False)

#: How each catalogue figure reads on the page (the dotted path stays in a tooltip).
FIGURE_LABELS: dict[str, str] = {
    "discount_rate": "discount rate",
    "assumption_range": "how far an assumed benefit figure may be off (low/high range)",
    "once_signed.duration_years": "duration of implementation alone, once signed (years)",
    "once_signed.staff_months_per_year": "staff-months a year of implementation, once signed",
    "once_signed.budget_usd_per_year": "budget a year of implementation, once signed (USD)",
    "resources.staff_months_per_year": "staff-months available a year",
    "resources.budget_usd_per_year": "budget available a year (USD)",
    "duration_years": "duration (years)",
    "staff_months_per_year": "staff-months a year while implementing",
    "budget_usd_per_year": "budget a year while implementing (USD)",
    "running_staff_months_per_year": "staff-months a year to run it once done",
    "running_budget_usd_per_year": "budget a year to run it once done (USD)",
    "benefit.share_affected": "share of the partners' trade affected",
    "benefit.size": "size of the effect",
    "benefit.value_per_day": "value of one day saved",
}

_INITIATIVE_PATH = re.compile(r"^initiatives\[(?P<id>[^\]]+)\]\.(?P<figure>.+)$")


@dataclass
class AssumptionGroup:
    """The assumed figures of one initiative (or of the plan as a whole)."""

    title: str
    id: str | None
    figures: list[tuple[str, str]] = field(default_factory=list)  # (label, dotted path)


def cooperation_plan() -> Plan:
    """The optimal plan for the configured catalogue and trade data, as the refresh stored it.

    Raises:
        NotReadyError: still being computed (the background refresh has been started).
    """
    return _stored().plan


def _stored() -> StoredPlan:
    stored = stored_value("priorities.plan")
    assert isinstance(stored, StoredPlan) and isinstance(stored.plan, Plan)
    return stored


def initiative_names() -> dict[str, str]:
    """Initiative id → name in the catalogue the plan was built from (stored with the plan).

    Raises:
        NotReadyError: the plan is still being computed.
    """
    return _stored().initiative_names


def assumption_groups(paths: list[str], names: Mapping[str, str]) -> list[AssumptionGroup]:
    """Group the catalogue's assumed figures by initiative, with readable labels.

    Every path appears once, in catalogue order; figures outside any initiative come first.

    >>> groups = assumption_groups(
    ...     ["discount_rate", "initiatives[a-kor].benefit.size"], {"a-kor": "MRA with Korea"})
    >>> [(g.title, g.figures) for g in groups]
    [('The plan as a whole', [('discount rate', 'discount_rate')]), \
('MRA with Korea', [('size of the effect', 'initiatives[a-kor].benefit.size')])]
    """
    general = AssumptionGroup("The plan as a whole", None)
    groups: dict[str, AssumptionGroup] = {}
    for path in paths:
        match = _INITIATIVE_PATH.match(path)
        if match is None:
            general.figures.append((FIGURE_LABELS.get(path, path), path))
            continue
        item, figure = match["id"], match["figure"]
        group = groups.setdefault(item, AssumptionGroup(names.get(item, item), item))
        group.figures.append((FIGURE_LABELS.get(figure, figure), path))
    return ([general] if general.figures else []) + list(groups.values())


def readable(text: str, names: Mapping[str, str]) -> str:
    """A sentence from the optimiser with initiative ids replaced by their names.

    >>> readable("a-tha is chosen, which rules out a-asean",
    ...          {"a-tha": "MRA with Thailand", "a-asean": "ASEAN-wide MRA"})
    '“MRA with Thailand” is chosen, which rules out “ASEAN-wide MRA”'
    """
    if not names:
        return text
    ids = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])")
    return pattern.sub(lambda m: f"“{names[m.group(1)]}”", text)


def _binding_lines(
    binding: list[BindingConstraint], names: Mapping[str, str]
) -> list[dict[str, str]]:
    # Ids stay available in the tooltip: the CLI and the API speak in ids.
    return [{"text": readable(b.description, names), "raw": b.description} for b in binding]


def page_context() -> dict[str, Any]:
    """What the plan page shows."""
    plan = cooperation_plan()
    chosen = sorted(plan.chosen, key=lambda c: (c.start_year, c.completion_year, c.name))
    timeline = timeline_chart(
        [
            {
                "key": c.id,
                "label": c.name,
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
    names = {**initiative_names(), **{c.id: c.name for c in plan.chosen}}
    what_if = plan.budget_plus_10
    return {
        "title": "Cooperation plan",
        "plan": plan,
        "chosen": chosen,
        "binding": _binding_lines(plan.binding, names),
        "assumption_groups": assumption_groups(plan.assumptions, names),
        "what_if_entered": [names.get(i, i) for i in what_if.entered] if what_if else [],
        "charts": {
            "timeline": chart_json(timeline),
            "staff": chart_json(staff),
            "budget": chart_json(budget),
        },
        "synthetic": synthetic_source(plan.data_source),
        "forecast_run": _stored().forecast_run,
    }


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, user: PageUser) -> HTMLResponse:
    """The cooperation plan as a timeline."""
    try:
        context = page_context()
    except NotReadyError as error:
        return render_pending(request, "Cooperation plan", "the cooperation plan",
                              error.details, user)
    return render(request, "plan.html", context, user)
