"""Run the member models of every series: rolling-origin back-tests and the final forecasts.

This is the heavy, embarrassingly parallel part: each series is handled on its own, so an engine
may split the panel over processes or a cluster and get the same numbers. Everything that pools
information across series (choosing the ensemble, calibrating intervals) happens afterwards in
:mod:`.ensemble`, on the small table this module returns.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from haiquan.forecast.config import ForecastConfig
from haiquan.forecast.models import (
    FALLBACK_METHOD,
    INTERMITTENT_METHOD,
    SHORT_METHOD,
    build_model,
)

__all__ = ["classify_series", "member_columns", "member_schema", "run_members"]

logger = logging.getLogger(__name__)

#: Series classes, in the ``series_class`` column.
REGULAR, SHORT, INTERMITTENT = "regular", "short", "intermittent"


def member_columns(levels: Sequence[int]) -> list[str]:
    """Columns of the member table, in order."""
    bounds = [f"{side}_{level}" for level in levels for side in ("lo", "hi")]
    return ["unique_id", "kind", "cutoff", "ds", "member", "y", "mean", *bounds]


def member_schema(levels: Sequence[int]) -> str:
    """The member table's Fugue schema (for engines that need it declared)."""
    types = {
        "unique_id": "str",
        "kind": "str",
        "cutoff": "datetime",
        "ds": "datetime",
        "member": "str",
    }
    return ",".join(f"{c}:{types.get(c, 'double')}" for c in member_columns(levels))


def classify_series(
    panel: pd.DataFrame, config: ForecastConfig, season_length: int
) -> pd.DataFrame:
    """One row per series: ``n_obs``, ``zero_share``, ``series_class``, ``log``.

    Classes: *regular* (long enough to back-test the ensemble), *intermittent* (many zero
    periods; long enough for conformal intervals), *short* (everything else with at least
    ``config.min_obs`` values) and *skipped*.
    """
    grouped = panel.groupby("unique_id", sort=True)["y"]
    info = pd.DataFrame(
        {
            "n_obs": grouped.size(),
            "zero_share": grouped.apply(lambda v: float((v <= 0).mean())),
            "positive": grouped.min() > 0,
            "last_ds": panel.groupby("unique_id", sort=True)["ds"].max(),
        }
    )
    regular_min = config.regular_min_obs(season_length)
    intermittent_min = (config.cv_windows + 1) * config.horizon + 1
    klass = np.where(info["n_obs"] < config.min_obs, "skipped", SHORT)
    klass = np.where(
        (info["zero_share"] >= config.intermittent_share) & (info["n_obs"] >= intermittent_min),
        INTERMITTENT,
        klass,
    )
    klass = np.where(
        (info["zero_share"] < config.intermittent_share) & (info["n_obs"] >= regular_min),
        REGULAR,
        klass,
    )
    info["series_class"] = klass
    info["log"] = info["positive"] & config.log_transform & (info["series_class"] != INTERMITTENT)
    if config.drop_stale:
        newest = info["last_ds"].max()
        info.loc[info["last_ds"] < newest, "series_class"] = "skipped"
    return info.reset_index()


def run_members(
    panel: pd.DataFrame,
    config: ForecastConfig,
    *,
    season_length: int,
    pandas_freq: str,
    n_jobs: int = 1,
    member_bands: bool = True,
) -> pd.DataFrame:
    """Back-test and forecast every member on every series of ``panel``.

    Args:
        panel: ``unique_id, ds, y, series_class, log`` (from :func:`classify_series`), one
            frequency only.
        n_jobs: processes statsforecast may use here (engines that split the panel pass 1).
        member_bands: give the members' own bounds on the final forecasts of regular series.
            Only what reads them needs them — scoring each member in a back-test, or an
            ensemble whose bands are not calibrated (calibrated bands replace them); each
            band costs the model a pass of its own.

    Returns:
        The member table (:func:`member_columns`): ``kind`` is ``cv`` for a rolling-origin
        back-test row (``y`` holds the actual value) and ``forecast`` for a final forecast row.
        Values are on the original scale. Back-test rows carry no bounds (nothing reads them:
        the ensemble is chosen, and its bands calibrated, on the point forecasts' errors).
    """
    frames = []
    work = panel.sort_values(["unique_id", "ds"])
    for klass, runner in (
        (REGULAR, _run_regular),
        (SHORT, _run_short),
        (INTERMITTENT, _run_intermittent),
    ):
        part = work[work["series_class"] == klass]
        if part.empty:
            continue
        if klass == REGULAR:
            frames.append(
                _run_regular(
                    part, config, season_length, pandas_freq, n_jobs, member_bands=member_bands
                )
            )
        else:
            frames.append(runner(part, config, season_length, pandas_freq, n_jobs))
    columns = member_columns(config.levels)
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
        for c in ("unique_id", "kind", "member"):
            empty[c] = empty[c].astype(object)
        for c in ("cutoff", "ds"):
            empty[c] = empty[c].astype("datetime64[ns]")
        return empty
    out = pd.concat(frames, ignore_index=True)
    out["cutoff"] = pd.to_datetime(out["cutoff"]).astype("datetime64[ns]")
    out["ds"] = pd.to_datetime(out["ds"]).astype("datetime64[ns]")
    return out[columns]


def _run_regular(
    part: pd.DataFrame,
    config: ForecastConfig,
    season: int,
    freq: str,
    n_jobs: int,
    *,
    member_bands: bool = True,
) -> pd.DataFrame:
    """Rolling-origin back-tests by statsforecast's ``cross_validation``; final forecasts by
    each member estimated once and carried forward.

    The back-tests are the library's ``cross_validation(refit=False)``: each member is
    estimated at the first origin and applied (``forward``) to the later ones. The final
    forecast estimates each member on the data up to that first origin too and carries it
    forward to the whole series (unless ``config.final_refit``), which the design was chosen
    and measured with (docs/forecast.md, "Back-tests").
    """
    names = [n for n in config.members if build_model(n, season) is not None]
    levels = sorted(config.levels)
    final_levels = levels if member_bands else []
    h, step, windows = config.horizon, config.step, config.cv_windows
    rows = _Rows(levels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backtests = _backtests(part, names, season, freq, config)
        for key, group in part.groupby("unique_id", sort=True):
            uid = str(key)
            y = group["y"].to_numpy(dtype="float64")
            logged = bool(group["log"].iloc[0])
            work = np.log(y) if logged else y
            stamps = pd.DatetimeIndex(group["ds"])
            future = pd.date_range(stamps[-1], periods=h + 1, freq=freq)[1:]
            origins = [len(y) - h - (windows - 1 - i) * step for i in range(windows)]
            forecast_by = []
            for name in names:
                found = backtests.get((uid, name))
                for number, origin in enumerate(origins):
                    mean = None if found is None else found[number]
                    rows.add(
                        uid,
                        "cv",
                        stamps[origin - 1],
                        stamps[origin : origin + h],
                        name,
                        y[origin : origin + h],
                        None if mean is None else {"mean": mean},
                        logged,
                    )
                fitted = (
                    None
                    if config.final_refit
                    else _fit(build_model(name, season), work[: origins[0]], uid, name)
                )
                if hasattr(fitted, "forward"):
                    result = _apply(fitted, work, h, final_levels, uid, name)
                else:  # asked for, or the fit at the first origin failed: estimate on it all
                    result = _apply_new(build_model(name, season), work, h, final_levels, uid, name)
                if result is not None:
                    forecast_by.append(name)
                rows.add(uid, "forecast", pd.NaT, future, name, None, result, logged)
            if not forecast_by:
                logger.warning(
                    "no forecast member could forecast series %s (%d values; "
                    "members %s): it has no forecast",
                    uid,
                    len(y),
                    ", ".join(names),
                )
    return rows.frame()


def _backtests(
    part: pd.DataFrame, names: list[str], season: int, freq: str, config: ForecastConfig
) -> dict[tuple[str, str], list[np.ndarray | None]]:
    """(series, member) -> the member's point forecast (on the modelled scale) at each origin,
    oldest first, from statsforecast's ``cross_validation(refit=False)``.

    The library stops at the first series a model fails on, so a member that fails on the
    group is back-tested again one series at a time, and on a series where it still fails it
    is estimated afresh at each origin (a later origin has more data): only the origins it
    fails at lose it. Every failure is logged with the series, the member and the error.
    """
    from statsforecast import StatsForecast

    panel = pd.DataFrame(
        {
            "unique_id": part["unique_id"].astype(str).to_numpy(),
            "ds": part["ds"].to_numpy(),
            "y": np.where(part["log"], np.log(part["y"].clip(lower=1e-300)), part["y"]),
        }
    )
    found: dict[tuple[str, str], list[np.ndarray | None]] = {}
    h, step, windows = config.horizon, config.step, config.cv_windows

    def run(name: str, data: pd.DataFrame) -> pd.DataFrame:
        engine = StatsForecast(models=[build_model(name, season)], freq=freq, n_jobs=1)
        return engine.cross_validation(h=h, df=data, n_windows=windows, step_size=step, refit=False)

    for name in names:
        try:
            tables = [run(name, panel)]
        except Exception as error:
            logger.debug(
                "forecast member %s could not be back-tested on the group of series %s (%s: "
                "%s); back-testing each series alone",
                name,
                ", ".join(panel["unique_id"].unique()),
                type(error).__name__,
                error,
            )
            tables = []
            for uid, one in panel.groupby("unique_id", sort=True):
                try:
                    tables.append(run(name, one))
                except Exception as alone:
                    _failed(name, "back-tested (estimated at each origin instead)", uid, one, alone)
                    # Estimated afresh at each origin, a later one (more data) may still work.
                    work = one["y"].to_numpy(dtype="float64")
                    origins = [len(work) - h - (windows - 1 - i) * step for i in range(windows)]
                    results = [
                        _apply_new(build_model(name, season), work[:origin], h, [], str(uid), name)
                        for origin in origins
                    ]
                    found[(str(uid), name)] = [
                        None if r is None else np.asarray(r["mean"], dtype="float64")
                        for r in results
                    ]
        for table in tables:
            table = table.reset_index() if "unique_id" not in table.columns else table
            # The forecast's column is named after the model (its alias).
            (column,) = [c for c in table.columns if c not in ("unique_id", "ds", "cutoff", "y")]
            table = table.sort_values(["unique_id", "cutoff", "ds"])
            for (uid, _cutoff), window in table.groupby(["unique_id", "cutoff"], sort=True):
                found.setdefault((str(uid), name), []).append(
                    window[column].to_numpy(dtype="float64")
                )
    return found


# A model that cannot be estimated on a series (a flat stretch, too few values for its season,
# an optimiser that does not converge) must not stop the other series: the member gets no
# weight on that series (NaN rows) and the others go on. Each failure is logged at debug level
# with the series and the reason (it is expected, e.g. damped ETS on nine annual values);
# a series that no member can forecast is a warning. statsforecast raises many exception
# types, hence the broad catch.


def _failed(name: str, what: str, uid: object, y: Any, error: Exception) -> None:
    logger.debug(
        "forecast member %s could not be %s on series %s (%d values): %s: %s",
        *(name, what, uid, len(y), type(error).__name__, error),
    )


def _fit(model: Any, y: np.ndarray, uid: str, name: str) -> Any | None:
    try:
        return model.fit(y)
    except Exception as error:
        _failed(name, "estimated", uid, y, error)
        return None


def _apply(
    model: Any | None, y: np.ndarray, h: int, levels: list[int], uid: str, name: str
) -> dict | None:
    if model is None:
        return None
    try:
        return dict(model.forward(y=y, h=h, level=levels or None))
    except Exception as error:
        _failed(name, "carried forward", uid, y, error)
        return None


def _apply_new(
    model: Any, y: np.ndarray, h: int, levels: list[int], uid: str, name: str
) -> dict | None:
    try:
        return dict(model.forecast(y=y, h=h, level=levels or None))
    except Exception as error:
        _failed(name, "estimated and forecast", uid, y, error)
        return None


class _Rows:
    """The member table of a group of series, gathered as arrays and made a frame once.

    A frame per series, member and origin cost about as much as the models' own filter passes
    (pandas builds and checks every column of every small frame).
    """

    def __init__(self, levels: list[int]) -> None:
        self.levels = levels
        self.columns: dict[str, list[np.ndarray]] = {
            c: []
            for c in [
                "unique_id",
                "kind",
                "cutoff",
                "ds",
                "member",
                "y",
                "mean",
                *[f"{side}_{level}" for level in levels for side in ("lo", "hi")],
            ]
        }

    def add(
        self,
        uid: str,
        kind: str,
        cutoff: Any,
        ds: Any,
        member: str,
        actual: np.ndarray | None,
        result: dict | None,
        logged: bool,
    ) -> None:
        """Rows of one forecast (``result`` ``None``: the member failed, NaN values)."""
        n = len(ds)
        nan = np.full(n, np.nan)
        columns = self.columns
        columns["unique_id"].append(np.full(n, uid, dtype=object))
        columns["kind"].append(np.full(n, kind, dtype=object))
        columns["member"].append(np.full(n, member, dtype=object))
        columns["cutoff"].append(
            np.full(
                n,
                pd.Timestamp(cutoff).to_datetime64()
                if not pd.isna(cutoff)
                else np.datetime64("NaT"),
                dtype="datetime64[ns]",
            )
        )
        columns["ds"].append(np.asarray(ds, dtype="datetime64[ns]"))
        columns["y"].append(nan if actual is None else np.asarray(actual, dtype="float64"))
        values = {"mean": nan if result is None else np.asarray(result["mean"], dtype="float64")}
        for level in self.levels:
            for side in ("lo", "hi"):
                key = f"{side}-{level}"
                values[f"{side}_{level}"] = (
                    nan
                    if result is None or key not in result
                    else np.asarray(result[key], dtype="float64")
                )
        for key, array in values.items():
            array = np.exp(array) if logged else array
            columns[key].append(np.clip(array, 0.0, None))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                c: np.concatenate(parts) if parts else np.array([])
                for c, parts in self.columns.items()
            }
        )


def _run_short(
    part: pd.DataFrame, config: ForecastConfig, season: int, freq: str, n_jobs: int
) -> pd.DataFrame:
    """A non-seasonal AutoETS; Naive where even that cannot be estimated (very few values)."""
    from statsforecast.models import AutoETS, Naive

    levels = sorted(config.levels)
    rows = _Rows(levels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, group in part.groupby("unique_id", sort=True):
            uid = str(key)
            y = group["y"].to_numpy(dtype="float64")
            logged = bool(group["log"].iloc[0])
            work = np.log(y) if logged else y
            future = pd.date_range(group["ds"].iloc[-1], periods=config.horizon + 1, freq=freq)[1:]
            label, result = (
                SHORT_METHOD,
                _apply_new(
                    AutoETS(season_length=1, model="ZZN"),
                    work,
                    config.horizon,
                    levels,
                    uid,
                    SHORT_METHOD,
                ),
            )
            if result is None or not np.all(np.isfinite(result["mean"])):
                label, result = (
                    FALLBACK_METHOD,
                    _apply_new(Naive(), work, config.horizon, levels, uid, FALLBACK_METHOD),
                )
                if result is None:
                    logger.warning(
                        "series %s (%d values) could not be forecast at all", uid, len(y)
                    )
            rows.add(uid, "forecast", pd.NaT, future, label, None, result, logged)
    return rows.frame()


def _run_intermittent(
    part: pd.DataFrame, config: ForecastConfig, season: int, freq: str, n_jobs: int
) -> pd.DataFrame:
    """Croston SBA with conformal intervals from its own rolling origins; Naive if it fails."""
    from statsforecast.models import CrostonSBA, Naive
    from statsforecast.utils import ConformalIntervals

    levels = sorted(config.levels)
    rows = _Rows(levels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, group in part.groupby("unique_id", sort=True):
            uid = str(key)
            y = group["y"].to_numpy(dtype="float64")
            future = pd.date_range(group["ds"].iloc[-1], periods=config.horizon + 1, freq=freq)[1:]
            model = CrostonSBA(
                prediction_intervals=ConformalIntervals(
                    h=config.horizon, n_windows=config.cv_windows
                )
            )
            label, result = (
                INTERMITTENT_METHOD,
                _apply_new(model, y, config.horizon, levels, uid, INTERMITTENT_METHOD),
            )
            if result is None:
                label, result = (
                    FALLBACK_METHOD,
                    _apply_new(Naive(), y, config.horizon, levels, uid, FALLBACK_METHOD),
                )
                if result is None:
                    logger.warning(
                        "series %s (%d values) could not be forecast at all", uid, len(y)
                    )
            rows.add(uid, "forecast", pd.NaT, future, label, None, result, False)
    return rows.frame()
