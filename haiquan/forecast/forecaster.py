"""The orchestrator: one object that forecasts a long panel, like statsforecast's ``StatsForecast``.

``Forecaster(config, engine).forecast(df)`` takes any long table with configurable id, time and
target columns, classifies its series (regular / short / intermittent / skipped), runs the member
models through the engine, chooses the ensemble from the rolling-origin back-tests and returns
point forecasts with intervals and the method used for each series. ``backtest`` holds out the
last ``horizon`` periods, forecasts them, and scores every member, the ensemble and the
seasonal-naive benchmark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from haiquan.errors import InputError
from haiquan.forecast._members import (
    REGULAR,
    classify_series,
    member_schema,
    run_members,
)
from haiquan.forecast.config import ForecastConfig
from haiquan.forecast.engines import ForecastEngine, make_engine
from haiquan.forecast.ensemble import EnsembleChoice, choose_ensemble, combine_forecasts
from haiquan.forecast.intervals import MAX_BAND_RATIO, min_errors, series_spread
from haiquan.forecast.metrics import naive_scale, score_forecasts, summarise_scores
from haiquan.forecast.models import FALLBACK_METHOD, INTERMITTENT_METHOD, SHORT_METHOD
from haiquan.forecast.panel import FREQUENCY_RULES

__all__ = ["BENCHMARK", "ENSEMBLE", "BacktestResult", "Forecaster"]

#: Model names in back-test scores: the final output of each series, and the benchmark.
ENSEMBLE = "Ensemble"
BENCHMARK = "SeasonalNaive(benchmark)"


@dataclass
class BacktestResult:
    """Scores of a hold-out back-test.

    Attributes:
        scores: one row per series and model: ``mase, smape, coverage_<l>, n``.
        summary: mean of each measure per model, best MASE first.
        forecasts: the held-out forecasts of the final output (``model`` column says which).
        series: the classification of each series.
        choice: the ensemble chosen on the training part.
        cutoff: the last period used for training.
        seconds: wall time of the forecast (not of the scoring).
    """

    scores: pd.DataFrame
    summary: pd.DataFrame
    forecasts: pd.DataFrame
    series: pd.DataFrame
    choice: EnsembleChoice | None
    cutoff: pd.Timestamp
    seconds: float
    notes: list[str] = field(default_factory=list)


class Forecaster:
    """Forecast every series of a long panel with a back-test-weighted ensemble.

    Args:
        config: the knobs (:class:`~haiquan.forecast.config.ForecastConfig`).
        engine: where member models run; default from the settings (:func:`make_engine`).
        frequency: canonical frequency code of the panel (``M``, ``Q`` or ``A``).
        id_col, time_col, target_col: column names of the input (and output) table.

    Example::

        fc = Forecaster(ForecastConfig(horizon=12), frequency="M")
        out = fc.forecast(panel)          # unique_id, ds, yhat, lo_80 ... hi_95, model
        fc.series_                        # class and method of each series
    """

    def __init__(
        self,
        config: ForecastConfig | None = None,
        engine: ForecastEngine | None = None,
        *,
        frequency: str = "M",
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        if frequency not in FREQUENCY_RULES:
            raise InputError(
                f"unknown frequency {frequency!r}",
                expected="M, Q or A",
                got=repr(frequency),
                fix="pass frequency='M' for monthly data",
            )
        self.config = config or ForecastConfig()
        self.engine = engine or make_engine()
        self.rule = FREQUENCY_RULES[frequency]
        self.id_col, self.time_col, self.target_col = id_col, time_col, target_col
        self.series_: pd.DataFrame | None = None
        self.members_: pd.DataFrame | None = None
        self.choice_: EnsembleChoice | None = None
        self.notes_: list[str] = []

    # --- the verbs --------------------------------------------------------------------------
    def fit(self, df: pd.DataFrame, *, member_bands: bool | None = None) -> Forecaster:
        """Back-test and forecast the members on every series, then choose the ensemble.

        ``member_bands``: keep each member's own bounds in :attr:`members_` (default: only
        when the ensemble's bands are not calibrated, the one use of them in a forecast;
        :meth:`backtest` keeps them to score every member).
        """
        if member_bands is None:
            member_bands = not self.config.calibrate_intervals
        panel = self._standard(df)
        every_id = panel["unique_id"].unique()
        panel = _trim_leading_zeros(panel)
        config = self.config
        if config.max_history_years is not None:
            # M, Q and A have 12, 4 and 1 periods a year: their season lengths.
            keep = config.max_history_years * max(self.rule.season_length, 1)
            panel = panel.groupby("unique_id", sort=False).tail(keep).reset_index(drop=True)
        info = classify_series(panel, config, self.rule.season_length)
        never_traded = sorted(set(every_id) - set(info["unique_id"]))
        if never_traded:
            info = pd.concat(
                [
                    info,
                    pd.DataFrame(
                        {
                            "unique_id": never_traded,
                            "n_obs": 0,
                            "zero_share": 1.0,
                            "positive": False,
                            "last_ds": pd.NaT,
                            "series_class": "skipped",
                            "log": False,
                        }
                    ),
                ],
                ignore_index=True,
            )
        work = panel.merge(info[["unique_id", "series_class", "log"]], on="unique_id")
        work = work[work["series_class"] != "skipped"]
        func = partial(
            _members_job,
            config=config,
            season_length=self.rule.season_length,
            pandas_freq=self.rule.pandas_freq,
            member_bands=member_bands,
        )
        members = (
            self.engine.map_series(work, func, member_schema(config.levels))
            if not work.empty
            else pd.DataFrame(columns=["unique_id", "kind", "member"])
        )
        self.members_ = members
        regular_cv = members[(members["kind"] == "cv")]
        self.choice_ = None
        self.notes_ = []
        longest = int(info["n_obs"].max()) if len(info) else 0
        if 0 < longest < config.horizon:
            # Not refused (a new partner's few months may still want a year ahead), but said:
            # a series too short for the back-tests is forecast by a simpler method, and a
            # forecast further out than the data reaches back is an extrapolation.
            self.notes_.append(
                f"the horizon ({config.horizon} periods) is longer than the history of every "
                f"series (the longest has {longest}): the forecasts past that are "
                "extrapolations, and series too short to back-test over the horizon use a "
                "simpler method (see model); a shorter --horizon gives the ensemble"
            )
        if not regular_cv.empty:
            train = panel[panel["unique_id"].isin(regular_cv["unique_id"].unique())]
            scales = _scales(train, self.rule.season_length)
            logged = info.set_index("unique_id")["log"].astype(bool)
            spread = train.groupby("unique_id", sort=True)["y"].apply(
                lambda v: series_spread(
                    v.to_numpy(), self.rule.season_length, bool(logged.get(v.name, False))
                )
            )
            self.choice_ = choose_ensemble(
                regular_cv,
                scales,
                config.members,
                config.levels,
                calibrate=config.calibrate_intervals,
                spread=spread,
                logged=logged,
            )
            if self.choice_.in_sample:
                self.notes_.append("one back-test window: the ensemble was chosen in-sample")
            self.notes_ += _band_notes(self.choice_)
        short = int((info["series_class"] == "short").sum())
        if short:
            self.notes_.append(
                f"no band for {short} series too short to back-test (the ensemble needs "
                f"{config.regular_min_obs(self.rule.season_length)} values): only the point "
                "forecast is given"
            )
        info["method"] = info["series_class"].map(
            {
                "skipped": "not forecast",
                REGULAR: ENSEMBLE,
                "short": SHORT_METHOD,
                "intermittent": INTERMITTENT_METHOD,
            }
        )
        self.series_ = info
        return self

    def predict(self, h: int | None = None) -> pd.DataFrame:
        """Forecasts of the fitted panel ``h`` periods ahead (at most ``config.horizon``).

        Returns:
            ``id, time, yhat, lo_<l>, hi_<l>, model, band_usable, series_class`` (``model``
            names the method: ``Ensemble(ETS:0.41+...)``, ``ETS(non-seasonal)`` or
            ``CrostonSBA``). Where the data cannot support a band (a series too short to
            back-test, too few back-test errors for the level) the bounds are NaN and
            ``band_usable`` is false; the notes say why.
        """
        if self.members_ is None or self.series_ is None:
            raise InputError(
                "the forecaster is not fitted",
                expected="fit(df) first",
                got="predict() on a new Forecaster",
                fix="call forecast(df)",
            )
        h = h or self.config.horizon
        if h > self.config.horizon:
            raise InputError(
                "cannot predict beyond the fitted horizon",
                expected=f"h <= {self.config.horizon}",
                got=str(h),
                fix="build the Forecaster with a longer ForecastConfig.horizon",
            )
        levels = self.config.levels
        finals = self.members_[self.members_["kind"] == "forecast"]
        parts = []
        if self.choice_ is not None:
            combined = combine_forecasts(finals, self.choice_, levels)
            parts.append(combined)
            note = _too_wide_note(combined, self.choice_)
            if note and note not in self.notes_:
                self.notes_.append(note)
        single = finals[
            ~finals["unique_id"].isin(
                self.choice_.weights.index if self.choice_ is not None else []
            )
        ]
        if not single.empty:
            single = single.rename(columns={"mean": "yhat", "member": "model"})[
                ["unique_id", "ds", "yhat", *_bounds(levels), "model"]
            ]
            # A series too short to back-test has only its model's own band, never checked
            # against what happened: it is not shown (an intermittent series' conformal band
            # comes from its own rolling origins and is).
            unchecked = single["model"].isin([SHORT_METHOD, FALLBACK_METHOD]).to_numpy()
            single.loc[unchecked, _bounds(levels)] = np.nan
            parts.append(
                single.assign(band_usable=~unchecked & single[_bounds(levels)].notna().all(axis=1))
            )
        columns = ["unique_id", "ds", "yhat", *_bounds(levels), "model", "band_usable"]
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
        out = out[columns].sort_values(["unique_id", "ds"])
        out["band_usable"] = out["band_usable"].astype(bool)
        out = out.groupby("unique_id", sort=False).head(h)
        classes = self.series_.set_index("unique_id")["series_class"]
        out["series_class"] = out["unique_id"].map(classes)
        return out.rename(columns={"unique_id": self.id_col, "ds": self.time_col}).reset_index(
            drop=True
        )

    def forecast(self, df: pd.DataFrame, h: int | None = None) -> pd.DataFrame:
        """``fit(df)`` then ``predict(h)``."""
        return self.fit(df).predict(h)

    def backtest(self, df: pd.DataFrame) -> BacktestResult:
        """Hold out the last ``horizon`` periods of the panel, forecast them and score.

        Scores the final output (``Ensemble``, which for short or intermittent series is their
        own method), every member, and the seasonal-naive benchmark, with MASE scaled by the
        in-sample seasonal-naive MAE of the training part.
        """
        panel = self._standard(df)
        h = self.config.horizon
        last = panel["ds"].max()
        cutoff = last - pd.DateOffset(**_offset(self.rule.code, h))
        train, test = panel[panel["ds"] <= cutoff], panel[panel["ds"] > cutoff]
        if train.empty or test.empty:
            raise InputError(
                "too little data to hold out a horizon",
                expected=f"more than {h} periods",
                got=f"{panel['ds'].nunique()} periods",
                fix="use a shorter --horizon",
            )
        started = time.perf_counter()
        self.fit(
            train.rename(
                columns={"unique_id": self.id_col, "ds": self.time_col, "y": self.target_col}
            ),
            member_bands=True,
        )
        final = self.predict().rename(columns={self.id_col: "unique_id", self.time_col: "ds"})
        seconds = time.perf_counter() - started
        assert self.members_ is not None and self.series_ is not None
        scored_ids = set(final["unique_id"])
        season = self.rule.season_length
        scales = _scales(train[train["unique_id"].isin(scored_ids)], season)
        tables = [final.assign(model=ENSEMBLE)]
        members = self.members_[
            (self.members_["kind"] == "forecast")
            & self.members_["unique_id"].isin(self.choice_.weights.index if self.choice_ else [])
        ]
        tables.append(members.rename(columns={"mean": "yhat", "member": "model"}))
        tables.append(
            _seasonal_naive(
                train[train["unique_id"].isin(scored_ids)],
                h,
                season,
                self.rule.pandas_freq,
                self.config.levels,
            )
        )
        table = pd.concat(
            [t[["unique_id", "ds", "model", "yhat", *_bounds(self.config.levels)]] for t in tables],
            ignore_index=True,
        )
        scores = score_forecasts(table, test, scales, levels=self.config.levels)
        return BacktestResult(
            scores=scores,
            summary=summarise_scores(scores),
            forecasts=final,
            series=self.series_,
            choice=self.choice_,
            cutoff=cutoff,
            seconds=seconds,
            notes=list(self.notes_),
        )

    # --- helpers ----------------------------------------------------------------------------
    def _standard(self, df: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in (self.id_col, self.time_col, self.target_col) if c not in df]
        if missing:
            raise InputError(
                "the panel lacks columns",
                expected=f"{self.id_col}, {self.time_col}, {self.target_col}",
                got=", ".join(map(str, df.columns)),
                fix="pass id_col/time_col/target_col naming your columns",
            )
        panel = pd.DataFrame(
            {
                "unique_id": df[self.id_col].astype(str).to_numpy(),
                "ds": pd.to_datetime(df[self.time_col]).to_numpy(),
                "y": pd.to_numeric(df[self.target_col], errors="coerce").to_numpy(dtype="float64"),
            }
        )
        if panel["y"].isna().any() or (panel["y"] < 0).any():
            raise InputError(
                "the target must be a number of zero or more in every row",
                expected="non-negative numbers",
                got=f"{int(panel['y'].isna().sum())} missing, "
                f"{int((panel['y'] < 0).sum())} negative",
                fix="fill gaps with 0 (flows_to_panel does) and drop bad rows",
            )
        return panel.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def _band_notes(choice: EnsembleChoice) -> list[str]:
    """What the reader must know when the back-tests cannot support a band at some step."""
    calibration = choice.intervals
    if calibration is None:
        return []
    notes = []
    for level in calibration.levels:
        missing = np.flatnonzero(~calibration.supported(level))
        if missing.size == 0:
            continue
        first = int(missing[0])
        count = int(calibration.errors[first]) if first < calibration.errors.size else 0
        where = "at any step" if first == 0 else f"beyond {first} periods ahead"
        notes.append(
            f"no {level} % band {where}: the back-tests left {count} errors per step to "
            f"calibrate it and a {level} % band needs {min_errors(level)} (more series, or "
            "a shorter --horizon, give one); the forecast itself is shown"
        )
    return notes


def _too_wide_note(combined: pd.DataFrame, choice: EnsembleChoice) -> str | None:
    """Say how many series lost their band (from some period on) for being too wide to read."""
    calibration = choice.intervals
    if calibration is None or combined.empty:
        return None
    supported = np.logical_and.reduce([calibration.supported(lv) for lv in calibration.levels])
    step = combined.groupby("unique_id", sort=False).cumcount().to_numpy()
    calibrated = supported[np.minimum(step, supported.size - 1)] & (step < supported.size)
    lost = combined.loc[calibrated & ~combined["band_usable"].to_numpy(dtype=bool), "unique_id"]
    count = lost.nunique()
    if not count:
        return None
    return (
        f"no band for {count} series from some period on: the band would reach beyond "
        f"{MAX_BAND_RATIO:g} times the forecast or below a {MAX_BAND_RATIO:g}th of it, too "
        "volatile a history for a band that far ahead (band_usable is false there)"
    )


def _trim_leading_zeros(panel: pd.DataFrame) -> pd.DataFrame:
    """A series starts at its first trade.

    Zeros before it (an embargo, a partner that did not exist yet) are not part of its dynamics
    and would block the log transform; a series that never traded disappears here and is
    listed as skipped.
    """
    started = (panel["y"] > 0).groupby(panel["unique_id"]).cummax()
    return panel[started].reset_index(drop=True)


def _members_job(
    panel: pd.DataFrame,
    n_jobs: int,
    *,
    config: ForecastConfig,
    season_length: int,
    pandas_freq: str,
    member_bands: bool = True,
) -> pd.DataFrame:
    return run_members(
        panel,
        config,
        season_length=season_length,
        pandas_freq=pandas_freq,
        n_jobs=n_jobs,
        member_bands=member_bands,
    )


def _bounds(levels: tuple[int, ...]) -> list[str]:
    return [f"{side}_{level}" for level in levels for side in ("lo", "hi")]


def _offset(code: str, periods: int) -> dict[str, int]:
    return {"M": {"months": periods}, "Q": {"months": 3 * periods}, "A": {"years": periods}}[code]


def _scales(panel: pd.DataFrame, season_length: int) -> pd.Series:
    return panel.groupby("unique_id", sort=True)["y"].apply(
        lambda v: naive_scale(v.to_numpy(), season_length)
    )


def _seasonal_naive(
    train: pd.DataFrame, h: int, season: int, freq: str, levels: tuple[int, ...]
) -> pd.DataFrame:
    """The benchmark, computed directly so every back-test has it whatever the members."""
    from scipy.stats import norm

    rows = []
    for uid, group in train.groupby("unique_id", sort=True):
        y = group["y"].to_numpy()
        lag = min(season, len(y))
        base = y[-lag:]
        values = np.resize(base, h)
        residuals = y[lag:] - y[:-lag] if len(y) > lag else np.array([0.0])
        sigma = float(np.std(residuals, ddof=0))
        k = np.arange(h) // lag + 1
        ds = pd.date_range(group["ds"].iloc[-1], periods=h + 1, freq=freq)[1:]
        frame = pd.DataFrame({"unique_id": uid, "ds": ds, "model": BENCHMARK, "yhat": values})
        for level in levels:
            z = norm.ppf(0.5 + level / 200)
            frame[f"lo_{level}"] = np.maximum(values - z * sigma * np.sqrt(k), 0.0)
            frame[f"hi_{level}"] = values + z * sigma * np.sqrt(k)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)
