"""The ensemble's choices follow the back-test errors (hand-made member tables, no models run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from haiquan.forecast.ensemble import choose_ensemble, combine_forecasts

LEVELS = (80, 95)


def member_table(errors: dict[str, dict[str, float]], *, windows: int = 2, h: int = 4,
                 half_width: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """CV rows where member m of series s misses the truth by about ``errors[s][m]``."""
    rng = np.random.default_rng(seed)
    rows = []
    cutoffs = pd.date_range("2020-01-01", periods=windows, freq="6MS")
    for uid, by_member in errors.items():
        for cutoff in cutoffs:
            ds = pd.date_range(cutoff + pd.DateOffset(months=1), periods=h, freq="MS")
            truth = 100 + rng.normal(0, 1, h)
            for member, error in by_member.items():
                sign = rng.choice([-1.0, 1.0], h)
                mean = truth + sign * error
                row = {"unique_id": uid, "kind": "cv", "cutoff": cutoff, "ds": ds,
                       "member": member, "y": truth, "mean": mean}
                for level in LEVELS:
                    row[f"lo_{level}"] = mean - half_width
                    row[f"hi_{level}"] = mean + half_width
                rows.append(pd.DataFrame(row))
    return pd.concat(rows, ignore_index=True)


def test_the_member_with_smaller_backtest_errors_gets_more_weight() -> None:
    errors = {f"s{i}": {"good": 1.0, "bad": 5.0, "worse": 9.0} for i in range(6)}
    cv = member_table(errors)
    choice = choose_ensemble(cv, pd.Series(1.0, index=list(errors)), ["good", "bad", "worse"],
                             LEVELS, calibrate=False)
    weights = choice.weights
    assert (weights["good"] > weights["bad"]).all()
    assert (weights["bad"] >= weights["worse"]).all()
    assert np.allclose(weights.sum(axis=1), 1.0)
    assert choice.member_mase["good"] < choice.member_mase["bad"]
    assert not choice.in_sample
    assert len(choice.grid) > 1 and choice.backtest_mase == choice.grid["mase"].min()


def test_per_series_weights_follow_each_series_when_rankings_differ() -> None:
    errors = {"a": {"m1": 0.5, "m2": 8.0}, "b": {"m1": 8.0, "m2": 0.5}}
    cv = member_table(errors, windows=3)
    choice = choose_ensemble(cv, pd.Series(1.0, index=["a", "b"]), ["m1", "m2"], LEVELS,
                             calibrate=False)
    assert choice.shrink < 1.0
    assert choice.weights.loc["a", "m1"] > 0.5 > choice.weights.loc["b", "m1"]


def test_calibration_widens_intervals_that_cover_too_little() -> None:
    errors = {f"s{i}": {"m": 3.0} for i in range(10)}
    cv = member_table(errors, half_width=1.0)
    choice = choose_ensemble(cv, pd.Series(1.0, index=list(errors)), ["m"], LEVELS)
    assert choice.interval_scale[80] > 2.0
    assert choice.interval_scale[95] >= choice.interval_scale[80]


def test_combined_forecast_is_the_weighted_mean_with_a_label() -> None:
    errors = {"a": {"m1": 1.0, "m2": 3.0}}
    cv = member_table(errors)
    choice = choose_ensemble(cv, pd.Series(1.0, index=["a"]), ["m1", "m2"], LEVELS,
                             calibrate=False)
    ds = pd.date_range("2024-01-01", periods=2, freq="MS")
    finals = pd.DataFrame({
        "unique_id": "a", "kind": "forecast", "ds": [*ds, *ds], "member": ["m1", "m1", "m2", "m2"],
        "mean": [10.0, 20.0, 30.0, 40.0], "lo_80": 0.0, "hi_80": 50.0, "lo_95": 0.0,
        "hi_95": 60.0})
    out = combine_forecasts(finals, choice, LEVELS)
    w1, w2 = choice.weights.loc["a", "m1"], choice.weights.loc["a", "m2"]
    assert out["yhat"].tolist() == pytest.approx([10 * w1 + 30 * w2, 20 * w1 + 40 * w2])
    assert out["model"].iloc[0].startswith("Ensemble(m1:")
