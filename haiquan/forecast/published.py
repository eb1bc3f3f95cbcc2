"""The one forecast of the home country's trade that the CLI, the API, the dashboard and the plan
all show: a stored forecast run per slice and data version.

Why one run: the ensemble is chosen on the back-tests of every series forecast together, so
forecasting Korea alone (the partner page did) and within all of Vietnam's partners (the CLI did)
gave two different figures for the same series. Here a *slice* — one reporter's trade with every
partner, one frequency, one commodity level, forecast :data:`PUBLISHED_HORIZON` periods ahead —
is forecast once from the warehouse (``haiquan refresh``, or the server's background refresh) and
stored with its data version (:mod:`haiquan.warehouse.results`). Every reader takes its series
from that run and names it (:attr:`PublishedForecast.label`); a shorter horizon is the first
periods of the run, never a second forecast.

When no run is stored for the current data, a reader that must answer computes the same slice the
same way (:func:`slice_forecast`), so the figures still agree, and says it was computed now.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from haiquan.forecast.config import ForecastConfig
from haiquan.forecast.engines import ForecastEngine
from haiquan.forecast.flows import (
    FlowForecast,
    check_output,
    forecast_file,
    run_flow_forecast,
)
from haiquan.forecast.panel import SERIES_KEYS, select_slice
from haiquan.forecast.slices import load_slice

__all__ = [
    "FORECAST_KIND",
    "PUBLISHED_HORIZON",
    "ForecastSlice",
    "PublishedForecast",
    "compute_forecast",
    "forecast_or_stored",
    "home_slice",
    "publish_forecast",
    "rows_fingerprint",
    "slice_forecast",
    "stored_forecast",
]

#: The kind under which forecast runs are stored (:mod:`haiquan.warehouse.results`).
FORECAST_KIND = "forecast"

#: Periods ahead of a stored run: the CLI's default horizon, and enough for a five-year plan
#: starting next year on annual data that ends some years back.
PUBLISHED_HORIZON = 12

#: Periods between the back-test origins of a stored run of annual data. With origins a horizon
#: apart (the default, kept for monthly and quarterly runs) an annual series needs 42 years to
#: be back-tested over 12, which no Vietnam series has: every one would get an unchecked model
#: and no band. One year apart it needs 20.
PUBLISHED_CV_STEP = 1

_FINGERPRINT_COLUMNS = ("reporter", "partner", "flow", "frequency", "period", "commodity",
                        "value_usd")


@dataclass(frozen=True)
class ForecastSlice:
    """Which trade a stored run forecasts: ``reporter``'s trade with every partner.

    >>> ForecastSlice("VNM").key
    'VNM/A/level0/h12/step1'
    >>> ForecastSlice("VNM").describe()
    'VNM-reported annual TOTAL trade with every partner, 12 periods ahead'
    """

    reporter: str
    frequency: str = "A"
    commodity_level: int = 0
    horizon: int = PUBLISHED_HORIZON

    @property
    def cv_step(self) -> int | None:
        """Periods between back-test origins: :data:`PUBLISHED_CV_STEP` for annual data, else
        the default (``None``: a horizon apart)."""
        return PUBLISHED_CV_STEP if self.frequency == "A" else None

    @property
    def key(self) -> str:
        return (f"{self.reporter}/{self.frequency}/level{self.commodity_level}/h{self.horizon}"
                f"/step{self.cv_step or self.horizon}")

    def config(self) -> ForecastConfig:
        """The forecast settings of the run: the defaults, with this horizon and origin step."""
        return ForecastConfig(horizon=self.horizon, cv_step=self.cv_step)

    def describe(self) -> str:
        what = {"A": "annual", "Q": "quarterly", "M": "monthly"}.get(self.frequency,
                                                                     self.frequency)
        goods = "TOTAL" if self.commodity_level == 0 else f"HS{self.commodity_level}"
        return (f"{self.reporter}-reported {what} {goods} trade with every partner, "
                f"{self.horizon} periods ahead")

    def rows(self, flows: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``flows`` this slice forecasts (canonical rows of any origin)."""
        return select_slice(flows, reporter=self.reporter, frequency=self.frequency,
                            commodity_level=self.commodity_level)


@dataclass(frozen=True)
class PublishedForecast:
    """A forecast run of one slice, stored or computed now.

    Attributes:
        slice: what was forecast.
        run_id: the stored run's number; ``None`` when computed now and not stored.
        data_version: the warehouse data version it was computed from (``None`` when computed
            from rows that are not the warehouse's).
        fingerprint: digest of the input rows (:func:`rows_fingerprint`).
        computed_at: when (UTC).
        seconds: how long it took.
        run: the forecasts, every series of the slice, and the notes.
    """

    slice: ForecastSlice
    run_id: int | None
    data_version: str | None
    fingerprint: str
    computed_at: dt.datetime
    seconds: float
    run: FlowForecast

    def stored_as(self, result_id: int | None) -> PublishedForecast:
        """This run under its stored result number (called by the warehouse when read)."""
        return replace(self, run_id=result_id)

    @property
    def label(self) -> str:
        """Which run this is, as every output names it."""
        when = f"{self.computed_at:%Y-%m-%d %H:%M} UTC"
        if self.run_id is None:
            return f"forecast computed now ({when}) of {self.slice.describe()}"
        return (f"stored forecast run {self.run_id} of {self.slice.describe()}, computed "
                f"{when} from warehouse data version {self.data_version}")

    def series(self, *, partner: str | None = None, flow: str | None = None,
               horizon: int | None = None) -> pd.DataFrame:
        """The run's forecast rows, of one partner / flow and the first ``horizon`` periods."""
        rows = self.run.forecasts
        if partner is not None:
            rows = rows[rows["partner"].astype(str) == partner]
        if flow is not None:
            rows = rows[rows["flow"].astype(str) == flow]
        if horizon is not None:
            rows = rows.sort_values("ds").groupby("unique_id", sort=False).head(horizon)
        return rows.sort_values(["partner", "flow", "ds"]).reset_index(drop=True)


def home_slice() -> ForecastSlice:
    """The slice every page and the plan read: the home country's annual TOTAL trade."""
    from haiquan.settings import get_settings

    return ForecastSlice(get_settings().home_country)


def rows_fingerprint(rows: pd.DataFrame) -> str:
    """A digest of the values a forecast is computed from, whatever order or extra columns the
    rows come with: the same rows read from the warehouse or a frame give the same digest."""
    import hashlib

    columns = [c for c in _FINGERPRINT_COLUMNS if c in rows.columns]
    table = rows[columns].astype({c: str for c in columns if c != "value_usd"})
    table = table.sort_values([c for c in columns if c != "value_usd"]).reset_index(drop=True)
    hashed = pd.util.hash_pandas_object(table, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


def compute_forecast(slice: ForecastSlice | None = None, *,
                     engine: ForecastEngine | None = None) -> PublishedForecast:
    """Forecast ``slice`` (default :func:`home_slice`) from the warehouse, without storing it.

    The run is what ``haiquan forecast --reporter R --frequency A`` shows from the warehouse:
    :func:`~haiquan.forecast.flows.forecast_file` on the slice's rows with
    :meth:`ForecastSlice.config`.

    Raises:
        InputError: the warehouse holds no rows of the slice, or none that can be forecast.
    """
    from haiquan.warehouse.results import current_data_version

    slice = slice or home_slice()
    version = current_data_version()
    started = time.perf_counter()
    rows = load_slice(None, reporter=slice.reporter, frequency=slice.frequency,
                      commodity_level=slice.commodity_level).rows
    run = forecast_file(None, None, slice.horizon, reporter=slice.reporter,
                        frequency=slice.frequency, commodity_level=slice.commodity_level,
                        config=slice.config(), engine=engine)
    return PublishedForecast(slice=slice, run_id=None, data_version=version,
                             fingerprint=rows_fingerprint(rows),
                             computed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                             seconds=time.perf_counter() - started, run=run)


def publish_forecast(slice: ForecastSlice | None = None, *,
                     engine: ForecastEngine | None = None) -> PublishedForecast:
    """:func:`compute_forecast` and store the run for the warehouse's data version."""
    from haiquan.warehouse.results import save_result

    published = compute_forecast(slice, engine=engine)
    assert published.data_version is not None
    state = save_result(FORECAST_KIND, published.slice.key, published.data_version, published,
                        seconds=published.seconds, message=published.slice.describe())
    return published.stored_as(state.result_id)


def stored_forecast(slice: ForecastSlice | None = None,
                    data_version: str | None = None) -> PublishedForecast | None:
    """The stored run of ``slice`` for the warehouse's current data (``None`` when none is)."""
    from haiquan.warehouse.results import current_data_version, read_result

    slice = slice or home_slice()
    version = data_version or current_data_version()
    found = read_result(FORECAST_KIND, slice.key, version)
    if found is None or not isinstance(found.value, PublishedForecast):
        return None
    return found.value


def slice_forecast(flows: pd.DataFrame, slice: ForecastSlice) -> PublishedForecast:
    """The run of ``slice`` for these rows: the stored one when its input rows are exactly the
    slice's rows of ``flows``, else the same forecast computed now (and not stored)."""
    rows = slice.rows(flows)
    fingerprint = rows_fingerprint(rows)
    stored = stored_forecast(slice)
    if stored is not None and stored.fingerprint == fingerprint:
        return stored
    started = time.perf_counter()
    run = run_flow_forecast(rows, slice.horizon, config=slice.config())
    return PublishedForecast(slice=slice, run_id=None, data_version=None,
                             fingerprint=fingerprint,
                             computed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                             seconds=time.perf_counter() - started, run=run)


def forecast_or_stored(
    path: str | Path | None,
    format: str | None = None,
    horizon: int = 12,
    *,
    reporter: str | None = None,
    flow: str | None = None,
    frequency: str | None = None,
    partners: Sequence[str] | None = None,
    commodity_level: int | None = 0,
    reconcile: str | None = None,
    config: ForecastConfig | None = None,
    engine: ForecastEngine | None = None,
    output: str | Path | None = None,
) -> FlowForecast:
    """:func:`~haiquan.forecast.flows.forecast_file`, answered from the stored run when one
    covers the request, so the CLI shows the figures the dashboard, the API and the plan show.

    The published run covers a warehouse request (no ``path``) with the default models and no
    reconciliation, for ``horizon`` up to the run's: the answer is the run's rows of the
    partners and flows asked for, and its first note names the run. When none is stored for the
    current data, the run is computed now over the reporter's whole slice (a forecast of one
    partner alone would differ: the ensemble is chosen on every series together) and stored.
    Anything else is computed as ``forecast_file`` does.
    """
    plain = (path is None and reconcile is None and commodity_level is not None
             and (config is None or config.with_(horizon=horizon) == ForecastConfig(
                 horizon=horizon)))
    if plain:
        rows = load_slice(None, reporter=reporter, flow=flow, frequency=frequency,
                          partners=partners, commodity_level=commodity_level).rows
        reporters = rows["reporter"].astype(str).unique()
        frequencies = rows["frequency"].astype(str).unique()
        if len(reporters) == 1 and len(frequencies) == 1:
            slice = ForecastSlice(str(reporters[0]), str(frequencies[0]), commodity_level or 0)
            if horizon <= slice.horizon:
                if output is not None:
                    check_output(output)  # before minutes of work
                stored = stored_forecast(slice)
                if stored is not None:
                    return _covering(stored, rows, horizon, output)
                return _covering(_publish_now(slice, engine), rows, horizon, output,
                                 computed_now=True)
    run = forecast_file(path, format, horizon, reporter=reporter, flow=flow,
                        frequency=frequency, partners=partners,
                        commodity_level=commodity_level, reconcile=reconcile, config=config,
                        engine=engine, output=output)
    if path is None:
        run.notes.insert(0, "computed with the options given, not the published forecast run "
                         "the dashboard, the API and the plan show")
    return run


def _publish_now(slice: ForecastSlice, engine: ForecastEngine | None) -> PublishedForecast:
    """The published run computed now, and stored when the warehouse lets it be."""
    from haiquan.errors import ConfigurationError

    try:
        return publish_forecast(slice, engine=engine)
    except ConfigurationError:  # the warehouse is busy being written: show it unstored
        return compute_forecast(slice, engine=engine)


def _covering(stored: PublishedForecast, rows: pd.DataFrame, horizon: int,
              output: str | Path | None, computed_now: bool = False) -> FlowForecast:
    """The stored run's answer to a request for ``rows``' series, ``horizon`` periods ahead."""
    from haiquan._files import write_atomically
    from haiquan.forecast.flows import output_rows

    keys = [k for k in SERIES_KEYS if k in rows.columns and k in stored.run.forecasts.columns]
    wanted = rows[keys].astype(str).drop_duplicates()

    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        as_text = frame[keys].astype(str)
        mask = as_text.merge(wanted.assign(_hit=True), on=keys, how="left")["_hit"].notna()
        return frame.loc[mask.to_numpy()]

    forecasts = pick(stored.run.forecasts)
    forecasts = forecasts.sort_values("ds").groupby("unique_id", sort=False).head(horizon)
    forecasts = forecasts.sort_values([*keys, "ds"]).reset_index(drop=True)
    series = pick(stored.run.series).reset_index(drop=True)
    if output is not None:
        written = output_rows(forecasts, stored.run.synthetic)
        write_atomically(output, lambda path: written.to_csv(path, index=False))
    notes = [f"from the {stored.label}; the dashboard, the API and the plan show this run"
             + (" (computed now: none was stored for the current data)" if computed_now
                else "")]
    notes += [n for n in stored.run.notes if not n.startswith("not forecast:")]
    return FlowForecast(forecasts=forecasts, series=series, synthetic=stored.run.synthetic,
                        notes=notes)
