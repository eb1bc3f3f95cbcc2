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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each public name lives. Each is imported on first use (PEP 562), so importing one
#: part of the package (the AEO matching, the alerts) does not load LightGBM and scikit-learn
#: with the model: the web server starts without them and loads them on the first scoring.
_EXPORTS: dict[str, str] = {
    "AeoMatches": "haiquan.risk.aeo_benefit",
    "configured_aeo_directory": "haiquan.risk.aeo_benefit",
    "match_aeo": "haiquan.risk.aeo_benefit",
    "AeoDirectory": "haiquan.risk.alerts",
    "InMemoryAeoDirectory": "haiquan.risk.alerts",
    "PartnerAlert": "haiquan.risk.alerts",
    "CapacityRules": "haiquan.risk.capacity",
    "LeftOut": "haiquan.risk.capacity",
    "apply_capacity": "haiquan.risk.capacity",
    "load_capacity_rules": "haiquan.risk.capacity",
    "evaluate_scores": "haiquan.risk.evaluation",
    "selection_metrics": "haiquan.risk.evaluation",
    "FeatureBuilder": "haiquan.risk.features",
    "RiskModel": "haiquan.risk.model",
    "TrainingConfig": "haiquan.risk.model",
    "evaluate_model": "haiquan.risk.model",
    "train_model": "haiquan.risk.model",
    "novelty_flags": "haiquan.risk.novelty",
    "InspectionOutcome": "haiquan.risk.outcomes",
    "OutcomeStore": "haiquan.risk.outcomes",
    "SelectivityRules": "haiquan.risk.policy",
    "load_drift_rules": "haiquan.risk.policy",
    "load_selectivity_rules": "haiquan.risk.policy",
    "InspectionResults": "haiquan.risk.results",
    "inspection_results": "haiquan.risk.results",
    "ScoredBatch": "haiquan.risk.scoring",
    "score_batch": "haiquan.risk.scoring",
    "CHANNELS": "haiquan.risk.selectivity",
    "LEVELS": "haiquan.risk.selectivity",
    "route_declarations": "haiquan.risk.selectivity",
    "selection_draw": "haiquan.risk.selectivity",
    "SCORE_COLUMNS": "haiquan.risk.service",
    "drift_report": "haiquan.risk.service",
    "read_partner_alerts": "haiquan.risk.service",
    "retrain_risk_model": "haiquan.risk.service",
    "score_declarations": "haiquan.risk.service",
    "score_file": "haiquan.risk.service",
    "score_records": "haiquan.risk.service",
    "train_risk_model": "haiquan.risk.service",
    "default_model_dir": "haiquan.risk.store",
    "list_versions": "haiquan.risk.store",
    "load_model": "haiquan.risk.store",
    "use_version": "haiquan.risk.store",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
