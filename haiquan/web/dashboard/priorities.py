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
from haiquan.settings import get_settings
from haiquan.web._cache import cached, warehouse_stamp
from haiquan.web.dashboard._render import render
from haiquan.web.deps import PageUser

__all__ = ["priority_report", "router", "synthetic_source", "trade_cache_scope"]

router = APIRouter(include_in_schema=False)

TOP = 20


def trade_cache_scope() -> tuple[tuple[float, float] | None, bool]:
    """The cache key part and ``per_home`` of a result computed from the priorities' trade data.

    The scores and the plan read the HOME warehouse when it exists (and the shared Vietnam example
    only when it does not), so with a warehouse they are kept per HOME and per warehouse change:
    a load (demo trade, say) shows at once, and one configuration never gets another's figures.
    """
    if get_settings().warehouse_file.is_file():
        return warehouse_stamp(), True
    return None, False


def priority_report() -> PriorityReport:
    """Partner scores for the configured data (cached)."""
    stamp, per_home = trade_cache_scope()
    return cached(
        "priorities.rank", lambda: rank_partners(sensitivity=None), stamp, per_home=per_home
    )


def synthetic_source(data_source: str) -> bool:
    """Whether the trade behind a score or plan includes generated demo rows.

    :func:`haiquan.priorities.service.rank_partners` and ``plan_cooperation`` name their trade
    data in ``data_source``, marking warehouse rows loaded as synthetic with "SYNTHETIC".
    """
    return "SYNTHETIC" in data_source


def criterion_meaning(criterion: str, direction: str) -> str:
    """What a criterion measures, said the way its points go.

    The raw value of a cooperation flag is 1 where the link exists, but a flag scored ``lower``
    gives its points where the link is missing, so "no AEO MRA yet" must not read as "1 when an
    AEO mutual recognition arrangement is in force" alone.

    >>> criterion_meaning("aeo_mra", "lower")
    'points while none is in place yet (raw value: 1 when an AEO mutual recognition ...)'
    """
    text = CRITERIA.get(criterion, "")
    if direction != "lower":
        return text
    if text.startswith("1 when "):
        return f"points while none is in place yet (raw value: {text})"
    return f"{text}; the lower it is, the more points"


def page_context() -> dict[str, Any]:
    """What the priorities page shows (built by ``priority_views.priorities_context``)."""
    from haiquan.web.dashboard.priority_views import priorities_context

    report = priority_report()
    return priorities_context(report, synthetic_source(report.data_source))


@router.get("/priorities", response_class=HTMLResponse)
def priorities_page(request: Request, user: PageUser) -> HTMLResponse:
    """Partners ranked by cooperation priority."""
    return render(request, "priorities.html", page_context(), user)
