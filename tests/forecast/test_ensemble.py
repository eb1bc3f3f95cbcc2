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


def test_calibrated_bands_come_from_the_backtest_errors_not_the_members_bands() -> None:
    # The member's own band is +-1 while it misses by 3: the calibrated band must reach 3.
    errors = {f"s{i}": {"m": 3.0} for i in range(30)}
    cv = member_table(errors, half_width=1.0, windows=3)
    ids = list(errors)
    choice = choose_ensemble(cv, pd.Series(1.0, index=ids), ["m"], LEVELS,
                             spread=pd.Series(1.0, index=ids))
    calibration = choice.intervals
    assert calibration is not None
    for level in LEVELS:
        assert calibration.supported(level).all()
        assert (calibration.upper[level] >= 2.5).all() and (calibration.lower[level] <= -2.5).all()
    ds = pd.date_range("2024-01-01", periods=4, freq="MS")
    finals = pd.DataFrame({"unique_id": "s0", "kind": "forecast", "ds": ds, "member": "m",
                           "mean": 100.0, "lo_80": 99.0, "hi_80": 101.0, "lo_95": 99.0,
                           "hi_95": 101.0})
    out = combine_forecasts(finals, choice, LEVELS)
    assert out["band_usable"].all()
    assert (out["hi_80"] - out["yhat"] >= 2.5).all() and (out["yhat"] - out["lo_80"] >= 2.5).all()
    assert (out["hi_95"] >= out["hi_80"]).all() and (out["lo_95"] <= out["lo_80"]).all()


def test_too_few_backtest_errors_give_no_95_band() -> None:
    # 2 series x 3 windows = 6 errors per step: not even an 80 % band (9 needed).
    errors = {"a": {"m": 1.0}, "b": {"m": 1.0}}
    cv = member_table(errors, windows=3)
    choice = choose_ensemble(cv, pd.Series(1.0, index=["a", "b"]), ["m"], LEVELS)
    assert choice.intervals is not None
    assert not choice.intervals.supported(95).any()
    ds = pd.date_range("2024-01-01", periods=2, freq="MS")
    finals = pd.DataFrame({"unique_id": "a", "kind": "forecast", "ds": ds, "member": "m",
                           "mean": 10.0, "lo_80": 9.0, "hi_80": 11.0, "lo_95": 8.0,
                           "hi_95": 12.0})
    out = combine_forecasts(finals, choice, LEVELS)
    assert not out["band_usable"].any() and out["lo_95"].isna().all()
    assert out["yhat"].tolist() == pytest.approx([10.0, 10.0])


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


def test_members_that_err_by_opposite_factors_are_combined_geometrically() -> None:
    # Trade errors are multiplicative: one member is r times too high where the other is r
    # times too low. Their geometric mean is exact, no arithmetic weighting is.
    rng = np.random.default_rng(3)
    rows = []
    for uid in ("a", "b", "c"):
        for cutoff in pd.date_range("2020-01-01", periods=3, freq="6MS"):
            ds = pd.date_range(cutoff + pd.DateOffset(months=1), periods=4, freq="MS")
            truth = 100 * np.exp(rng.normal(0, 0.1, 4))
            factor = np.exp(rng.uniform(0.1, 0.6, 4))
            for member, mean in (("high", truth * factor), ("low", truth / factor)):
                rows.append(pd.DataFrame({
                    "unique_id": uid, "kind": "cv", "cutoff": cutoff, "ds": ds,
                    "member": member, "y": truth, "mean": mean, "lo_80": mean * 0.9,
                    "hi_80": mean * 1.1, "lo_95": mean * 0.8, "hi_95": mean * 1.2}))
    cv = pd.concat(rows, ignore_index=True)
    choice = choose_ensemble(cv, pd.Series(1.0, index=["a", "b", "c"]), ["high", "low"], LEVELS,
                             calibrate=False)
    assert choice.geometric and choice.weighting == "equal"
    assert choice.backtest_mase == pytest.approx(0.0, abs=1e-9)
    assert choice.rule == "equal weights, geometric mean"
    finals = cv[cv["cutoff"] == cv["cutoff"].max()].assign(kind="forecast")
    out = combine_forecasts(finals, choice, LEVELS)
    truth = finals[finals["member"] == "high"].sort_values(["unique_id", "ds"])["y"].to_numpy()
    assert out.sort_values(["unique_id", "ds"])["yhat"].to_numpy() == pytest.approx(truth)
    assert out["model"].iloc[0] == "Ensemble(geometric high:0.50+low:0.50)"


def test_equally_good_members_get_equal_weights() -> None:
    # Ties between rules go to the simplest one: equal weights before inverse-error weights.
    errors = {f"s{i}": {"m1": 2.0, "m2": 2.0} for i in range(4)}
    cv = member_table(errors, windows=3)
    choice = choose_ensemble(cv, pd.Series(1.0, index=list(errors)), ["m1", "m2"], LEVELS,
                             calibrate=False)
    assert choice.weighting == "equal" and not choice.geometric
    assert np.allclose(choice.weights.to_numpy(), 0.5)
    assert choice.grid.iloc[0]["weighting"] == "equal"


def test_model_labels_are_the_forms_docs_forecast_md_shows() -> None:
    from pathlib import Path

    from haiquan.forecast.ensemble import _label

    docs = (Path(__file__).resolve().parents[2] / "docs" / "forecast.md").read_text()
    weights = pd.Series({"ETSdamped": 0.14, "DOTM": 0.86})
    for geometric in (False, True):
        label = _label(weights, geometric)
        # the docs show each form with DOTM first: '`Ensemble(DOTM:0.14+...'
        head = label.split("DOTM")[0]
        assert f"`{head}DOTM:0.14+" in docs, label
