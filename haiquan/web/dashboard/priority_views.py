"""What the priorities and plan pages show, built from the library's typed results.

Kept apart from the page modules (which fetch the stored results) so the shape of the pages
follows the shape of :class:`~haiquan.priorities.scoring.PriorityScores` and
:class:`~haiquan.priorities.plan.Plan` in one place.
"""

from __future__ import annotations

from typing import Any

from haiquan.priorities.service import PriorityReport
from haiquan.priorities.weights import CRITERIA, criterion_label
from haiquan.web.dashboard._render import chart_json
from haiquan.web.dashboard.charts import stacked_bars

__all__ = ["priorities_context"]

#: Partners shown in the overall chart and in each instrument's table.
TOP = 20
INSTRUMENT_ROWS = 10


def priorities_context(report: PriorityReport, synthetic: bool) -> dict[str, Any]:
    """The priorities page: each instrument's ranking by USD, then the overall view."""
    scores = report.scores
    criteria = list(scores.weights)
    overall = scores.overall
    top = overall.head(TOP)
    figure = stacked_bars(
        [f"{r.partner} {r.name}" for r in top.itertuples()],
        {c: top[c].round(2).tolist() for c in criteria},
        title=f"Overall: score breakdown of the top {len(top)} partners (points of 100)",
        value_label="points",
        labels={c: criterion_label(c) for c in criteria},
    )
    rows = [{
        "rank": record["rank"], "partner": record["partner"], "name": record["name"],
        "score": record["score"], "share": record["share"],
        "parts": [(c, record[c]) for c in criteria],
        "standing": record["standing_markers"],
        "imputed": ", ".join(criterion_label(c)
                             for c in str(record.get("imputed") or "").split(", ") if c),
        "why_lower": scores.below_smaller.get(record["partner"], ""),
    } for record in overall.to_dict(orient="records")]
    instruments = [{
        "id": key, "label": ranking.label, "counts": ranking.counts,
        "total_usd": ranking.total_usd, "partners": len(ranking.table),
        "rows": ranking.table.head(INSTRUMENT_ROWS).to_dict(orient="records"),
    } for key, ranking in scores.instruments.items()]
    return {
        "title": "Cooperation priorities",
        "instruments": instruments,
        "rows": rows,
        "criteria": [(c, criterion_label(c), scores.weights[c], CRITERIA.get(c, ""))
                     for c in criteria],
        "dropped": [(criterion_label(d.criterion), d.reason) for d in scores.dropped],
        "statistic": scores.statistic,
        "combination": scores.combination,
        "charts": {"breakdown": chart_json(figure)},
        "synthetic": synthetic,
        "year": scores.criteria.year,
        "on": scores.criteria.on,
        "data_source": report.data_source,
        "warnings": list(scores.criteria.warnings),
    }
