"""Training and selecting on time-ordered data; predictions, explanations, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from haiquan.errors import DataFileError
from haiquan.risk.model import RiskModel, describe_feature, train_model
from tests.risk.conftest import SMALL


def test_selection_window_is_the_last_days(small_model: RiskModel) -> None:
    training = small_model.meta["training"]
    assert training["to"] == "2024-12-31"
    assert training["selection_window_from"] == "2024-11-02"  # 60 days, inclusive
    assert small_model.meta["chosen"]["rounds"] >= 1


def test_beats_random_on_later_months(small_model: RiskModel) -> None:
    evaluation = small_model.meta["evaluation"]
    model = evaluation["model"]
    random = evaluation["baselines"]["random"]
    assert model["auc"] > 0.7
    assert model["at"]["10%"]["precision"] > 2 * random["at"]["10%"]["precision"]
    assert set(evaluation["baselines"]) == {"random", "highest_value", "importer_history"}


def test_scores_are_probabilities_and_reasons_name_features(
    small_model: RiskModel, synthetic_later: pd.DataFrame
) -> None:
    features = small_model.features(synthetic_later.head(50))
    scores = small_model.predict(features)
    assert scores.shape == (50,)
    assert ((scores >= 0) & (scores <= 1)).all()
    reasons = small_model.explain(features[:5], top=2)
    assert len(reasons) == 5
    assert all(r.count("(odds x") <= 2 for r in reasons)
    assert any("(odds x" in r for r in reasons)
    # a past fraud rate is quoted as the counts behind it, not as a smoothed rate
    columns = {k: v.to_numpy() for k, v in synthetic_later.head(50).items()}
    counted = small_model.explain(features, top=5, columns=columns)
    quoted = [r for r in counted if "inspected past declaration" in r]
    assert quoted and not any("past fraud rate" in r for r in counted)


def test_unlabelled_or_one_sided_training_data_is_refused(synthetic_train: pd.DataFrame) -> None:
    unlabelled = synthetic_train.copy()
    unlabelled.loc[5, "fraud"] = pd.NA
    with pytest.raises(DataFileError, match="inspection results") as caught:
        train_model(unlabelled, config=SMALL)
    assert caught.value.problems[0]["row"] == 7
    honest = synthetic_train.copy()
    honest["fraud"] = pd.array(np.zeros(len(honest), dtype=int), dtype="Int8")
    with pytest.raises(DataFileError, match="both outcomes"):
        train_model(honest, config=SMALL)


def test_too_short_a_period_is_refused(synthetic_train: pd.DataFrame) -> None:
    short = synthetic_train[synthetic_train["date"] < pd.Timestamp("2024-02-15")]
    with pytest.raises(DataFileError, match="selection window"):
        train_model(short.reset_index(drop=True), config=SMALL)


def test_describe_feature_reads_well() -> None:
    assert describe_feature("new_importer", 1.0) == "first declaration of this importer"
    assert describe_feature("new_route", 0.0) == (
        "route (departure and origin country) declared before")
    assert describe_feature("hs6_count", 1234.0) == "1,234 past declarations of this HS subheading"
    assert describe_feature("hs6_origin_fraud_rate", 0.31) == (
        "past fraud rate of this HS subheading and origin 31%")
    assert describe_feature("office", 3.0, "HCM01") == "customs office HCM01"
    assert describe_feature("importer_is_aeo", 1.0) == "importer is an AEO"
    assert describe_feature("importer_is_aeo", 0.0) == "importer is not an AEO"
    assert describe_feature("tax_rate", 0.1) == "tax rate 0.1 %"  # KCS rates are in percent
    # amounts carry their unit: the declaration's currency, kilograms
    assert describe_feature("log_value", float(np.log1p(59000.0)), currency="KRW") == (
        "declared value 59,000 KRW")
    assert describe_feature("log_value", float(np.log1p(59000.0))) == "declared value 59,000"
    assert describe_feature("log_mass", float(np.log1p(901.0))) == "net mass 901 kg"
    assert describe_feature("log_value_per_kg_vs_hs6_diff", float(np.log(3.0))) == (
        "value per kg 3.0 times the past average for its HS subheading")
    assert describe_feature("tax_rate_vs_hs4_diff", -5.0) == (
        "tax rate 5 below the past average for its HS heading")
    assert describe_feature("log_mass_vs_hs4_z", -5.5) == (
        "net mass 5.5 standard deviations below the past average for its HS heading")
    assert describe_feature("log_value_vs_hs6_z", float("nan")) == (
        "declared value: no past declarations of its HS subheading to compare with")


def test_path_contributions_add_up_to_the_raw_score(
    small_model: RiskModel, synthetic_later: pd.DataFrame
) -> None:
    import numpy as np

    features = small_model.features(synthetic_later.head(300))
    contributions = small_model.contributions(features)
    raw = small_model.booster.predict(features, raw_score=True)
    assert small_model._paths is not None
    total = contributions.sum(axis=1) + small_model._paths.expected()
    np.testing.assert_allclose(total, raw, atol=1e-9)
    assert (contributions != 0).any(axis=1).all()


def test_critical_fraud_is_modelled_scored_and_noted(
    small_model: RiskModel, synthetic_train: pd.DataFrame, synthetic_later: pd.DataFrame
) -> None:
    from haiquan.risk.model import train_model
    from haiquan.risk.service import score_declarations
    from tests.risk.conftest import SMALL

    # the generator marks few frauds critical: too few to learn from, and said so
    assert not small_model.meta["critical"]["trained"]
    assert "critical cases" in small_model.meta["critical"]["why"]
    assert score_declarations(synthetic_later.head(30), small_model)["critical_score"].isna().all()

    def more_critical(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        fraud = out["fraud"].eq(1) & out["hs_code"].str[:2].isin(["61", "62", "85", "30"])
        out["critical_fraud"] = out["critical_fraud"].mask(fraud, 2)
        return out

    model = train_model(more_critical(synthetic_train), config=SMALL,
                        valid=more_critical(synthetic_later))
    assert model.meta["critical"]["trained"], model.meta["critical"]
    scored = score_declarations(synthetic_later, model, explain="none")
    assert scored["critical_score"].between(0, 1).all()
    top = scored["reasons"].str.contains("critical fraud risk (public safety", regex=False)
    assert top.any()
    assert scored.loc[top, "critical_score"].min() >= scored.loc[~top, "critical_score"].median()
    assert model.meta["evaluation"]["critical"]["auc"] > 0.5  # reported on the valid file
