"""The partner page's reading of forecast model labels."""

from __future__ import annotations

import pytest

from haiquan.forecast.models import (
    FALLBACK_METHOD,
    INTERMITTENT_METHOD,
    MODEL_CATALOGUE,
    SHORT_METHOD,
)
from haiquan.web.dashboard.partner import MODEL_NAMES, describe_model


def test_every_forecast_method_has_a_reader_name() -> None:
    methods = {*MODEL_CATALOGUE, SHORT_METHOD, FALLBACK_METHOD, INTERMITTENT_METHOD}
    assert methods - set(MODEL_NAMES) == set(), "name these models in MODEL_NAMES"


@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("Ensemble(OTM:0.66+ETSdamped:0.34)",
         "ensemble of 2 models: optimised Theta 66 %, damped ETS 34 %"),
        ("Ensemble(geometric DOTM:0.50+MSTL:0.30+SeasonalNaive:0.20)",
         "ensemble of 3 models (geometric mean): dynamic optimised Theta 50 %, "
         "seasonal decomposition (MSTL) 30 %, seasonal naive 20 %"),
        ("Ensemble(NewModel:1.00)", "NewModel (the only model kept)"),
        ("Ensemble(broken)", "Ensemble(broken)"),
    ],
)
def test_model_labels_read_as_words(label: str, text: str) -> None:
    assert describe_model(label) == text
