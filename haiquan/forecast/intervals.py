"""Prediction intervals calibrated on the rolling-origin back-tests (split conformal, pooled).

A model's own intervals assume its errors are what its likelihood says; the ensemble's members
all err the same way in the same years, so their intervals combined say little about how often
the truth falls inside (docs/forecast.md gives the coverage measured both ways). The band is
instead read off the errors the ensemble actually made at the rolling origins inside the data:

1. *Scaled errors.* For each back-tested series ``i``, window ``w`` and step ``h`` ahead, the
   error of the ensemble's point forecast on the scale the series is modelled on (logs for a
   series that was positive throughout, dollars otherwise), divided by the series' recent
   *spread*: the mean absolute seasonal change over its last :data:`SPREAD_SEASONS` seasons (at
   least :data:`SPREAD_MIN_CHANGES` changes) on the same scale. Dividing makes a steady
   partner's errors and a volatile one's comparable, so they can be pooled.
2. *Quantiles per step.* For each step ``h`` and level ``L`` the errors of every series and
   window are pooled and their ``(1-L)/2`` and ``(1+L)/2`` quantiles taken with the split
   conformal rank (the ``ceil((n+1)q)``-th value), so the band's coverage holds in finite
   samples when the back-test errors are exchangeable with the future ones. A band never
   narrows further ahead (running minimum / maximum over steps). With too few errors for the
   rank (fewer than 39 for 95 %, 9 for 80 %) the level at that step is *unsupported*.
3. *Applied* to the final point forecast: ``yhat * exp(spread * q)`` on logs (never below zero,
   never zero for a positive series), ``yhat + spread * q`` in dollars (clipped at zero).
4. *Too wide to read.* Where a band would reach more than :data:`MAX_BAND_RATIO` times the
   forecast (or below that fraction of it) the series is too volatile for a band that far
   ahead: that row and every later one of the series get no band. A band from 0.3 to 335
   billion USD (a thousand times the forecast) says nothing a planner can use. The limit is two
   orders of magnitude either way: a small partner's monthly trade may well swing tenfold.

Why pooled rather than per series: a series has three back-test windows, three errors per step;
a 95 % quantile needs dozens. Pooling assumes the scaled errors of the slice's series behave
alike, which is why the spread is each series' own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "MAX_BAND_RATIO",
    "SPREAD_MIN_CHANGES",
    "SPREAD_SEASONS",
    "IntervalCalibration",
    "apply_intervals",
    "calibrate_intervals",
    "min_errors",
    "series_spread",
]

#: Seasons of recent history the spread is measured over (five years of months).
SPREAD_SEASONS = 5
#: Fewest seasonal changes in a spread (ten years of an annual series).
SPREAD_MIN_CHANGES = 10
#: A band reaching beyond this multiple of the forecast (or below its inverse) is not given.
MAX_BAND_RATIO = 100.0


def series_spread(y: np.ndarray, season_length: int, logged: bool) -> float:
    """Mean absolute seasonal change over the recent history, on the modelling scale.

    ``nan`` when the series has no seasonal change at all (shorter than a season plus one).

    >>> round(series_spread(np.array([100.0, 110.0, 121.0, 133.1]), 1, True), 4)
    0.0953
    """
    lag = max(season_length, 1)
    values = np.asarray(y, dtype="float64")
    if logged:
        values = np.log(np.maximum(values, 1.0))
    changes = np.abs(values[lag:] - values[:-lag])
    if changes.size == 0:
        return float("nan")
    keep = max(SPREAD_SEASONS * lag, SPREAD_MIN_CHANGES)
    spread = float(np.mean(changes[-keep:]))
    return spread if spread > 0 else float("nan")


def min_errors(level: int) -> int:
    """Fewest pooled errors for a split-conformal band at ``level`` percent.

    >>> min_errors(95), min_errors(80)
    (39, 9)
    """
    tail = (1 - level / 100) / 2
    return math.ceil(1 / tail - 1 - 1e-9)


def _conformal_quantiles(values: np.ndarray, level: int) -> tuple[float, float]:
    """Lower and upper split-conformal quantiles of ``values`` (NaN when too few)."""
    values = np.sort(values[np.isfinite(values)])
    n = values.size
    tail = (1 - level / 100) / 2
    upper_rank = math.ceil((n + 1) * (1 - tail) - 1e-9)
    lower_rank = math.floor((n + 1) * tail + 1e-9)
    if n == 0 or upper_rank > n or lower_rank < 1:
        return float("nan"), float("nan")
    return float(values[lower_rank - 1]), float(values[upper_rank - 1])


@dataclass
class IntervalCalibration:
    """Quantiles of the scaled back-test errors, per level and step ahead.

    Attributes:
        levels: interval levels in percent.
        lower: level -> array over steps of the lower quantile (NaN: unsupported).
        upper: level -> array over steps of the upper quantile.
        errors: back-test errors pooled at each step.
        spread: series id -> spread (the scale errors were divided by).
        logged: series id -> whether the series is modelled on logs.
    """

    levels: tuple[int, ...]
    lower: dict[int, np.ndarray]
    upper: dict[int, np.ndarray]
    errors: np.ndarray
    spread: pd.Series = field(repr=False)
    logged: pd.Series = field(repr=False)

    def supported(self, level: int) -> np.ndarray:
        """Per step: whether the level's band could be calibrated."""
        return np.isfinite(self.lower[level]) & np.isfinite(self.upper[level])

    def summary(self) -> dict[str, object]:
        """A JSON-able digest (stored with back-test runs)."""
        return {
            "method": "split conformal, pooled scaled errors per step",
            "errors_per_step": [int(n) for n in self.errors],
            **{
                f"q_{level}": [
                    [round(float(lo), 4), round(float(hi), 4)]
                    for lo, hi in zip(self.lower[level], self.upper[level], strict=True)
                ]
                for level in self.levels
            },
        }


def calibrate_intervals(
    actual: np.ndarray,
    centre: np.ndarray,
    ids: Sequence[str],
    spread: pd.Series,
    logged: pd.Series,
    levels: Sequence[int],
) -> IntervalCalibration:
    """Calibrate from the ensemble's back-test forecasts.

    Args:
        actual, centre: arrays ``[series, window, step]`` of actual values and the ensemble's
            point forecasts, in dollars, series in the order of ``ids``.
        spread: series id -> :func:`series_spread`; a series without one is left out.
        logged: series id -> modelled on logs.
    """
    spread_of = spread.reindex(list(ids)).to_numpy(dtype="float64")
    log_of = logged.reindex(list(ids)).fillna(False).to_numpy(dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        on_logs = np.log(np.maximum(actual, 1.0)) - np.log(np.maximum(centre, 1.0))
        errors = np.where(log_of[:, None, None], on_logs, actual - centre)
        scaled = errors / spread_of[:, None, None]
    steps = scaled.shape[2] if scaled.ndim == 3 else 0
    counts = np.array([int(np.isfinite(scaled[:, :, t]).sum()) for t in range(steps)])
    lower: dict[int, np.ndarray] = {}
    upper: dict[int, np.ndarray] = {}
    for level in levels:
        pairs = [_conformal_quantiles(scaled[:, :, t].ravel(), level) for t in range(steps)]
        lo = np.array([p[0] for p in pairs], dtype="float64")
        hi = np.array([p[1] for p in pairs], dtype="float64")
        # Further ahead is never more certain: once unsupported, every later step is too.
        lower[level] = np.fmin.accumulate(np.minimum(lo, 0.0)) if steps else lo
        upper[level] = np.fmax.accumulate(np.maximum(hi, 0.0)) if steps else hi
        gone = np.cumsum(~np.isfinite(lo) | ~np.isfinite(hi)) > 0
        lower[level][gone] = np.nan
        upper[level][gone] = np.nan
    # A wider level is never narrower than a narrower one at the same step.
    ordered = sorted(levels)
    for narrow, wide in zip(ordered, ordered[1:], strict=False):
        lower[wide] = np.minimum(lower[wide], lower[narrow])
        upper[wide] = np.maximum(upper[wide], upper[narrow])
    return IntervalCalibration(
        levels=tuple(levels), lower=lower, upper=upper, errors=counts, spread=spread, logged=logged
    )


def apply_intervals(forecasts: pd.DataFrame, calibration: IntervalCalibration) -> pd.DataFrame:
    """Replace ``lo_<l>``/``hi_<l>`` of ``forecasts`` (``unique_id, ds, yhat``) by calibrated ones.

    Rows whose level is unsupported at their step, whose series has no spread, or whose band
    is too wide to read (:data:`MAX_BAND_RATIO`, from that step on) get NaN bounds;
    ``band_usable`` says whether every level of the row has a band.
    """
    out = forecasts.sort_values(["unique_id", "ds"]).copy()
    step = out.groupby("unique_id", sort=False).cumcount().to_numpy()
    spread = out["unique_id"].map(calibration.spread).to_numpy(dtype="float64")
    logged = out["unique_id"].map(calibration.logged).fillna(False).to_numpy(dtype=bool)
    yhat = out["yhat"].to_numpy(dtype="float64")
    usable = np.isfinite(spread) & np.isfinite(yhat)
    for level in calibration.levels:
        lo_q, hi_q = calibration.lower[level], calibration.upper[level]
        inside = step < lo_q.size
        at = np.minimum(step, max(lo_q.size - 1, 0))
        q_lo = np.where(inside, lo_q[at], np.nan) if lo_q.size else np.full(len(out), np.nan)
        q_hi = np.where(inside, hi_q[at], np.nan) if hi_q.size else np.full(len(out), np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            low = np.where(logged, yhat * np.exp(spread * q_lo), yhat + spread * q_lo)
            high = np.where(logged, yhat * np.exp(spread * q_hi), yhat + spread * q_hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            # Only for series modelled on logs (positive throughout): a series with zeros
            # may well be forecast near zero with a band of some millions above.
            readable = ~logged | ((high <= MAX_BAND_RATIO * yhat) & (low * MAX_BAND_RATIO >= yhat))
        out[f"lo_{level}"], out[f"hi_{level}"] = low, high
        ok = usable & np.isfinite(low) & np.isfinite(high) & readable
        # Once too wide (or unsupported), every later step of the series is too.
        ok = pd.Series(ok, index=out.index).groupby(out["unique_id"], sort=False).cummin()
        ok = ok.to_numpy(dtype=bool)
        usable = usable & ok
    for level in calibration.levels:
        out[f"lo_{level}"] = np.where(usable, np.maximum(out[f"lo_{level}"], 0.0), np.nan)
        out[f"hi_{level}"] = np.where(usable, out[f"hi_{level}"], np.nan)
    out["band_usable"] = usable
    return out
