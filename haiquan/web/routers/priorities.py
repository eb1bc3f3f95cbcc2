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
router = APIRouter(prefix="/api/priorities", tags=["priorities"],
                   responses=error_responses(400))


class PartnerScorePublic(BaseModel):
    """One partner's cooperation-priority score and where its points come from."""

    rank: int
    partner: str = Field(description="ISO 3166 alpha-3 code.")
    name: str
    score: float = Field(description="0-100.")
    contributions: dict[str, float] = Field(description="Points each criterion adds.")
    values: dict[str, float | None] = Field(description="Raw value of each criterion.")
    weights: dict[str, float] = Field(description="Normalised weight of each criterion.")
    imputed: list[str] = Field(description="Criteria given the median because data was missing.")


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


@router.get("/scores", response_model=list[PartnerScorePublic])
def partner_scores(_: CurrentUser) -> list[PartnerScorePublic]:
    """Partners ranked by cooperation priority (the configured trade data and weights)."""
    scores = priority_report().scores
    weights: dict[str, float] = scores.attrs.get("weights", {})
    out = []
    for record in scores.to_dict(orient="records"):
        out.append(
            PartnerScorePublic(
                rank=int(record["rank"]),
                partner=record["partner"],
                name=record["name"],
                score=float(record["score"]),
                contributions={c: float(record[c]) for c in weights},
                values={
                    k[: -len("_value")]: _number(v)
                    for k, v in record.items()
                    if k.endswith("_value") and v is not None
                },
                weights=weights,
                imputed=[x for x in str(record.get("imputed") or "").split(", ") if x],
            )
        )
    return out


@router.get("/plan", response_model=Plan)
def plan(_: CurrentUser) -> Plan:
    """The optimal cooperation plan under the catalogue's staff and budget limits."""
    return cooperation_plan()
