"""Choose, weight and calibrate the ensemble from rolling-origin back-tests — never by hand.

For every regular series the members were back-tested at ``cv_windows`` origins inside the data
(:mod:`._members`). From those errors, scaled like MASE so series of every size count alike:

1. *Rules.* A combination rule is either *inverse-error*: each series keeps its ``k`` best
   members, weighted by inverse back-test error, and the weights are shrunk by ``lam`` towards
   the panel-wide inverse-error weights (one series' few windows are a noisy ranking; the
   panel's ranking is steadier); or *equal*: every member weighs the same. Either is applied
   to the members' forecasts in dollars (arithmetic mean) or on their logs (geometric mean,
   which suits multiplicative trade values and damps one member's wild forecast).
2. *Choosing the rule.* Every rule of the grid is scored leave-one-window-out: weights from
   the other windows, error on the held one. The best wins. With one window the choice is
   in-sample, and the run's notes say so.
3. *Intervals.* Calibrated on the chosen ensemble's own back-test errors, pooled over the
   series per step ahead (split conformal, :mod:`.intervals`). Without calibration the bounds
   are the members' bounds combined like the point forecast (quantile averaging).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from haiquan.forecast.intervals import IntervalCalibration, apply_intervals, calibrate_intervals

__all__ = ["EnsembleChoice", "choose_ensemble", "combine_forecasts"]

_LAMBDAS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass
class EnsembleChoice:
    """What the back-tests chose.

    Attributes:
        members: member names, in the order of the weight columns.
        top_k: members kept per series.
        shrink: weight given to the panel-wide weights (0 = per-series only).
        weighting: ``inverse`` (inverse back-test error) or ``equal``.
        geometric: members are combined on their logs (weighted geometric mean).
        intervals: the calibrated interval quantiles (``None``: the members' own bounds).
        backtest_mase: leave-one-window-out mean MASE of the chosen ensemble.
        member_mase: back-test mean MASE of each member alone (same windows).
        weights: ``unique_id`` x member weights (rows sum to 1).
        grid: every rule tried (weighting, geometric, top_k, shrink) with its
            leave-one-window-out MASE.
        in_sample: the choice could not be held out (one window only).
    """

    members: list[str]
    top_k: int
    shrink: float
    intervals: IntervalCalibration | None
    backtest_mase: float
    member_mase: dict[str, float]
    weights: pd.DataFrame
    grid: pd.DataFrame = field(repr=False)
    in_sample: bool = False
    weighting: str = "inverse"
    geometric: bool = False

    @property
    def rule(self) -> str:
        """The chosen rule in words, e.g. ``equal weights, geometric mean``."""
        how = "geometric mean" if self.geometric else "arithmetic mean"
        if self.weighting == "equal":
            return f"equal weights, {how}"
        return f"top {self.top_k} by inverse error, shrink {self.shrink}, {how}"


def _cube(cv: pd.DataFrame, column: str, members: list[str]) -> tuple[np.ndarray, list[str]]:
    """Member table column -> array [series, member, window, step].

    Windows are numbered within each series (series need not end on the same date) and steps
    within each window; missing cells are NaN.
    """
    frame = cv[cv["member"].isin(members)].sort_values(["unique_id", "member", "cutoff", "ds"])
    ids = sorted(frame["unique_id"].unique())
    window = frame.groupby(["unique_id", "member"])["cutoff"].rank(method="dense") - 1
    frame = frame.assign(window=window.astype("int64"),
                         step=frame.groupby(["unique_id", "member", "cutoff"]).cumcount())
    windows, steps = int(frame["window"].max()) + 1, int(frame["step"].max()) + 1
    index = pd.MultiIndex.from_product([ids, members, range(windows), range(steps)],
                                       names=["unique_id", "member", "window", "step"])
    cube = frame.set_index(["unique_id", "member", "window", "step"])[column].reindex(index)
    return cube.to_numpy(dtype="float64").reshape(len(ids), len(members), windows, steps), ids


def _weights(errors: np.ndarray, k: int, lam: float) -> np.ndarray:
    """errors [series, member] -> weights [series, member] (top-k inverse error, shrunk)."""
    safe = np.where(np.isfinite(errors), errors, np.inf)
    safe = np.maximum(safe, 1e-9)
    rank = np.argsort(np.argsort(safe, axis=1), axis=1)
    local = np.where(rank < k, 1.0 / safe, 0.0)
    local_sum = local.sum(axis=1, keepdims=True)
    local = np.divide(local, local_sum, out=np.full_like(local, 1.0 / local.shape[1]),
                      where=local_sum > 0)
    pooled_err = np.nanmean(np.where(np.isfinite(errors), errors, np.nan), axis=0)
    pooled_err = np.where(np.isfinite(pooled_err), np.maximum(pooled_err, 1e-9), np.inf)
    pooled_rank = np.argsort(np.argsort(pooled_err))
    pooled = np.where(pooled_rank < k, 1.0 / pooled_err, 0.0)
    pooled = pooled / pooled.sum() if pooled.sum() > 0 else np.full_like(pooled, 1 / len(pooled))
    return (1 - lam) * local + lam * pooled[None, :]


def _equal(n_series: int, n_members: int) -> np.ndarray:
    return np.full((n_series, n_members), 1.0 / n_members)


def _to_log(values: np.ndarray) -> np.ndarray:
    # Trade values in dollars: a one-dollar floor keeps zeros (a clipped bound) finite.
    return np.log(np.maximum(values, 1.0))


def _combine(weights: np.ndarray, cube: np.ndarray, geometric: bool = False) -> np.ndarray:
    """weights [s, m] x cube [s, m, w, t] -> [s, w, t]; NaN members drop out, weights rescaled."""
    usable = np.isfinite(cube)
    values = np.where(usable, _to_log(cube) if geometric else cube, 0.0)
    total = np.einsum("sm,smwt->swt", weights, values)
    mass = np.einsum("sm,smwt->swt", weights, usable.astype("float64"))
    out = np.divide(total, mass, out=np.full_like(total, np.nan), where=mass > 0)
    return np.exp(out) if geometric else out


def choose_ensemble(
    cv: pd.DataFrame, scales: pd.Series, members: Sequence[str], levels: Sequence[int],
    *, calibrate: bool = True, spread: pd.Series | None = None,
    logged: pd.Series | None = None,
) -> EnsembleChoice:
    """Choose the combination rule, weights and interval calibration from the back-test rows.

    Args:
        cv: member-table rows with ``kind == "cv"`` for the regular series.
        scales: per-series error scale (in-sample seasonal-naive MAE); missing or zero scales
            fall back to the series' mean absolute value so every series can be weighted.
        members: member names present in ``cv``.
        levels: interval levels to calibrate.
        calibrate: calibrate the intervals on the back-test errors (:mod:`.intervals`).
        spread: series id -> :func:`~haiquan.forecast.intervals.series_spread` (default 1 for
            every series: errors pooled unscaled).
        logged: series id -> modelled on logs (default: none).
    """
    names = [m for m in members if m in set(cv["member"])]
    predicted, ids = _cube(cv, "mean", names)
    actual = _cube(cv, "y", names)[0][:, 0]  # [s, w, t]
    level_of_series = np.nanmean(np.abs(actual), axis=(1, 2))
    scale = scales.reindex(ids).to_numpy(dtype="float64")
    scale = np.where(np.isfinite(scale) & (scale > 0), scale,
                     np.maximum(level_of_series, 1e-9))
    abs_err = np.abs(predicted - actual[:, None]) / scale[:, None, None, None]
    with warnings.catch_warnings():
        # A member that failed on a series leaves a window all-NaN; its mean is NaN (the rules
        # below skip NaN), which numpy also reports as a warning the user cannot act on.
        warnings.simplefilter("ignore", RuntimeWarning)
        err_sw = np.nanmean(abs_err, axis=3)  # [s, m, w]
    n_windows = err_sw.shape[2]
    rules: list[tuple[str, bool, int, float]] = [
        ("equal", geometric, len(names), 1.0) for geometric in (False, True)]
    for k in range(1, len(names) + 1):
        for lam in _LAMBDAS:
            if k == len(names) and lam not in (0.0, 1.0):
                continue
            rules.append(("inverse", False, k, lam))
    rows = []
    for weighting, geometric, k, lam in rules:
        scores = []
        for held in range(n_windows):
            others = [w for w in range(n_windows) if w != held] or [held]
            weights = (_equal(len(ids), len(names)) if weighting == "equal" else
                       _weights(np.nanmean(err_sw[:, :, others], axis=2), k, lam))
            combined = _combine(weights, predicted[:, :, [held]], geometric)[:, 0]
            scores.append(np.abs(combined - actual[:, held]).mean(axis=1) / scale)
        rows.append({"weighting": weighting, "geometric": geometric, "top_k": k,
                     "shrink": lam, "mase": float(np.nanmean(np.mean(scores, axis=0)))})
    # Ties go to the simplest rule: equal weights first, then fewer members.
    grid = pd.DataFrame(rows).reset_index(names="order").sort_values(
        ["mase", "order"]).drop(columns="order").reset_index(drop=True)
    best = grid.iloc[0]
    k, lam = int(best["top_k"]), float(best["shrink"])
    weighting, geometric = str(best["weighting"]), bool(best["geometric"])
    weights = (_equal(len(ids), len(names)) if weighting == "equal" else
               _weights(np.nanmean(err_sw, axis=2), k, lam))
    intervals = None
    if calibrate:
        index = pd.Index(ids, name="unique_id")
        intervals = calibrate_intervals(
            actual, _combine(weights, predicted, geometric), ids,
            spread.reindex(index) if spread is not None else pd.Series(1.0, index=index),
            logged.reindex(index).fillna(False).astype(bool) if logged is not None
            else pd.Series(False, index=index), levels)
    return EnsembleChoice(
        members=names, top_k=k, shrink=lam, intervals=intervals,
        backtest_mase=float(best["mase"]),
        member_mase={n: float(np.nanmean(err_sw[:, i])) for i, n in enumerate(names)},
        weights=pd.DataFrame(weights, index=pd.Index(ids, name="unique_id"), columns=names),
        grid=grid, in_sample=n_windows == 1, weighting=weighting, geometric=geometric,
    )


def combine_forecasts(
    forecasts: pd.DataFrame, choice: EnsembleChoice, levels: Sequence[int]
) -> pd.DataFrame:
    """Final ensemble forecasts of the regular series.

    Args:
        forecasts: member-table rows with ``kind == "forecast"``.

    Returns:
        ``unique_id, ds, yhat, lo_<l>, hi_<l>, model, band_usable`` where ``model`` names the
        members kept and their weights, e.g. ``Ensemble(ETS:0.41+DOTM:0.35+MSTL:0.24)``, and
        ``band_usable`` is false where the back-tests could not calibrate a band (its bounds
        are then NaN).
    """
    rows = forecasts[forecasts["member"].isin(choice.members)
                     & forecasts["unique_id"].isin(choice.weights.index)]
    weights = choice.weights.rename_axis(columns="member").stack().rename("weight").reset_index()
    merged = rows.merge(weights, on=["unique_id", "member"], how="inner")
    value_cols = ["mean", *[f"{s}_{lv}" for lv in levels for s in ("lo", "hi")]]
    # A member that failed on a series (NaN) drops out and the others' weights are rescaled.
    usable = merged["mean"].notna()
    weight = merged["weight"].where(usable, 0.0)
    values = merged[value_cols]
    if choice.geometric:
        values = np.log(values.clip(lower=1.0))
    weighted = values.fillna(0.0).mul(weight, axis=0)
    weighted[["unique_id", "ds"]] = merged[["unique_id", "ds"]]
    weighted["_w"] = weight
    out = weighted.groupby(["unique_id", "ds"], sort=True)[[*value_cols, "_w"]].sum()
    out = out[value_cols].div(out["_w"].where(out["_w"] > 0), axis=0)
    if choice.geometric:
        out = np.exp(out)
    out = out.reset_index()
    out = out.rename(columns={"mean": "yhat"})
    if choice.intervals is not None:
        out = apply_intervals(out, choice.intervals).reset_index(drop=True)
    else:
        out["band_usable"] = True
    labels = {uid: _label(row, choice.geometric) for uid, row in choice.weights.iterrows()}
    out["model"] = out["unique_id"].map(labels)
    return out


def _label(weights: pd.Series, geometric: bool) -> str:
    kept = weights[weights > 0.005].sort_values(ascending=False, kind="stable")
    head = "Ensemble(geometric " if geometric else "Ensemble("
    return head + "+".join(f"{name}:{value:.2f}" for name, value in kept.items()) + ")"
