"""``/api/risk``: score declarations to risk levels and control channels.

The model is loaded once per process (cached by model directory) from ``HAIQUAN_RISK_MODEL_DIR``
(default ``HOME/models/risk``); train one with ``haiquan risk train``. Each request checks the
directory's ``CURRENT`` file with one ``stat``, so ``haiquan risk use`` takes effect at once.

One declaration without reasons, the model in memory, is scored on the event loop (a fraction of
a millisecond, less than a hop to a worker thread costs); larger requests, reasons, and the first
request after a new version run in a worker thread, so they never hold other requests up.

Reasons (LightGBM ``pred_contrib``) cost several times the score itself for one declaration
(docs/risk.md gives the measured figures), so ``POST /api/risk/score`` gives them only when
asked: ``"explain": true`` in the body or ``?explain=true``.

Partner alerts kept by ``haiquan alerts pull`` (``HOME/risk/partner_alerts.yaml``) are applied
unless ``"partner_alerts": false``; the file is re-read only when it changes (one ``stat`` per
request), and the answer says how many alerts were in force. AEO benefits come from the
platform's AEO registry (re-read only when it changes) unless ``"aeo_benefit": false``, and the
answer says how many declarations they reached.

Scoring goes through the library path of ``haiquan risk score``
(:func:`~haiquan.risk.request_scoring.score_request`): declarations sent to red or yellow are
kept as decisions, so inspection outcomes can be recorded against them; ``batch`` mode applies
each office's capacity; ``stream`` mode cannot (a declaration is routed before the day's others
are known) and the answer says so.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from haiquan.declarations import DeclarationRecord
from haiquan.errors import ConfigurationError, ValidationError
from haiquan.risk.aeo_benefit import configured_aeo_directory
from haiquan.risk.alerts import PartnerAlert
from haiquan.risk.outcomes import InspectionOutcome, OutcomeStore
from haiquan.risk.profiles import TargetingProfile, profiles_in_force, read_profiles
from haiquan.risk.results import inspection_results, results_rows
from haiquan.web.auth import Role
from haiquan.web.deps import require_role
from haiquan.web.responses import error_responses

if TYPE_CHECKING:
    from haiquan.risk.model import RiskModel

router = APIRouter(prefix="/api/risk", tags=["risk"])

_SCORERS = [Depends(require_role(Role.RISK_OFFICER, Role.ANALYST))]


class RiskScoreRequest(BaseModel):
    """Declarations to score, one goods item each (canonical layout).

    A field this request does not know is refused (422), so a misspelt option such as
    ``"explian": true`` is not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    declarations: Annotated[list[DeclarationRecord], Field(min_length=1, max_length=1000)]
    mode: Literal["stream", "batch"] = Field(
        default="stream",
        description="stream: each declaration against the model's reference scores (rates hold "
        "on average); batch: channels filled at exact rates within this request.",
    )
    explain: bool = Field(
        default=False,
        description="include the top reasons of each score (LightGBM contributions: several "
        "times the cost of the score; also ?explain=true)",
    )
    partner_alerts: bool = Field(
        default=True,
        description="apply the partner alerts kept by `haiquan alerts pull` "
        "(HOME/risk/partner_alerts.yaml); false applies none",
    )
    targeting_profiles: bool = Field(
        default=True,
        description="apply the officers' targeting profiles (HOME/risk/profiles.yaml); false "
        "applies none",
    )
    aeo_benefit: bool = Field(
        default=True,
        description="apply the AEO benefits of the platform's AEO registry (importer, "
        "declarant or MRA-partner seller matched on the codes the declaration carries); false "
        "applies none",
    )


class RiskScorePublic(BaseModel):
    declaration_id: str
    item_number: int
    score: float = Field(ge=0, le=1, description="0-1, higher is riskier")
    critical_score: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="probability of a critical (public-safety) fraud, from the critical-fraud "
        "model; null when the model has none (too few critical cases in its training data)",
    )
    level: Literal["low", "medium", "high", "very high"]
    channel: Literal["red", "yellow", "blue", "green"]
    selection: Literal["alert", "profile", "random", "risk", "none"]
    duty_at_stake: float = Field(
        description="value x tax rate / 100, in the declaration's currency"
    )
    aeo: Literal["importer", "declarant", "partner", ""] = Field(
        description="the party whose AEO status lowered the score ('' for none)"
    )
    novelty: str = Field(
        description="what is new about the declaration (new importer, HS6 never declared, "
        "thin history): the score is less sure; '' when importer and goods are well known"
    )
    reasons: str


class RiskScoreResponse(BaseModel):
    model_version: str
    model_synthetic: bool = Field(
        description="the model was trained on synthetic declarations (the demo's): its scores "
        "say nothing about real risk"
    )
    alerts_applied: int = Field(
        ge=0, description="partner alerts in force on the declarations' dates, applied"
    )
    aeo_matched: int = Field(ge=0, description="declarations whose score an AEO benefit lowered")
    aeo_registry: str = Field(description="the AEO registry applied, or why none was")
    capacity_applied: bool = Field(
        description="office capacity applied (batch mode); a stream request is routed before "
        "the day's other declarations are known, so it applies none"
    )
    capacity: str = Field(
        description="the capacity rule set applied and what it left out, or why none was applied"
    )
    capacity_left_out: list[dict[str, object]] = Field(
        default_factory=list,
        description="offices and days where red or yellow asked for more than capacity "
        "(office, day, asked, capacity, left out, whom to escalate to)",
    )
    decisions_kept: int = Field(
        ge=0,
        description="declarations sent to red or yellow kept as decisions, so their "
        "inspection outcomes can be recorded (POST /api/risk/outcomes)",
    )
    results: list[RiskScorePublic]


class RiskModelPublic(BaseModel):
    version: str
    synthetic: bool = Field(
        description="trained on synthetic declarations (the demo's), not real ones"
    )
    created: str
    training: dict[str, object]
    evaluation: dict[str, object] | None


@router.post(
    "/score",
    response_model=RiskScoreResponse,
    dependencies=_SCORERS,
    responses=error_responses(404, 422, 500),
)
async def score_declarations(
    body: RiskScoreRequest,
    explain: Annotated[
        bool, Query(description="include the top reasons of each score (as in the body)")
    ] = False,
) -> RiskScoreResponse:
    """Score declarations: risk score, level, channel and selection notes; the reasons behind
    each score only with ``explain`` (in the body or the query), which costs far more."""
    model = _model_in_memory()
    if (
        model is not None
        and len(body.declarations) == 1
        and not (body.explain or explain)
        and body.mode == "stream"
    ):
        # one declaration with the model in memory: a fraction of a millisecond, less than
        # handing the work to a worker thread costs; keeping a red or yellow decision writes
        # a file, so that part goes to a worker thread
        response, rows = _score(model, body, explain, keep=False)
        if any(row.channel in ("red", "yellow") for row in response.results):
            from haiquan.risk.request_scoring import keep_request_decisions

            response.decisions_kept = await run_in_threadpool(
                keep_request_decisions, body.declarations, rows, model
            )
        return response
    return await run_in_threadpool(_load_and_score, body, explain)


def _model_in_memory() -> RiskModel | None:
    """The model if this process has it in memory already, else ``None``.

    The model's modules (LightGBM, scikit-learn) are imported by the first scoring, in a worker
    thread (:func:`_load_and_score`), not at start-up and never on the event loop.
    """
    store = sys.modules.get("haiquan.risk.store")
    if store is None:
        return None
    found: RiskModel | None = store.loaded_model(store.default_model_dir())
    return found


def _load_and_score(body: RiskScoreRequest, explain: bool) -> RiskScoreResponse:
    from haiquan.risk.store import default_model_dir, load_model

    return _score(load_model(default_model_dir()), body, explain)[0]


def _alerts(body: RiskScoreRequest) -> list[PartnerAlert]:
    if not body.partner_alerts:
        return []
    from haiquan.risk.service import alerts_in_force

    try:
        alerts, _ = alerts_in_force([d.date for d in body.declarations])
    except ValidationError as error:
        # the server's own file is damaged, not the caller's request: scoring without the
        # alerts would hide them, so the request fails and the operator is told
        raise ConfigurationError(
            error.summary, expected=error.expected, got=error.got, fix=error.fix
        ) from error
    return alerts


def _profiles(body: RiskScoreRequest) -> list[TargetingProfile]:
    if not body.targeting_profiles:
        return []
    try:
        kept = read_profiles()
    except ValidationError as error:
        # the server's own file is damaged, not the caller's request
        raise ConfigurationError(
            error.summary, expected=error.expected, got=error.got, fix=error.fix
        ) from error
    days = [d.date for d in body.declarations]
    return profiles_in_force(kept, min(days), max(days))


def _score(
    model: RiskModel, body: RiskScoreRequest, explain: bool, keep: bool = True
) -> tuple[RiskScoreResponse, list[dict[str, object]]]:
    """The answer, and the rows as scored (with what a kept decision records)."""
    from haiquan.risk.request_scoring import score_request

    alerts = _alerts(body)
    aeo = configured_aeo_directory(body.aeo_benefit)
    profiles = _profiles(body)
    scored = score_request(
        body.declarations,
        model,
        mode=body.mode,
        explain=body.explain or explain,
        alerts=alerts,
        aeo=aeo.directory,
        profiles=profiles,
        keep_decisions=keep,
    )
    response = RiskScoreResponse(
        model_version=str(model.meta.get("version")),
        model_synthetic=bool(model.meta.get("synthetic")),
        alerts_applied=len(alerts),
        aeo_matched=sum(1 for row in scored.rows if row["aeo"]),
        aeo_registry=aeo.where if body.aeo_benefit else "not applied (aeo_benefit: false)",
        capacity_applied=scored.capacity_rules is not None,
        capacity=scored.capacity_note,
        capacity_left_out=[e.as_dict() for e in scored.left_out],
        decisions_kept=scored.decisions_kept,
        results=[RiskScorePublic(**row) for row in scored.rows],
    )
    return response, scored.rows


@router.get("/model", response_model=RiskModelPublic, responses=error_responses(404))
def get_risk_model() -> RiskModelPublic:
    """The risk model in use: version, training period and its evaluation."""
    from haiquan.risk.store import default_model_dir, load_model

    model = load_model(default_model_dir())
    meta = model.meta
    return RiskModelPublic(
        version=str(meta.get("version")),
        synthetic=bool(meta.get("synthetic")),
        created=str(meta.get("created")),
        training=meta.get("training", {}),
        evaluation=meta.get("evaluation"),
    )


class OutcomeCreate(InspectionOutcome):
    """An inspection outcome as recorded through the API."""

    unselected: bool = Field(
        default=False,
        description="record it although haiquan did not select the goods item (an inspection "
        "decided outside haiquan); otherwise an item no scoring run selected is a 404",
    )


class OutcomePublic(BaseModel):
    declaration_id: str
    item_number: int
    found: bool
    duty_recovered: float
    fraud_type: str | None
    critical: bool = Field(description="a public-safety fraud type (KCS 'critical fraud')")
    inspected_on: str | None
    officer: str | None
    recorded_at: str
    channel: str | None = Field(description="the channel haiquan selected it for")
    selection: str | None


@router.post(
    "/outcomes",
    response_model=OutcomePublic,
    status_code=201,
    dependencies=[Depends(require_role(Role.RISK_OFFICER))],
    # 400: an inspection date no fraud-type rule set covers (older than the first).
    responses=error_responses(400, 404, 422),
)
def record_outcome(body: OutcomeCreate) -> OutcomePublic:
    """Record what the inspection of one goods item found (a later record corrects it)."""
    store = OutcomeStore()
    try:
        stored = store.record(
            InspectionOutcome(**body.model_dump(exclude={"unselected"})),
            require_decision=not body.unselected,
        )
    finally:
        store.close()
    inspected = stored["inspected_on"]
    return OutcomePublic(
        **{**stored, "inspected_on": None if inspected is None else str(inspected)}
    )


class FraudRatePublic(BaseModel):
    estimate: float | None = Field(
        description="fraud rate among all declarations, from the "
        "random draws (inverse-probability weighted)"
    )
    low: float | None
    high: float | None
    inspected: int
    awaiting: int


class ResultsPublic(BaseModel):
    by: str
    rows: list[dict[str, object]]
    random: FraudRatePublic
    unmatched_outcomes: int


@router.get(
    "/results", response_model=ResultsPublic, dependencies=_SCORERS, responses=error_responses(422)
)
def get_inspection_results(
    by: Annotated[
        Literal["channel", "office", "rule", "alert", "month"], Query(description="the grouping")
    ] = "channel",
) -> ResultsPublic:
    """Hit rate and duty recovered of inspections by channel, office, rule, alert or month."""
    report = inspection_results(by)
    return ResultsPublic(
        by=by,
        rows=results_rows(report),
        random=FraudRatePublic(**report.random.__dict__),
        unmatched_outcomes=report.unmatched_outcomes,
    )
