"""Forecast accuracy measures: MASE, sMAPE, interval coverage and MSIS, per series and overall.

MASE divides the forecast's mean absolute error by the in-sample mean absolute error of the
seasonal-naive forecast, so that a value below 1 means "better than repeating last year" and
series of very different sizes can be averaged (Hyndman & Koehler 2006). MSIS, the M4
competition's interval measure, scores a ``1 - alpha`` band by its width plus ``2 / alpha`` times
every miss, on the same scale: coverage alone rewards a band that is wide everywhere, MSIS does
not (Makridakis, Spiliotis & Assimakopoulos 2020, "The M4 Competition", section 2.3).

>>> import numpy as np
>>> round(mase(np.array([10.0, 12.0]), np.array([11.0, 12.0]), scale=2.0), 3)
0.25
>>> round(smape(np.array([100.0]), np.array([50.0])), 2)
66.67
>>> round(msis(np.array([10.0, 20.0]), np.array([8.0, 8.0]), np.array([12.0, 12.0]),
...            scale=2.0, alpha=0.05), 2)
82.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MSIS_LEVEL", "coverage", "mase", "msis", "naive_scale", "score_forecasts", "smape",
           "summarise_scores"]

#: The interval level MSIS scores, as in M4 (alpha = 0.05).
MSIS_LEVEL = 95


def naive_scale(y: np.ndarray, season_length: int) -> float:
    """In-sample mean absolute error of the seasonal-naive forecast (lag 1 without seasons).

    Returns ``nan`` when the series is shorter than one season plus one, or constant.
    """
    lag = max(season_length, 1)
    values = np.asarray(y, dtype="float64")
    if len(values) <= lag:
        return float("nan")
    scale = float(np.mean(np.abs(values[lag:] - values[:-lag])))
    return scale if scale > 0 else float("nan")


def mase(actual: np.ndarray, predicted: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error."""
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(predicted))) / scale)


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in percent (0-200); a period where both are zero counts as 0 error."""
    a = np.asarray(actual, dtype="float64")
    p = np.asarray(predicted, dtype="float64")
    denominator = np.abs(a) + np.abs(p)
    ratio = np.divide(2 * np.abs(a - p), denominator, out=np.zeros_like(a),
                      where=denominator > 0)
    return float(100 * np.mean(ratio))


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share (0-1) of actual values inside ``[lower, upper]``."""
    a = np.asarray(actual)
    return float(np.mean((a >= np.asarray(lower)) & (a <= np.asarray(upper))))


def msis(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, scale: float,
         alpha: float = 0.05) -> float:
    """Mean scaled interval score of a ``1 - alpha`` band (M4): width plus ``2/alpha`` x misses.

    A period without a band (NaN bound) makes the score NaN: a missing band is not a narrow one.
    """
    a, lo, hi = (np.asarray(v, dtype="float64") for v in (actual, lower, upper))
    score = (hi - lo) + 2 / alpha * (lo - a) * (a < lo) + 2 / alpha * (a - hi) * (a > hi)
    return float(np.mean(score) / scale)


def score_forecasts(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    scales: pd.Series,
    *,
    levels: Sequence[int] = (80, 95),
    model_col: str = "model",
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    prediction_col: str = "yhat",
) -> pd.DataFrame:
    """Score each (series, model) of a forecast table against actual values.

    Args:
        forecasts: ``id, time, model, yhat, lo_<l>, hi_<l>``.
        actuals: ``id, time, y`` over the forecast periods.
        scales: MASE scale per series id (:func:`naive_scale` on the training data).

    Returns:
        One row per series and model: ``mase``, ``smape``, ``coverage_<l>``, ``msis`` (of the
        95 % band, when ``levels`` has 95) and ``n``. Series without a usable scale get ``mase``
        and ``msis`` = NaN; periods without an actual value are ignored, and so is a period
        without a band in that level's coverage (``n_band_<l>`` counts the periods with one).
    """
    joined = forecasts.drop(columns=[target_col], errors="ignore").merge(
        actuals[[id_col, time_col, target_col]], on=[id_col, time_col], how="inner")
    joined = joined[joined[target_col].notna()]
    joined["_abs"] = (joined[target_col] - joined[prediction_col]).abs()
    denominator = joined[target_col].abs() + joined[prediction_col].abs()
    joined["_sape"] = np.where(denominator > 0, 2 * joined["_abs"] / denominator.where(
        denominator > 0, 1.0), 0.0)
    aggregations: dict[str, tuple[str, Any]] = {
        "mae": ("_abs", "mean"), "smape": ("_sape", "mean"), "n": ("_abs", "size")}
    y = joined[target_col]
    for level in levels:
        lo, hi = joined[f"lo_{level}"], joined[f"hi_{level}"]
        inside = ((y >= lo) & (y <= hi)).astype("float64")
        joined[f"_in_{level}"] = inside.where(lo.notna() & hi.notna())
        aggregations[f"coverage_{level}"] = (f"_in_{level}", "mean")
        aggregations[f"n_band_{level}"] = (f"_in_{level}", "count")
    if MSIS_LEVEL in levels:
        alpha = 1 - MSIS_LEVEL / 100
        lo, hi = joined[f"lo_{MSIS_LEVEL}"], joined[f"hi_{MSIS_LEVEL}"]
        joined["_is"] = ((hi - lo) + 2 / alpha * (lo - y) * (y < lo)
                         + 2 / alpha * (y - hi) * (y > hi))
        aggregations["_is"] = ("_is", lambda v: v.mean(skipna=False))
    scores = joined.groupby([id_col, model_col], sort=True).agg(**aggregations).reset_index()
    scores["smape"] *= 100
    scale = scores[id_col].map(scales).astype("float64")
    scores["mase"] = scores["mae"] / scale
    ordered = [id_col, model_col, "mase", "smape", *[f"coverage_{lv}" for lv in levels]]
    if MSIS_LEVEL in levels:
        scores["msis"] = scores["_is"] / scale
        ordered.append("msis")
    ordered += ["n", *[f"n_band_{lv}" for lv in levels]]
    return scores[ordered]


def summarise_scores(scores: pd.DataFrame, *, model_col: str = "model") -> pd.DataFrame:
    """Mean of each measure per model over series (series with a NaN MASE are left out of it)."""
    measures = [c for c in scores.columns
                if c in ("mase", "smape", "msis") or c.startswith("coverage_")]
    summary = scores.groupby(model_col)[measures].mean()
    summary["series"] = scores.groupby(model_col)["mase"].count()
    return summary.sort_values("mase").reset_index()
