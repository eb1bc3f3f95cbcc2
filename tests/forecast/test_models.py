"""The model catalogue: every name builds a model with statsforecast's verbs."""

from __future__ import annotations

import numpy as np
import pytest

from haiquan.errors import InputError
from haiquan.forecast import DEFAULT_MEMBERS, MODEL_CATALOGUE, build_model
from tests.forecast.conftest import synthetic_values


def test_default_members_are_in_the_catalogue_and_forecast() -> None:
    y = np.log(synthetic_values(120, seed=4))
    for name in DEFAULT_MEMBERS:
        assert name in MODEL_CATALOGUE
        out = build_model(name, 12).forecast(y=y, h=6, level=[80, 95])
        assert np.all(np.isfinite(out["mean"])) and len(out["mean"]) == 6
        assert np.all(out["lo-95"] <= out["lo-80"]) and np.all(out["hi-80"] <= out["hi-95"])


def test_ets_without_trend_does_not_extrapolate_growth() -> None:
    # A series growing 2 % a month: the trended members follow it, the no-trend member repeats
    # the last level (with its season), so the same month a year apart is forecast equal.
    y = np.log(synthetic_values(120, seed=5, growth=0.02, noise=0.01))
    flat = build_model("ETSnotrend", 12).forecast(y=y, h=24)["mean"]
    trended = build_model("ETSdamped", 12).forecast(y=y, h=24)["mean"]
    assert flat[12:] == pytest.approx(flat[:12])
    assert np.mean(trended[12:] - trended[:12]) > 0.05


def test_unknown_model_names_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown forecasting model"):
        build_model("Prophet", 12)
    assert build_model("MSTL", 1) is None
