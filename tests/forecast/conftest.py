"""Fixtures of the forecast tests: seeded synthetic trade series and a real Census slice.

Synthetic series are multiplicative (trend x season x noise), like trade values, and small so
that a whole Forecaster run takes seconds; the real Census file is read in place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest

from haiquan.forecast import ForecastConfig, LocalEngine
from tests.conftest import require_shared

CENSUS = "trade/us-census-country-monthly/us_census_goods_by_country_monthly_long.csv.gz"


def synthetic_values(n: int, seed: int, *, level: float = 1e8, growth: float = 0.004,
                     season_amplitude: float = 0.15, noise: float = 0.05) -> np.ndarray:
    """A positive monthly series: level x exp(growth t) x (1 + seasonal) x lognormal noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = 1 + season_amplitude * np.sin(2 * np.pi * (t + seed) / 12)
    return level * np.exp(growth * t) * season * np.exp(rng.normal(0, noise, n))


FlowsFactory = Callable[..., pd.DataFrame]


@pytest.fixture
def make_flows() -> FlowsFactory:
    """Factory of canonical monthly rows: ``make_flows({"CHN": 120, "VNM": 60}, flow="export")``.

    Each partner gets a synthetic series of that many months ending 2023-06; ``zeros`` lists
    partners whose series is mostly zero (intermittent).
    """

    def factory(lengths: dict[str, int], *, reporter: str = "USA", flow: str = "export",
                zeros: Sequence[str] = (), commodity: str = "TOTAL",
                end: str = "2023-06") -> pd.DataFrame:
        frames = []
        for i, (partner, n) in enumerate(sorted(lengths.items())):
            periods = pd.period_range(end=end, periods=n, freq="M").strftime("%Y-%m")
            values = synthetic_values(n, seed=i + 1, level=1e8 * (i + 1))
            if partner in zeros:
                rng = np.random.default_rng(100 + i)
                values = np.where(rng.random(n) < 0.6, 0.0, values / 50)
            frames.append(pd.DataFrame({
                "reporter": reporter, "partner": partner, "flow": flow, "frequency": "M",
                "period": periods, "commodity": commodity, "value_usd": values,
                "source": "synthetic-test", "is_mirror": False,
            }))
        return pd.concat(frames, ignore_index=True)

    return factory


@pytest.fixture
def quick_config() -> ForecastConfig:
    """A small, fast configuration: two quick members, 6 periods ahead, two origins."""
    return ForecastConfig(horizon=6, members=("DOTM", "SeasonalNaive"), cv_windows=2)


@pytest.fixture
def local_engine() -> LocalEngine:
    """The local engine in this process (no worker processes: quicker for a few series)."""
    return LocalEngine(n_jobs=1)


@pytest.fixture
def census_file() -> str:
    """The real Census monthly file, read in place."""
    return str(require_shared(CENSUS))
