"""The members' back-tests and final forecasts (``haiquan.forecast._members``)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from haiquan.forecast import ForecastConfig
from haiquan.forecast._members import classify_series, member_columns, run_members

from .conftest import synthetic_values


def _panel(lengths: dict[str, int]) -> pd.DataFrame:
    frames = []
    for i, (uid, n) in enumerate(sorted(lengths.items())):
        ds = pd.date_range(end="2023-06-01", periods=n, freq="MS")
        frames.append(
            pd.DataFrame({"unique_id": uid, "ds": ds, "y": synthetic_values(n, seed=i + 1)})
        )
    panel = pd.concat(frames, ignore_index=True)
    info = classify_series(panel, ForecastConfig(horizon=6), 12)
    return panel.merge(info[["unique_id", "series_class", "log"]], on="unique_id")


def test_member_bands_only_where_read_and_the_same_point_forecasts() -> None:
    config = ForecastConfig(horizon=6, members=("ETS", "DOTM", "SeasonalNaive"))
    panel = _panel({"a": 96, "b": 120})
    with_bands = run_members(panel, config, season_length=12, pandas_freq="MS")
    without = run_members(panel, config, season_length=12, pandas_freq="MS", member_bands=False)
    assert list(without.columns) == member_columns(config.levels)
    key = ["unique_id", "kind", "cutoff", "ds", "member"]
    both = with_bands.merge(without, on=key, suffixes=("", "_without"))
    assert len(both) == len(with_bands) == len(without) > 0
    np.testing.assert_array_equal(both["mean"], both["mean_without"])
    finals = both[both["kind"] == "forecast"]
    assert finals["lo_95"].notna().all() and (finals["lo_95"] <= finals["mean"]).all()
    assert finals["lo_95_without"].isna().all()
    # Back-test rows never carry bounds: nothing reads them.
    assert both.loc[both["kind"] == "cv", ["lo_80", "hi_95"]].isna().all().all()


def test_a_member_that_fails_is_logged_with_the_series_and_model(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = ForecastConfig(horizon=6, members=("ETS", "SeasonalNaive"))
    panel = _panel({"gaps": 96})
    panel["y"] = np.nan  # ETS cannot be estimated on missing values: it raises
    with caplog.at_level(logging.DEBUG, logger="haiquan.forecast._members"):
        out = run_members(panel, config, season_length=12, pandas_freq="MS")
    ets = out[(out["member"] == "ETS")]
    assert len(ets) > 0 and ets["mean"].isna().all()  # no weight there; the run goes on
    messages = [r.getMessage() for r in caplog.records]
    assert any("ETS" in m and "gaps" in m and "ValueError" in m for m in messages), messages
