"""PSI per feature: zero for the training data itself, large for shifted data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from haiquan.risk.drift import population_stability_index, psi_report, reference_distribution
from haiquan.risk.features import FeatureBuilder
from haiquan.risk.model import RiskModel
from haiquan.risk.policy import load_drift_rules


def test_psi_of_identical_shares_is_zero_and_grows_with_shift() -> None:
    assert population_stability_index([0.25] * 4, [0.25] * 4) == 0.0
    small = population_stability_index([0.25] * 4, [0.3, 0.2, 0.25, 0.25])
    large = population_stability_index([0.25] * 4, [0.7, 0.1, 0.1, 0.1])
    assert 0 < small < large


def test_report_flags_a_shifted_feature() -> None:
    rng = np.random.default_rng(1)
    train = np.column_stack([rng.normal(size=5000), rng.integers(0, 3, 5000)]).astype(float)
    reference = reference_distribution(train, ["amount", "office"], {"office"})
    recent = np.column_stack([rng.normal(1.5, 1, 2000), rng.integers(0, 3, 2000)]).astype(float)
    report = psi_report(reference, recent, ["amount", "office"], load_drift_rules())
    assert report.iloc[0]["feature"] == "amount"
    assert report.iloc[0]["status"] == "significant"
    assert report.set_index("feature").loc["office", "status"] == "stable"


def test_training_data_does_not_drift_from_itself(
    small_model: RiskModel, synthetic_train: pd.DataFrame
) -> None:
    ordered = synthetic_train.sort_values("date", kind="stable").reset_index(drop=True)
    _, features = FeatureBuilder.fit(ordered)
    report = psi_report(
        small_model.meta["drift_reference"], features, small_model.feature_names, load_drift_rules()
    )
    assert len(report) == len(small_model.feature_names)
    assert report["psi"].max() < 1e-6
    assert report["status"].eq("stable").all()


def test_history_features_are_told_apart() -> None:
    rng = np.random.default_rng(2)
    names = ["importer_count", "log_value_vs_hs6_z", "new_route", "log_value"]
    train = rng.normal(size=(500, 4))
    report = psi_report(reference_distribution(train, names, set()), train, names,
                        load_drift_rules())
    kinds = report.set_index("feature")["kind"].to_dict()
    assert kinds == {"importer_count": "history", "log_value_vs_hs6_z": "history",
                     "new_route": "history", "log_value": "declaration"}


def test_declaration_features_come_before_larger_history_shifts() -> None:
    rng = np.random.default_rng(3)
    names = ["importer_count", "hs6_fraud_rate", "log_value", "tax_rate"]
    train = rng.normal(size=(3000, 4))
    recent = rng.normal(size=(1500, 4))
    recent[:, 0] += 3.0  # history shifts by design, far more than ...
    recent[:, 1] += 2.0
    recent[:, 2] += 0.5  # ... the declaration feature that signals changed trade
    report = psi_report(reference_distribution(train, names, set()), recent, names,
                        load_drift_rules())
    assert report["feature"].tolist()[:2] == ["log_value", "tax_rate"]
    assert report["kind"].tolist() == ["declaration", "declaration", "history", "history"]
    assert report["feature"].tolist()[2:] == ["importer_count", "hs6_fraud_rate"]
    # under a PSI-only order the history features would have come first
    assert report["psi"].max() > report.loc[0, "psi"]
