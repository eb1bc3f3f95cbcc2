"""Selection metrics at inspection rates, checked against a brute-force count."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.risk.evaluation import evaluate_scores, selection_metrics


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.floats(0, 1), st.floats(0, 100)), min_size=1, max_size=60
    ),
    st.sampled_from([0.01, 0.05, 0.1, 0.5]),
)
def test_metrics_match_brute_force(rows: list[tuple[int, float, float]], rate: float) -> None:
    labels = np.array([r[0] for r in rows], dtype=float)
    scores = np.array([r[1] for r in rows])
    tax = np.array([r[2] for r in rows])
    k = max(1, int(round(len(rows) * rate)))
    order = sorted(range(len(rows)), key=lambda i: (-scores[i], i))[:k]
    got = selection_metrics(labels, scores, tax, rate)
    assert got["precision"] == labels[order].mean()
    if labels.sum():
        assert np.isclose(got["recall"], labels[order].sum() / labels.sum())
    fraud_tax = (tax * labels).sum()
    if fraud_tax:
        assert np.isclose(got["revenue"], (tax[order] * labels[order]).sum() / fraud_tax)


def test_perfect_ranking_has_auc_one() -> None:
    labels = np.array([0, 0, 1, 1, 0, 1])
    result = evaluate_scores(labels, labels + 0.1, np.ones(6), rates=(0.5,))
    assert result["auc"] == 1.0
    assert result["at"]["50%"]["precision"] == 1.0
