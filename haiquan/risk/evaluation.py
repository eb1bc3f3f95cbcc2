"""Evaluation as customs measures selection: what an inspection budget catches.

Customs inspects a fixed share of declarations, so a model is judged at inspection rates (1, 2,
5, 10 %): **precision** (share of inspected declarations found fraudulent), **recall** (share of
all frauds inspected) and **revenue captured** (tax at stake — value x tax rate — of the frauds
inspected, as a share of the tax at stake of all frauds). AUC summarises the whole ranking.
Baselines show what the model adds: random selection, highest value first and importer history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = ["DEFAULT_RATES", "evaluate_scores", "selection_metrics"]

DEFAULT_RATES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10)


def selection_metrics(
    labels: np.ndarray, scores: np.ndarray, tax_at_stake: np.ndarray, rate: float
) -> dict[str, float]:
    """Precision, recall and revenue share when the top ``rate`` share by score is inspected.

    Ties are broken by position (stable), so equal scores do not inflate a baseline.

    >>> selection_metrics(np.array([1, 0, 1, 0]), np.array([.9, .8, .1, .2]), np.ones(4), 0.5)
    {'precision': 0.5, 'recall': 0.5, 'revenue': 0.5}
    """
    labels = np.asarray(labels, dtype=float)
    n = len(labels)
    k = max(1, int(round(n * rate)))
    top = np.argsort(-np.asarray(scores, dtype=float), kind="stable")[:k]
    frauds = labels.sum()
    fraud_tax = float((tax_at_stake * labels).sum())
    return {
        "precision": float(labels[top].mean()),
        "recall": float(labels[top].sum() / frauds) if frauds else 0.0,
        "revenue": float((tax_at_stake[top] * labels[top]).sum() / fraud_tax) if fraud_tax else 0.0,
    }


def evaluate_scores(
    labels: np.ndarray,
    scores: np.ndarray,
    tax_at_stake: np.ndarray,
    rates: Sequence[float] = DEFAULT_RATES,
) -> dict[str, Any]:
    """AUC and :func:`selection_metrics` at each rate: ``{"auc": .., "at": {"5%": {...}}}``."""
    labels = np.asarray(labels, dtype=float)
    auc = float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else float("nan")
    return {
        "rows": int(len(labels)),
        "fraud_rate": float(labels.mean()) if len(labels) else float("nan"),
        "auc": auc,
        "at": {
            f"{rate:.0%}": selection_metrics(labels, scores, tax_at_stake, rate) for rate in rates
        },
    }
