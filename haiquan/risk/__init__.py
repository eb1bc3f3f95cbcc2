"""Risk management of declarations: features, model, evaluation, selectivity, explanations.

Modules: :mod:`~haiquan.risk.features` (leak-free history features), :mod:`~haiquan.risk.model`
(LightGBM trained and selected on time-ordered data), :mod:`~haiquan.risk.evaluation` (precision,
recall and revenue at inspection rates), :mod:`~haiquan.risk.selectivity` (channels),
:mod:`~haiquan.risk.policy` (dated YAML rules), :mod:`~haiquan.risk.capacity` (office
capacity), :mod:`~haiquan.risk.aeo_benefit` (AEO matching), :mod:`~haiquan.risk.novelty` (how
sure a score is), :mod:`~haiquan.risk.alerts` (partner alerts and the AEO directory),
:mod:`~haiquan.risk.drift` (PSI), :mod:`~haiquan.risk.store` (versions),
:mod:`~haiquan.risk.scoring` and :mod:`~haiquan.risk.service` (what the CLI and API call).
``docs/risk.md`` explains the whole.
"""

from haiquan.risk.aeo_benefit import AeoMatches, configured_aeo_directory, match_aeo
from haiquan.risk.alerts import AeoDirectory, InMemoryAeoDirectory, PartnerAlert
from haiquan.risk.capacity import CapacityRules, LeftOut, apply_capacity, load_capacity_rules
from haiquan.risk.evaluation import evaluate_scores, selection_metrics
from haiquan.risk.features import FeatureBuilder
from haiquan.risk.model import RiskModel, TrainingConfig, evaluate_model, train_model
from haiquan.risk.novelty import novelty_flags
from haiquan.risk.outcomes import InspectionOutcome, OutcomeStore
from haiquan.risk.policy import SelectivityRules, load_drift_rules, load_selectivity_rules
from haiquan.risk.results import InspectionResults, inspection_results
from haiquan.risk.scoring import ScoredBatch, score_batch
from haiquan.risk.selectivity import CHANNELS, LEVELS, route_declarations, selection_draw
from haiquan.risk.service import (
    SCORE_COLUMNS,
    drift_report,
    read_partner_alerts,
    retrain_risk_model,
    score_declarations,
    score_file,
    score_records,
    train_risk_model,
)
from haiquan.risk.store import default_model_dir, list_versions, load_model, use_version

__all__ = [
    "CHANNELS",
    "LEVELS",
    "SCORE_COLUMNS",
    "AeoDirectory",
    "AeoMatches",
    "CapacityRules",
    "FeatureBuilder",
    "InMemoryAeoDirectory",
    "InspectionOutcome",
    "InspectionResults",
    "LeftOut",
    "OutcomeStore",
    "PartnerAlert",
    "RiskModel",
    "ScoredBatch",
    "SelectivityRules",
    "TrainingConfig",
    "apply_capacity",
    "configured_aeo_directory",
    "default_model_dir",
    "drift_report",
    "evaluate_model",
    "evaluate_scores",
    "inspection_results",
    "list_versions",
    "load_capacity_rules",
    "load_drift_rules",
    "load_model",
    "load_selectivity_rules",
    "match_aeo",
    "novelty_flags",
    "read_partner_alerts",
    "retrain_risk_model",
    "route_declarations",
    "score_batch",
    "score_declarations",
    "score_file",
    "score_records",
    "selection_draw",
    "selection_metrics",
    "train_model",
    "train_risk_model",
    "use_version",
]
