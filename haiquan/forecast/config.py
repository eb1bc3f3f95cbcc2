"""The one set of knobs a forecast run takes, with defaults chosen by back-test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from haiquan.errors import InputError
from haiquan.forecast.models import DEFAULT_MEMBERS, MODEL_CATALOGUE

__all__ = ["ForecastConfig"]


@dataclass(frozen=True)
class ForecastConfig:
    """How to forecast a panel of series.

    Attributes:
        horizon: periods ahead.
        levels: prediction-interval coverages in percent; the output has ``lo_<l>``/``hi_<l>``.
        members: catalogue names of the ensemble's candidate members (:mod:`.models`).
        log_transform: model strictly positive series on the log scale. Trade values grow and
            swing in proportion to their size, so additive models on logs fit them better.
        cv_windows: rolling origins used to weight the members, all inside the data given.
        cv_step: periods between origins (defaults to ``horizon``).
        final_refit: estimate each member again on the whole series for the final forecast.
            Members are estimated once, at the first rolling origin, and carried forward to
            the later origins with statsforecast's ``forward``; by default the final forecast
            is carried forward too, which saves a fit per member and series at no cost in
            accuracy (docs/forecast.md has the measurements).
        calibrate_intervals: calibrate the bands on the ensemble's back-test errors
            (:mod:`.intervals`); without it the members' own bands are combined.
        intermittent_share: a series with at least this share of zero periods is intermittent
            and gets Croston SBA instead of the ensemble.
        min_obs: series with fewer observations are not forecast (they are listed as skipped).
        drop_stale: skip series whose last observation is before the newest period of the
            panel (a partner code that was retired, like the Census's pre-2004 Israel).
        max_history_years: model each series on its last this many years only (``None``: all).
            Trade of the 1980s says little about next year's, and every model's cost grows
            with the series' length; 25 years keep the whole of the benchmark's panel
            (2000 on) and cut the Census file's series from 1985.
    """

    horizon: int = 12
    levels: tuple[int, ...] = (80, 95)
    members: tuple[str, ...] = DEFAULT_MEMBERS
    log_transform: bool = True
    cv_windows: int = 3
    cv_step: int | None = None
    final_refit: bool = False
    calibrate_intervals: bool = True
    intermittent_share: float = 0.3
    min_obs: int = 4
    drop_stale: bool = True
    max_history_years: int | None = 25
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.horizon < 1:
            raise InputError(
                "the forecast horizon must be positive",
                expected="1 or more",
                got=str(self.horizon),
                fix="pass --horizon 12 for a year of months",
            )
        bad = [m for m in self.members if m not in MODEL_CATALOGUE]
        if bad or not self.members:
            raise InputError(
                "unknown ensemble members",
                expected="one or more of " + ", ".join(MODEL_CATALOGUE),
                got=", ".join(bad) if bad else "no members",
                fix="pick members from the catalogue in docs/forecast.md",
            )
        if any(not 0 < level < 100 for level in self.levels):
            raise InputError(
                "interval levels are percentages",
                expected="values in (0, 100)",
                got=str(list(self.levels)),
                fix="use levels 80 and 95",
            )
        if self.max_history_years is not None and self.max_history_years < 1:
            raise InputError(
                "the history kept must be at least a year",
                expected="1 or more",
                got=str(self.max_history_years),
                fix="use 25, or None to keep every year",
            )
        if self.cv_windows < 1:
            raise InputError(
                "the ensemble needs back-test windows",
                expected="1 or more",
                got=str(self.cv_windows),
                fix="use 3 windows",
            )

    @property
    def step(self) -> int:
        """Periods between rolling origins."""
        return self.cv_step or self.horizon

    def regular_min_obs(self, season_length: int) -> int:
        """Fewest observations for the ensemble: three seasons before the first origin."""
        return 3 * max(season_length, 2) + self.horizon + (self.cv_windows - 1) * self.step

    def with_(self, **changes: Any) -> ForecastConfig:
        """A copy with some fields changed (``members`` may be given as any sequence)."""
        for name in ("members", "levels"):
            if name in changes and isinstance(changes[name], Sequence):
                changes[name] = tuple(changes[name])
        return replace(self, **changes)
