"""The catalogue of statsforecast models haiquan forecasts with, by short name.

Every entry builds a statsforecast model for a season length, so the same name works on monthly,
quarterly and annual series; all of them share statsforecast's verbs (``fit`` / ``predict`` /
``forecast`` / ``forward``), which is what lets one orchestrator run any mix of them.

The default ensemble members were chosen on rolling origins that end before the benchmark's
hold-out (docs/forecast.md, "How the design was chosen", has the comparison and its figures):
fast models on logs whose geometric mean was as accurate as far costlier pools (AutoCES, the
full AutoETS search, raw-scale models); AutoARIMA is left out for its cost per series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from haiquan.errors import InputError

__all__ = [
    "DEFAULT_MEMBERS",
    "FALLBACK_METHOD",
    "INTERMITTENT_METHOD",
    "MODEL_CATALOGUE",
    "SHORT_METHOD",
    "ModelEntry",
    "RecentWindow",
    "build_model",
]


@dataclass(frozen=True)
class ModelEntry:
    """One model of the catalogue.

    Attributes:
        name: the short name used in settings, CLI options and the output's ``model`` column.
        build: ``build(season_length) -> statsforecast model`` (aliased to ``name``).
        seasonal_only: the model needs a season length above 1 (skipped for annual series).
        description: one line for ``haiquan forecast --help`` and the docs.
    """

    name: str
    build: Callable[[int], Any]
    seasonal_only: bool
    description: str


class RecentWindow:
    """A model that only sees the last ``window`` observations of a series.

    Trade regimes change (accession to a trade agreement, sanctions, a pandemic); a model
    estimated on the recent years adapts faster and errs differently from one estimated on
    decades, which is what an ensemble needs. It keeps statsforecast's verbs.
    """

    def __init__(self, model: Any, window: int) -> None:
        self.model = model
        self.window = window

    def new(self) -> RecentWindow:
        """A fresh, unfitted copy (statsforecast's ``StatsForecast`` fits copies)."""
        return RecentWindow(self.model.new(), self.window)

    def __repr__(self) -> str:  # statsforecast names a model's columns by its repr
        return repr(self.model)

    def fit(self, y: Any, X: Any = None) -> RecentWindow:
        self.model.fit(y[-self.window :])
        return self

    def forward(
        self,
        y: Any,
        h: int,
        X: Any = None,
        X_future: Any = None,
        level: Any = None,
        fitted: bool = False,
    ) -> dict:
        return dict(self.model.forward(y=y[-self.window :], h=h, level=level))

    def forecast(
        self,
        y: Any,
        h: int,
        X: Any = None,
        X_future: Any = None,
        level: Any = None,
        fitted: bool = False,
    ) -> dict:
        return dict(self.model.forecast(y=y[-self.window :], h=h, level=level))


def _dotm_recent(season: int) -> Any:
    from statsforecast.models import DynamicOptimizedTheta

    return RecentWindow(
        DynamicOptimizedTheta(season_length=season, alias="DOTMrecent"), window=6 * max(season, 2)
    )


def _ets_recent(season: int) -> Any:
    from statsforecast.models import AutoETS

    return RecentWindow(
        AutoETS(season_length=season, model="AZA" if season > 1 else "AZN"),
        window=6 * max(season, 2),
    )


def _ets(season: int) -> Any:
    from statsforecast.models import AutoETS

    # On the log scale an additive model is a multiplicative one in dollars; restricting the
    # search to additive error and season keeps AutoETS much cheaper than "ZZZ".
    return AutoETS(season_length=season, model="AZA" if season > 1 else "AZN", alias="ETS")


def _dotm(season: int) -> Any:
    from statsforecast.models import DynamicOptimizedTheta

    return DynamicOptimizedTheta(season_length=season, alias="DOTM")


def _ets_damped(season: int) -> Any:
    from statsforecast.models import AutoETS

    return AutoETS(
        season_length=season, model="AAA" if season > 1 else "AAN", damped=True, alias="ETSdamped"
    )


def _ets_notrend(season: int) -> Any:
    from statsforecast.models import AutoETS

    # No trend at all: after a boom it does not extrapolate the growth, which the trended
    # members do; it errs differently from them and was the best single member at some origins.
    return AutoETS(season_length=season, model="ANA" if season > 1 else "ANN", alias="ETSnotrend")


def _otm(season: int) -> Any:
    from statsforecast.models import OptimizedTheta

    return OptimizedTheta(season_length=season, alias="OTM")


def _dstm(season: int) -> Any:
    from statsforecast.models import DynamicTheta

    return DynamicTheta(season_length=season, alias="DSTM")


def _theta(season: int) -> Any:
    from statsforecast.models import AutoTheta

    return AutoTheta(season_length=season, alias="Theta")


def _mstl(season: int) -> Any:
    from statsforecast.models import MSTL, AutoETS

    return MSTL(season_length=season, trend_forecaster=AutoETS(model="AZN"), alias="MSTL")


def _snaive(season: int) -> Any:
    from statsforecast.models import SeasonalNaive

    return SeasonalNaive(season_length=season, alias="SeasonalNaive")


def _ces(season: int) -> Any:
    from statsforecast.models import AutoCES

    return AutoCES(season_length=season, alias="CES")


def _arima(season: int) -> Any:
    from statsforecast.models import AutoARIMA

    return AutoARIMA(season_length=season, alias="ARIMA")


def _rwd(season: int) -> Any:
    from statsforecast.models import RandomWalkWithDrift

    return RandomWalkWithDrift(alias="RWDrift")


MODEL_CATALOGUE: dict[str, ModelEntry] = {
    e.name: e
    for e in (
        ModelEntry("ETS", _ets, False, "AutoETS, additive error and season (on logs)"),
        ModelEntry("DOTM", _dotm, False, "Dynamic Optimised Theta"),
        ModelEntry("ETSdamped", _ets_damped, False, "ETS with additive damped trend and season"),
        ModelEntry("ETSnotrend", _ets_notrend, False, "ETS with additive season, no trend"),
        ModelEntry("OTM", _otm, False, "Optimised Theta"),
        ModelEntry("DOTMrecent", _dotm_recent, False, "DOTM on the last six seasons only"),
        ModelEntry("ETSrecent", _ets_recent, False, "ETS on the last six seasons only"),
        ModelEntry("DSTM", _dstm, False, "Dynamic Standard Theta"),
        ModelEntry("Theta", _theta, False, "AutoTheta (best of four Theta variants)"),
        ModelEntry("MSTL", _mstl, True, "STL seasonal decomposition + AutoETS trend"),
        ModelEntry("SeasonalNaive", _snaive, False, "last season repeated (the benchmark)"),
        ModelEntry("CES", _ces, False, "AutoCES complex exponential smoothing (slow)"),
        ModelEntry("ARIMA", _arima, False, "AutoARIMA (slow: ~10x ETS)"),
        ModelEntry("RWDrift", _rwd, False, "random walk with drift"),
    )
}

#: Members of the default ensemble.
DEFAULT_MEMBERS: tuple[str, ...] = (
    "DOTM",
    "ETSdamped",
    "ETSnotrend",
    "DSTM",
    "OTM",
    "MSTL",
    "SeasonalNaive",
)

#: The method for series too short to back-test: a non-seasonal AutoETS.
SHORT_METHOD = "ETS(non-seasonal)"

#: The method for short series that even a non-seasonal ETS cannot fit: the last value.
FALLBACK_METHOD = "Naive"

#: The method for intermittent series (many zero periods): Croston SBA with conformal intervals.
INTERMITTENT_METHOD = "CrostonSBA"


def build_model(name: str, season_length: int) -> Any | None:
    """A statsforecast model aliased to ``name``; ``None`` when it needs seasons and there are none.

    Raises:
        InputError: an unknown name, listing the known ones.
    """
    entry = MODEL_CATALOGUE.get(name)
    if entry is None:
        raise InputError(
            f"unknown forecasting model {name!r}",
            expected="one of " + ", ".join(MODEL_CATALOGUE),
            got=repr(name),
            fix="choose members from the catalogue (docs/forecast.md)",
        )
    if entry.seasonal_only and season_length <= 1:
        return None
    return entry.build(season_length)
