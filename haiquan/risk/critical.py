"""The critical-fraud model: how likely a declaration hides a public-safety fraud.

The KCS labels say not only whether an inspection found fraud but whether it was **critical**
(``critical_fraud`` = 2: intellectual property, drugs, false origin and other public-safety
cases — 545 of 54,000 declarations). A duty-fraud score ranks those with every undervaluation;
an officer who must find the dangerous consignment needs its own score. So a second LightGBM
model is trained on the same features and the same time-ordered selection window (early stopping
on it, refit on all days), with the configuration chosen for the fraud model, when the training
data holds enough critical cases; scoring gives its probability as ``critical_score`` and notes
the declarations in the top of its reference scores.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

__all__ = ["CRITICAL_NOTE_PERCENTILE", "critical_labels", "train_critical"]

#: Declarations at or above this percentile of the critical model's reference scores are noted.
CRITICAL_NOTE_PERCENTILE = 0.98
#: Fewer critical cases than this before, or in, the selection window: no critical model.
_MIN_FIT, _MIN_SELECTION = 20, 5


def critical_labels(frame: pd.DataFrame) -> np.ndarray | None:
    """1.0 where the inspection found a critical fraud, 0.0 where it found none or another
    fraud, ``None`` when the file carries no critical label."""
    if "critical_fraud" not in frame.columns:
        return None
    values = frame["critical_fraud"].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).all():
        return None
    return (values == 2).astype(float)


def train_critical(
    frame: pd.DataFrame,
    features: np.ndarray,
    fit_rows: np.ndarray,
    selection_rows: np.ndarray,
    params: dict[str, Any],
    categorical: list[int],
    max_rounds: int,
    early_stopping: int,
) -> tuple[lgb.Booster, np.ndarray, dict[str, Any]] | tuple[None, None, dict[str, Any]]:
    """The critical model, its reference scores (quantiles on the selection window) and what
    to record; ``(None, None, why)`` when there are too few critical cases to learn from."""
    labels = critical_labels(frame)
    if labels is None:
        return None, None, {"trained": False, "why": "no critical_fraud label"}
    found = (int(labels[fit_rows].sum()), int(labels[selection_rows].sum()))
    if found[0] < _MIN_FIT or found[1] < _MIN_SELECTION:
        return None, None, {
            "trained": False,
            "why": f"{found[0]} critical cases before the selection window and {found[1]} in it "
                   f"(at least {_MIN_FIT} and {_MIN_SELECTION} needed)",
        }
    data = lgb.Dataset(features[fit_rows], labels[fit_rows], categorical_feature=categorical,
                       free_raw_data=False)
    check = lgb.Dataset(features[selection_rows], labels[selection_rows], reference=data,
                        categorical_feature=categorical)
    first = lgb.train(params, data, num_boost_round=max_rounds, valid_sets=[check],
                      callbacks=[lgb.early_stopping(early_stopping, verbose=False)])
    rounds = max(1, int(round(max(first.best_iteration, 1) * 1.1)))
    booster = lgb.train(params, lgb.Dataset(features, labels, categorical_feature=categorical),
                        num_boost_round=rounds)
    scores = np.asarray(booster.predict(features[selection_rows]), dtype=float)
    reference = np.quantile(np.sort(scores), np.linspace(0, 1, 1001))
    return booster, reference, {"trained": True, "rounds": rounds,
                                "critical_cases": int(labels.sum())}
