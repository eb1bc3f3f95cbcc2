"""Calibrated intervals: conformal quantiles of pooled, scaled back-test errors (no models run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from haiquan.forecast.intervals import (
    apply_intervals,
    calibrate_intervals,
    min_errors,
    series_spread,
)

LEVELS = (80, 95)


def _backtests(n_series: int, windows: int, steps: int, *, sigma: np.ndarray,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Actual values whose log error against a centre of 100 is normal with ``sigma`` per
    series, growing like the square root of the step."""
    rng = np.random.default_rng(seed)
    growth = np.sqrt(np.arange(1, steps + 1))
    errors = rng.normal(size=(n_series, windows, steps)) * sigma[:, None, None] * growth
    centre = np.full((n_series, windows, steps), 100.0)
    ids = [f"s{i}" for i in range(n_series)]
    return centre * np.exp(errors), centre, ids


def test_bands_cover_new_draws_at_their_level_for_series_of_any_volatility() -> None:
    sigma = np.geomspace(0.02, 0.5, 200)  # steady and volatile series pooled together
    actual, centre, ids = _backtests(200, 3, 4, sigma=sigma)
    spread = pd.Series(sigma, index=ids)  # a spread proportional to each series' volatility
    calibration = calibrate_intervals(actual, centre, ids, spread, pd.Series(True, index=ids),
                                      LEVELS)
    future, _, _ = _backtests(200, 20, 4, sigma=sigma, seed=1)
    ds = pd.date_range("2024-01-01", periods=4, freq="MS")
    forecasts = pd.DataFrame({"unique_id": np.repeat(ids, 4), "ds": np.tile(ds, 200),
                              "yhat": 100.0})
    banded = apply_intervals(forecasts, calibration).set_index(["unique_id", "ds"]).reindex(
        pd.MultiIndex.from_product([ids, ds]))
    lo = banded["lo_95"].to_numpy().reshape(200, 1, 4)
    hi = banded["hi_95"].to_numpy().reshape(200, 1, 4)
    covered = (future >= lo) & (future <= hi)
    assert covered.mean() == pytest.approx(0.95, abs=0.02)
    lo80 = banded["lo_80"].to_numpy().reshape(200, 1, 4)
    hi80 = banded["hi_80"].to_numpy().reshape(200, 1, 4)
    assert ((future >= lo80) & (future <= hi80)).mean() == pytest.approx(0.80, abs=0.03)
    # Pooled with scaling, the volatile tenth is not starved nor the steady tenth drowned.
    assert covered[:20].mean() == pytest.approx(0.95, abs=0.04)
    assert covered[-20:].mean() == pytest.approx(0.95, abs=0.04)
    assert banded["band_usable"].all() and (banded["lo_95"] > 0).all()


def test_a_band_never_narrows_further_ahead_and_95_contains_80() -> None:
    actual, centre, ids = _backtests(60, 3, 6, sigma=np.full(60, 0.1), seed=4)
    calibration = calibrate_intervals(actual, centre, ids, pd.Series(0.1, index=ids),
                                      pd.Series(True, index=ids), LEVELS)
    for level in LEVELS:
        assert (np.diff(calibration.upper[level]) >= 0).all()
        assert (np.diff(calibration.lower[level]) <= 0).all()
    assert (calibration.upper[95] >= calibration.upper[80]).all()
    assert (calibration.lower[95] <= calibration.lower[80]).all()


def test_too_few_errors_leave_the_level_unsupported() -> None:
    assert (min_errors(95), min_errors(80), min_errors(50)) == (39, 9, 3)
    actual, centre, ids = _backtests(5, 3, 2, sigma=np.full(5, 0.1))  # 15 errors per step
    calibration = calibrate_intervals(actual, centre, ids, pd.Series(0.1, index=ids),
                                      pd.Series(True, index=ids), LEVELS)
    assert calibration.supported(80).all() and not calibration.supported(95).any()
    forecasts = pd.DataFrame({"unique_id": "s0", "ds": pd.date_range("2024-01-01", periods=2,
                                                                      freq="MS"),
                              "yhat": 50.0})
    banded = apply_intervals(forecasts, calibration)
    # A row has its bands or none: an 80 % band alone would pass for the whole story.
    assert banded["lo_80"].isna().all() and banded["lo_95"].isna().all()
    assert not banded["band_usable"].any()


def test_a_series_with_zeros_is_banded_in_dollars_and_clipped_at_zero() -> None:
    actual, centre, ids = _backtests(50, 3, 2, sigma=np.full(50, 0.3), seed=2)
    spread = pd.Series(30.0, index=ids)
    calibration = calibrate_intervals(actual, centre, ids, spread, pd.Series(False, index=ids),
                                      LEVELS)
    forecasts = pd.DataFrame({"unique_id": "s1", "ds": pd.date_range("2024-01-01", periods=2,
                                                                      freq="MS"),
                              "yhat": [10.0, 400.0]})
    banded = apply_intervals(forecasts, calibration)
    assert banded["lo_95"].iloc[0] == 0.0  # 10 minus a dollar-scale band
    # Additive in dollars: the forecast plus the spread times the step's quantile.
    expected = np.array([10.0, 400.0]) + 30.0 * calibration.upper[95][:2]
    assert banded["hi_95"].to_numpy() == pytest.approx(expected)


def test_spread_is_the_recent_mean_absolute_seasonal_change() -> None:
    # Annual: the last ten changes only; an early jump (an embargo lifted) is forgotten.
    years = np.concatenate([[1.0, 1000.0], 1000.0 * 1.1 ** np.arange(1, 12)])
    assert series_spread(years, 1, True) == pytest.approx(np.log(1.1))
    monthly = np.tile(np.arange(1.0, 13.0), 3) + np.repeat([0.0, 2.0, 4.0], 12)
    assert series_spread(monthly, 12, False) == pytest.approx(2.0)
    assert np.isnan(series_spread(np.array([5.0]), 1, True))


def test_a_band_too_wide_to_read_is_not_given_from_that_step_on() -> None:
    # A steady series (spread 0.05) and one whose level swings by a factor of e^2 a year.
    actual, centre, ids = _backtests(60, 3, 5, sigma=np.full(60, 1.0), seed=5)
    calibration = calibrate_intervals(actual, centre, ids, pd.Series(1.0, index=ids),
                                      pd.Series(True, index=ids), LEVELS)
    calibration.spread = pd.Series({"steady": 0.05, "volatile": 2.0})
    calibration.logged = pd.Series({"steady": True, "volatile": True})
    ds = pd.date_range("2021-01-01", periods=5, freq="YS")
    forecasts = pd.DataFrame({"unique_id": np.repeat(["steady", "volatile"], 5),
                              "ds": np.tile(ds, 2), "yhat": 3e8})
    banded = apply_intervals(forecasts, calibration).set_index("unique_id")
    assert banded.loc["steady", "band_usable"].all()
    volatile = banded.loc["volatile"]
    assert not volatile["band_usable"].all() and volatile["hi_95"].isna().iloc[-1]
    # once gone, gone for every later year
    usable = volatile["band_usable"].to_numpy()
    assert (usable[:-1] >= usable[1:]).all()
    assert usable[0] and (volatile.loc[volatile["band_usable"], "hi_95"] <= 100 * 3e8).all()
