"""``/api/priorities``: partner scores with their breakdown, and the optimised cooperation plan."""

from __future__ import annotations

import math

from fastapi import APIRouter
from pydantic import BaseModel, Field

from haiquan.priorities.plan import Plan
from haiquan.web.dashboard.plan import cooperation_plan
from haiquan.web.dashboard.priorities import priority_report
from haiquan.web.deps import CurrentUser
from haiquan.web.responses import error_responses

# 400: no trade data configured (no warehouse rows and no shared example data); the body says
# which file was looked for and how to provide one.
# 503: not computed yet for the current data; the background refresh is computing it and the
# body's details say how far it has got.
router = APIRouter(prefix="/api/priorities", tags=["priorities"],
                   responses=error_responses(400, 503))


class PartnerScorePublic(BaseModel):
    """One partner in the overall view and where its points come from."""

    rank: int
    partner: str = Field(description="ISO 3166 alpha-3 code.")
    name: str
    score: float = Field(description="0-100.")
    share: float = Field(description="Share of home's trade in the base year, a fraction.")
    contributions: dict[str, float] = Field(description="Points each criterion adds.")
    values: dict[str, float | None] = Field(
        description="Raw value of each criterion: USD for the instruments, a yearly rate for "
        "growth, 0-3 markers for standing.")
    standing: str = Field(description="Regional community, partnership and FTAs in force.")
    imputed: list[str] = Field(description="Criteria given the median because data was missing.")
    why_lower: str | None = Field(
        description="Why a large partner or community member ranks below a partner under 1 % "
        "of trade (null when it does not).")


class InstrumentPartnerPublic(BaseModel):
    """One partner in an instrument's ranking."""

    rank: int
    partner: str
    name: str
    usd: float = Field(description="Trade the instrument would touch, USD.")
    share_of_trade: float = Field(description="usd over home's total trade, a fraction.")
    driver: str = Field(description="Why: the agreements or figures behind the amount.")


class InstrumentPublic(BaseModel):
    """Partners ranked by the money one cooperation instrument would touch."""

    instrument: str
    label: str
    counts: str = Field(description="What the USD figure counts.")
    total_usd: float
    partners: list[InstrumentPartnerPublic]


class DroppedPublic(BaseModel):
    """A weighted criterion left out of the overall score, and why."""

    criterion: str
    reason: str


class PrioritiesPublic(BaseModel):
    """Priorities per cooperation instrument and the overall view that combines them."""

    home: str
    year: int = Field(description="Base year of the trade data.")
    on: str = Field(description="Day agreements, partnerships and groups were read for.")
    data_source: str
    synthetic: bool = Field(
        description="Some of the trade data is generated demo data, not real trade: show the "
        "scores as SYNTHETIC.")
    statistic: str = Field(description="How raw values become points.")
    combination: str = Field(description="How the overall score combines the criteria.")
    weights: dict[str, float] = Field(description="Normalised weight of each criterion used.")
    dropped: list[DroppedPublic]
    instruments: list[InstrumentPublic]
    overall: list[PartnerScorePublic]
    warnings: list[str]


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


@router.get("/scores", response_model=PrioritiesPublic)
def get_partner_scores(_: CurrentUser) -> PrioritiesPublic:
    """Partners ranked per cooperation instrument (USD at stake) and overall."""
    report = priority_report()
    scores = report.scores
    weights = scores.weights
    overall = [
        PartnerScorePublic(
            rank=int(record["rank"]), partner=record["partner"], name=record["name"],
            score=float(record["score"]), share=float(record["share"]),
            contributions={c: float(record[c]) for c in weights},
            values={k[: -len("_value")]: _number(v) for k, v in record.items()
                    if k.endswith("_value") and v is not None},
            standing=str(record["standing_markers"]),
            imputed=[x for x in str(record.get("imputed") or "").split(", ") if x],
            why_lower=scores.below_smaller.get(record["partner"]),
        )
        for record in scores.overall.to_dict(orient="records")
    ]
    instruments = [
        InstrumentPublic(
            instrument=key, label=ranking.label, counts=ranking.counts,
            total_usd=ranking.total_usd,
            partners=[InstrumentPartnerPublic.model_validate(row)
                      for row in ranking.table.to_dict(orient="records")],
        )
        for key, ranking in scores.instruments.items()
    ]
    return PrioritiesPublic(
        home=scores.criteria.home, year=scores.criteria.year,
        on=scores.criteria.on.isoformat(), data_source=report.data_source,
        synthetic=report.synthetic,
        statistic=scores.statistic, combination=scores.combination, weights=weights,
        dropped=[DroppedPublic(criterion=d.criterion, reason=d.reason) for d in scores.dropped],
        instruments=instruments, overall=overall, warnings=list(scores.criteria.warnings),
    )


@router.get("/plan", response_model=Plan)
def get_cooperation_plan(_: CurrentUser) -> Plan:
    """The optimal cooperation plan under the catalogue's staff and budget limits."""
    return cooperation_plan()
