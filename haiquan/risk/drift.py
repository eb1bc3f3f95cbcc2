"""Drift monitoring: population stability index (PSI) per feature, training vs recent data.

A model trained on last year's declarations silently degrades when trade shifts (a new origin,
a tariff change, a new importer population). PSI compares each feature's distribution in recent
declarations with its distribution in the training data: ``sum((a - e) * ln(a / e))`` over bins,
with bins fixed at training time (deciles of numeric features; categories for codes) so the
comparison is always against the same yardstick.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from haiquan.risk.policy import DriftRules

__all__ = ["population_stability_index", "psi_report", "reference_distribution"]

_EPS = 1e-4  # floor for empty bins, so a bin seen only on one side gives a large, finite PSI


def population_stability_index(
    expected: Sequence[float] | np.ndarray, actual: Sequence[float] | np.ndarray
) -> float:
    """PSI between two binned distributions (shares that sum to 1).

    >>> population_stability_index([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> round(population_stability_index([0.5, 0.5], [0.9, 0.1]), 3)
    0.879
    """
    e = np.maximum(np.asarray(expected, dtype=float), _EPS)
    a = np.maximum(np.asarray(actual, dtype=float), _EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def _bin(values: np.ndarray, spec: Mapping[str, Any]) -> np.ndarray:
    """Shares per bin: the numeric or category bins, then one bin for missing values."""
    finite = np.isfinite(values)
    if spec["kind"] == "category":
        cats = np.asarray(spec["categories"], dtype=float)
        index = np.full(len(values), len(cats), dtype=int)  # "other"
        for j, c in enumerate(cats):
            index[finite & (values == c)] = j
        counts = np.bincount(index[finite], minlength=len(cats) + 1).astype(float)
    else:
        edges = np.asarray(spec["edges"], dtype=float)
        counts = np.bincount(
            np.searchsorted(edges, values[finite], side="right"), minlength=len(edges) + 1
        ).astype(float)
    counts = np.append(counts, (~finite).sum())
    return counts / max(len(values), 1)


def reference_distribution(
    features: np.ndarray, names: Sequence[str], categorical: set[str], bins: int = 10
) -> dict[str, dict[str, Any]]:
    """Bins and shares of each training feature, stored with the model (JSON-serialisable)."""
    reference: dict[str, dict[str, Any]] = {}
    for j, name in enumerate(names):
        values = features[:, j]
        finite = values[np.isfinite(values)]
        spec: dict[str, Any]
        if name in categorical:
            top = pd.Series(finite).value_counts().index[: bins - 1]
            spec = {"kind": "category", "categories": [float(c) for c in top]}
        else:
            edges = (
                np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1]))
                if len(finite)
                else np.array([])
            )
            spec = {"kind": "numeric", "edges": [float(e) for e in edges]}
        spec["expected"] = [float(s) for s in _bin(values, spec)]
        reference[name] = spec
    return reference


def psi_report(
    reference: Mapping[str, Mapping[str, Any]],
    features: np.ndarray,
    names: Sequence[str],
    rules: DriftRules,
) -> pd.DataFrame:
    """PSI per feature and its status (``stable``, ``moderate``, ``significant``):
    ``declaration`` features first, then ``history`` features, each worst first.

    ``kind`` tells history features (counts, past fraud rates, novelty flags, comparisons with
    past values) from features of the
    declaration itself: history features shift by design after training, because every scored
    declaration sees the whole training period behind it, while early training rows saw little.
    Shifts in ``declaration`` features (values, rates, origins, offices) are the ones that say
    trade has changed and the model may need retraining, so they come first: sorted by PSI
    alone, the expected history shifts would fill the top of the report.
    """
    rows = []
    for j, name in enumerate(names):
        spec = reference[name]
        psi = population_stability_index(spec["expected"], _bin(features[:, j], spec))
        status = (
            "significant"
            if psi >= rules.significant
            else "moderate"
            if psi >= rules.moderate
            else "stable"
        )
        history = (
            name.endswith(("_count", "_fraud_rate")) or name.startswith("new_") or "_vs_" in name
        )
        rows.append(
            {
                "feature": name,
                "psi": round(psi, 4),
                "status": status,
                "kind": "history" if history else "declaration",
            }
        )
    frame = pd.DataFrame(rows, columns=["feature", "psi", "status", "kind"])
    order = frame["kind"].map({"declaration": 0, "history": 1})
    return (
        frame.assign(_order=order)
        .sort_values(["_order", "psi"], ascending=[True, False], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
