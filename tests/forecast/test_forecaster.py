from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from haiquan.errors import InputError
from haiquan.forecast import BENCHMARK, ENSEMBLE, Forecaster, flows_to_panel
from haiquan.forecast.models import INTERMITTENT_METHOD, SHORT_METHOD


@pytest.fixture
def mixed_panel(make_flows) -> pd.DataFrame:
    """Two regular series, a short one, an intermittent one, a too-short one, a stale one."""
    flows = make_flows({"CHN": 96, "MEX": 96, "VNM": 20, "LAO": 96, "KHM": 2},
                       zeros=["LAO"])
    stale = make_flows({"ISR": 80}, end="2015-12")
    panel, _ = flows_to_panel(pd.concat([flows, stale], ignore_index=True))
    return panel


def test_each_series_gets_a_method_suited_to_it(mixed_panel, quick_config, local_engine) -> None:
    forecaster = Forecaster(quick_config, local_engine)
    out = forecaster.forecast(mixed_panel)
    classes = forecaster.series_.set_index("unique_id")["series_class"]
    assert classes["USA|CHN|export|M|TOTAL"] == "regular"
    assert classes["USA|VNM|export|M|TOTAL"] == "short"
    assert classes["USA|LAO|export|M|TOTAL"] == "intermittent"
    assert classes["USA|KHM|export|M|TOTAL"] == "skipped"
    assert classes["USA|ISR|export|M|TOTAL"] == "skipped"
    models = out.groupby("unique_id")["model"].first()
    assert models["USA|CHN|export|M|TOTAL"].startswith("Ensemble(")
    assert models["USA|VNM|export|M|TOTAL"] == SHORT_METHOD
    assert models["USA|LAO|export|M|TOTAL"] == INTERMITTENT_METHOD
    assert set(out["unique_id"]) == {"USA|CHN|export|M|TOTAL", "USA|MEX|export|M|TOTAL",
                                     "USA|VNM|export|M|TOTAL", "USA|LAO|export|M|TOTAL"}
    assert (out.groupby("unique_id").size() == 6).all()
    first = out.groupby("unique_id")["ds"].min()
    assert (first == pd.Timestamp("2023-07-01")).all()


def test_intervals_are_ordered_and_non_negative(make_flows, quick_config, local_engine) -> None:
    # 20 regular series x 2 back-test windows: 40 errors per step, enough for a 95 % band.
    lengths = {f"P{i:02d}": 96 for i in range(20)} | {"VNM": 20, "LAO": 96}
    panel, _ = flows_to_panel(make_flows(lengths, zeros=["LAO"]))
    forecaster = Forecaster(quick_config, local_engine)
    out = forecaster.forecast(panel).set_index("unique_id")
    regular = out[out["series_class"] == "regular"]
    assert regular["band_usable"].all()
    assert regular[["yhat", "lo_80", "hi_80", "lo_95", "hi_95"]].notna().all().all()
    # Positive series are banded on logs: never a lower bound of zero.
    assert (regular["lo_95"] > 0).all()
    assert (regular["lo_95"] <= regular["lo_80"] + 1e-6).all()
    assert (regular["lo_80"] <= regular["yhat"] + 1e-6).all()
    assert (regular["yhat"] <= regular["hi_80"] + 1e-6).all()
    assert (regular["hi_80"] <= regular["hi_95"] + 1e-6).all()
    # Bands widen (or stay) further ahead.
    for _, group in regular.groupby(level=0):
        width = np.log(group["hi_95"] / group["lo_95"]).to_numpy()
        assert (np.diff(width) >= -1e-9).all()
    # The short series' model band was never checked on back-tests: it is not given.
    short = out.loc["USA|VNM|export|M|TOTAL"]
    assert not short["band_usable"].any() and short["lo_95"].isna().all()
    assert any("no band for 1 series too short" in note for note in forecaster.notes_)
    intermittent = out.loc["USA|LAO|export|M|TOTAL"]
    assert intermittent["band_usable"].all() and (intermittent["lo_95"] >= 0).all()


def test_a_slice_too_small_to_calibrate_gets_no_band_and_says_so(make_flows, quick_config,
                                                                 local_engine) -> None:
    panel, _ = flows_to_panel(make_flows({"CHN": 96, "MEX": 96}))
    forecaster = Forecaster(quick_config, local_engine)
    out = forecaster.forecast(panel)
    assert out["yhat"].notna().all()
    assert not out["band_usable"].any() and out["lo_95"].isna().all()
    assert any(note.startswith("no 95 % band at any step: the back-tests left 4 errors")
               for note in forecaster.notes_), forecaster.notes_


def test_forecast_follows_the_level_of_the_series(make_flows, quick_config, local_engine) -> None:
    panel, _ = flows_to_panel(make_flows({"CHN": 96, "MEX": 96}))
    out = Forecaster(quick_config, local_engine).forecast(panel)
    for uid, group in out.groupby("unique_id"):
        last_year = panel.loc[panel["unique_id"] == uid, "y"].tail(12).mean()
        assert 0.7 < group["yhat"].mean() / last_year < 1.4


def test_columns_are_configurable(make_flows, quick_config, local_engine) -> None:
    panel, _ = flows_to_panel(make_flows({"CHN": 96}))
    renamed = panel.rename(columns={"unique_id": "series", "ds": "month", "y": "usd"})
    out = Forecaster(quick_config, local_engine, id_col="series", time_col="month",
                     target_col="usd").forecast(renamed, h=3)
    assert {"series", "month", "yhat"} <= set(out.columns)
    assert len(out) == 3


def test_predict_refuses_beyond_the_fitted_horizon(make_flows, quick_config,
                                                   local_engine) -> None:
    panel, _ = flows_to_panel(make_flows({"CHN": 96}))
    forecaster = Forecaster(quick_config, local_engine).fit(panel)
    with pytest.raises(InputError, match="beyond the fitted horizon"):
        forecaster.predict(12)
    with pytest.raises(InputError, match="not fitted"):
        Forecaster(quick_config, local_engine).predict()


def test_negative_targets_are_refused(make_flows, quick_config, local_engine) -> None:
    panel, _ = flows_to_panel(make_flows({"CHN": 40}))
    panel.loc[3, "y"] = -1.0
    with pytest.raises(InputError, match="zero or more"):
        Forecaster(quick_config, local_engine).forecast(panel)


def test_backtest_scores_members_ensemble_and_benchmark(make_flows, quick_config,
                                                        local_engine) -> None:
    panel, _ = flows_to_panel(make_flows({"CHN": 96, "MEX": 96, "VNM": 20}))
    result = Forecaster(quick_config, local_engine).backtest(panel)
    assert result.cutoff == pd.Timestamp("2022-12-01")
    models = set(result.scores["model"])
    assert {ENSEMBLE, BENCHMARK, "DOTM", "SeasonalNaive"} <= models
    ensemble = result.scores[result.scores["model"] == ENSEMBLE]
    assert len(ensemble) == 3  # the short series is scored with its own method
    assert ensemble["mase"].notna().all()
    # Three series are too few to calibrate a band: no coverage and no MSIS, not a fake one.
    assert ensemble["coverage_95"].isna().all() and ensemble["msis"].isna().all()
    assert (ensemble["n_band_95"] == 0).all()
    members = result.scores[result.scores["model"] == "DOTM"]
    assert ((members["coverage_95"] >= 0) & (members["coverage_95"] <= 1)).all()
    assert (members["msis"] > 0).all()
    # On the long, smooth, growing synthetic series the ensemble beats repeating last year.
    regular = result.scores[result.scores["unique_id"] != "USA|VNM|export|M|TOTAL"]
    mean = regular.groupby("model")["mase"].mean()
    assert mean[ENSEMBLE] < mean[BENCHMARK]
    # The benchmark computed directly agrees with statsforecast's SeasonalNaive member.
    member = result.scores[result.scores["model"] == "SeasonalNaive"].set_index("unique_id")
    bench = result.scores[result.scores["model"] == BENCHMARK].set_index("unique_id")
    assert np.allclose(member["mase"], bench.loc[member.index, "mase"])


def test_a_series_too_short_for_ets_falls_back_to_naive(make_flows, quick_config,
                                                        local_engine) -> None:
    from haiquan.forecast.models import FALLBACK_METHOD

    panel, _ = flows_to_panel(make_flows({"KHM": 4, "CHN": 96}))
    out = Forecaster(quick_config, local_engine).forecast(panel)
    khm = out[out["unique_id"] == "USA|KHM|export|M|TOTAL"]
    assert khm["model"].unique().tolist() == [FALLBACK_METHOD]
    last = panel.loc[panel["unique_id"] == "USA|KHM|export|M|TOTAL", "y"].iloc[-1]
    assert np.allclose(khm["yhat"], last)
    assert not khm["band_usable"].any() and khm["lo_95"].isna().all()


def test_a_member_that_cannot_be_estimated_is_logged_with_the_series(caplog) -> None:
    # 24 years, 5 ahead, 3 windows: the members are first estimated on 9 values, too few for
    # damped ETS; it drops out of that series (logged, not silent) and DOTM forecasts it.
    import logging

    from haiquan.forecast import ForecastConfig, LocalEngine

    years = pd.date_range("1997-01-01", periods=24, freq="YS")
    panel = pd.DataFrame({"unique_id": "VNM|BEL|export|A|TOTAL", "ds": years,
                          "y": 1e8 * 1.08 ** np.arange(24)})
    config = ForecastConfig(horizon=5, members=("ETSdamped", "DOTM"))
    with caplog.at_level(logging.DEBUG, logger="haiquan.forecast._members"):
        out = Forecaster(config, LocalEngine(1), frequency="A").forecast(panel)
    failures = [r.getMessage() for r in caplog.records if "ETSdamped" in r.getMessage()]
    assert failures and all("VNM|BEL|export|A|TOTAL" in m for m in failures)
    assert out["yhat"].notna().all()
