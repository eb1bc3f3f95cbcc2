"""Trade forecasts with back-tested accuracy: models, ensembles, reconciliation, engines.

The public entry points are :func:`forecast_flows` (canonical trade rows in, one row per series
and future period out), :func:`forecast_file` (the same from a source file) and
:func:`backtest_flows` (hold-out scores, optionally stored in the warehouse). Underneath,
:class:`Forecaster` works on any long ``id, time, target`` panel and :func:`make_engine` chooses
where the per-series work runs (this machine, or Dask through Fugue). See docs/forecast.md.
"""

from haiquan.forecast.config import ForecastConfig
from haiquan.forecast.engines import DaskEngine, ForecastEngine, LocalEngine, make_engine
from haiquan.forecast.ensemble import EnsembleChoice, choose_ensemble, combine_forecasts
from haiquan.forecast.flows import (
    OUTPUT_COLUMNS,
    FlowForecast,
    backtest_file,
    backtest_flows,
    check_output,
    forecast_file,
    forecast_flows,
    output_columns,
    run_flow_forecast,
)
from haiquan.forecast.forecaster import BENCHMARK, ENSEMBLE, BacktestResult, Forecaster
from haiquan.forecast.intervals import (
    IntervalCalibration,
    apply_intervals,
    calibrate_intervals,
    series_spread,
)
from haiquan.forecast.metrics import coverage, mase, msis, naive_scale, score_forecasts, smape
from haiquan.forecast.models import DEFAULT_MEMBERS, MODEL_CATALOGUE, build_model
from haiquan.forecast.panel import flows_to_panel, select_slice
from haiquan.forecast.reconcile import build_hierarchy, reconcile_forecasts
from haiquan.forecast.slices import SliceRows, load_slice, read_flows
from haiquan.forecast.store import list_runs, run_model_means, run_scores, save_backtest

__all__ = [
    "BENCHMARK",
    "DEFAULT_MEMBERS",
    "ENSEMBLE",
    "MODEL_CATALOGUE",
    "OUTPUT_COLUMNS",
    "BacktestResult",
    "DaskEngine",
    "EnsembleChoice",
    "FlowForecast",
    "ForecastConfig",
    "ForecastEngine",
    "Forecaster",
    "IntervalCalibration",
    "LocalEngine",
    "SliceRows",
    "apply_intervals",
    "backtest_file",
    "backtest_flows",
    "build_hierarchy",
    "build_model",
    "calibrate_intervals",
    "check_output",
    "choose_ensemble",
    "combine_forecasts",
    "coverage",
    "flows_to_panel",
    "forecast_file",
    "forecast_flows",
    "list_runs",
    "load_slice",
    "make_engine",
    "mase",
    "msis",
    "naive_scale",
    "output_columns",
    "read_flows",
    "reconcile_forecasts",
    "run_flow_forecast",
    "run_model_means",
    "run_scores",
    "save_backtest",
    "score_forecasts",
    "select_slice",
    "series_spread",
    "smape",
]
