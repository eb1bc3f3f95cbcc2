"""``/priorities``: partners ranked for cooperation, with each score's breakdown.

Scores come from :func:`haiquan.priorities.service.rank_partners` (the configured trade data,
the shipped weights), computed by the refresh and read as stored: scoring takes seconds to
minutes, so a page never computes them while someone waits.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from haiquan.errors import NotReadyError
from haiquan.priorities.service import PriorityReport
from haiquan.priorities.weights import CRITERIA
from haiquan.web._results import stored_value
from haiquan.web.dashboard._render import render, render_pending
from haiquan.web.deps import PageUser

__all__ = ["priority_report", "router", "synthetic_source"]

router = APIRouter(include_in_schema=False)

TOP = 20


def priority_report() -> PriorityReport:
    """Partner scores for the configured data, as the refresh stored them
    (:func:`haiquan.web._results.stored_value`).

    Raises:
        NotReadyError: still being computed (the background refresh has been started).
    """
    report = stored_value("priorities.scores")
    assert isinstance(report, PriorityReport)
    return report


def synthetic_source(data_source: str) -> bool:
    """Whether the trade behind a score or plan includes generated demo rows.

    :func:`haiquan.priorities.service.rank_partners` and ``plan_cooperation`` name their trade
    data in ``data_source``, marking warehouse rows loaded as synthetic with "SYNTHETIC".
    """
    return "SYNTHETIC" in data_source


def criterion_meaning(criterion: str, direction: str) -> str:
    """What a criterion measures, said the way its points go.

    A criterion scored ``lower`` gives its points where its value is small, so its description
    must say so rather than read as if more meant more points.

    >>> criterion_meaning("aeo_mra", "lower")
    'trade with a partner running an AEO programme, ... USD; the lower it is, the more points'
    >>> criterion_meaning("aeo_mra", "higher")
    'trade with a partner running an AEO programme, no AEO MRA applied yet, USD'
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
    try:
        context = page_context()
    except NotReadyError as error:
        return render_pending(request, "Cooperation priorities", "partner priority scores",
                              error.details, user)
    return render(request, "priorities.html", context, user)
