from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.forecast.metrics import (
    coverage,
    mase,
    naive_scale,
    score_forecasts,
    smape,
    summarise_scores,
)


def test_naive_scale_is_the_seasonal_naive_mae() -> None:
    y = np.array([1.0, 2, 3, 4, 3, 5, 6, 6])
    assert naive_scale(y, 4) == pytest.approx(np.mean([2, 3, 3, 2]))
    assert math.isnan(naive_scale(y[:4], 4))
    assert math.isnan(naive_scale(np.ones(10), 1))


@given(st.lists(st.floats(0, 1e9), min_size=1, max_size=20))
def test_smape_is_zero_for_a_perfect_forecast_and_bounded(values: list[float]) -> None:
    a = np.array(values)
    assert smape(a, a) == 0.0
    assert 0.0 <= smape(a, a * 2 + 1) <= 200.0


def test_coverage_counts_bounds_as_inside() -> None:
    assert coverage(np.array([1.0, 2, 3, 4]), np.array([1.0, 0, 4, 0]),
                    np.array([1.0, 1, 5, 5])) == 0.5


def test_score_forecasts_per_series_and_model() -> None:
    ds = pd.date_range("2023-01-01", periods=2, freq="MS")
    forecasts = pd.DataFrame({
        "unique_id": ["a", "a", "a", "a"], "ds": [*ds, *ds], "model": ["m1", "m1", "m2", "m2"],
        "yhat": [10.0, 10.0, 12.0, 8.0], "lo_80": [9.0, 9.0, 0, 0], "hi_80": [11.0, 11, 1, 1],
        "lo_95": [0.0, 0, 0, 0], "hi_95": [100.0, 100, 100, 100]})
    actuals = pd.DataFrame({"unique_id": ["a", "a"], "ds": ds, "y": [10.0, 12.0]})
    scores = score_forecasts(forecasts, actuals, pd.Series({"a": 2.0})).set_index("model")
    assert scores.loc["m1", "mase"] == pytest.approx(mase(np.array([10, 12]),
                                                          np.array([10, 10]), 2.0))
    assert scores.loc["m2", "mase"] == pytest.approx((2 + 4) / 2 / 2)
    assert scores.loc["m1", "coverage_80"] == 0.5
    assert scores.loc["m2", "coverage_95"] == 1.0
    assert scores.loc["m1", "smape"] == pytest.approx(smape(np.array([10, 12.0]),
                                                            np.array([10, 10.0])))
    summary = summarise_scores(scores.reset_index())
    assert summary["model"].tolist() == ["m1", "m2"]


def test_msis_is_width_plus_forty_times_each_miss_scaled_as_in_m4() -> None:
    from haiquan.forecast import msis

    actual = np.array([10.0, 20.0, 2.0])
    lower, upper = np.array([8.0, 8.0, 8.0]), np.array([12.0, 12.0, 12.0])
    # widths 4 each; misses: 8 above, 6 below, times 2 / 0.05 = 40
    expected = (4 + (4 + 40 * 8) + (4 + 40 * 6)) / 3 / 2.0
    assert msis(actual, lower, upper, scale=2.0) == pytest.approx(expected)
    # a band that covers everything only by being wide is not rewarded
    assert msis(actual, np.zeros(3), np.full(3, 1e3), scale=2.0) > msis(
        actual, lower, upper, scale=2.0)


def test_scores_skip_months_without_a_band_and_give_no_msis_for_them() -> None:
    ds = pd.date_range("2023-01-01", periods=2, freq="MS")
    forecasts = pd.DataFrame({
        "unique_id": ["a", "a", "b", "b"], "ds": [*ds, *ds], "model": "Ensemble",
        "yhat": 10.0, "lo_80": [9.0, np.nan, np.nan, np.nan],
        "hi_80": [11.0, np.nan, np.nan, np.nan], "lo_95": [8.0, np.nan, np.nan, np.nan],
        "hi_95": [12.0, np.nan, np.nan, np.nan]})
    actuals = pd.DataFrame({"unique_id": ["a", "a", "b", "b"], "ds": [*ds, *ds],
                            "y": [10.0, 30.0, 10.0, 10.0]})
    scores = score_forecasts(forecasts, actuals, pd.Series({"a": 1.0, "b": 1.0}))
    scores = scores.set_index("unique_id")
    assert scores.loc["a", "coverage_95"] == 1.0 and scores.loc["a", "n_band_95"] == 1
    assert np.isnan(scores.loc["a", "msis"])  # a month without a band is not a narrow band
    assert np.isnan(scores.loc["b", "coverage_80"]) and scores.loc["b", "n_band_80"] == 0
