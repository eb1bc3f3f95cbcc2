"""Forecasts and back-tests of canonical trade-flow tables — the functions other domains call.

``forecast_flows(flows, horizon)`` takes rows as :func:`haiquan.warehouse.queries.query_flows`
or :func:`haiquan.warehouse.sources.read_trade_file` return them and gives one row per series and
future period, with the series keys, the canonical ``period`` text, ``yhat``, the intervals and
the ``model`` that produced them. ``forecast_file`` does the same straight from a source file
(no warehouse needed); ``backtest_flows`` scores a hold-out and can store the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from haiquan._files import write_atomically
from haiquan.errors import InputError
from haiquan.forecast.config import ForecastConfig
from haiquan.forecast.engines import ForecastEngine, make_engine
from haiquan.forecast.forecaster import BacktestResult, Forecaster
from haiquan.forecast.panel import SERIES_KEYS, flows_to_panel, select_slice, timestamp_to_period
from haiquan.forecast.reconcile import (
    TOTAL_PARTNER,
    build_hierarchy,
    check_method,
    reconcile_forecasts,
)
from haiquan.forecast.slices import SYNTHETIC_NOTE, is_synthetic, load_slice

__all__ = [
    "OUTPUT_COLUMNS",
    "FlowForecast",
    "backtest_file",
    "backtest_flows",
    "forecast_file",
    "forecast_flows",
    "check_output",
    "output_columns",
    "output_rows",
    "run_flow_forecast",
]

#: The columns of ``haiquan forecast --output`` (the contract other tools read).
OUTPUT_COLUMNS = ["reporter", "partner", "flow", "period", "yhat", "lo_80", "hi_80", "lo_95",
                  "hi_95", "model", "band_usable"]

#: ``--commodity-level`` values: 0 for the TOTAL rows, else the digits of an HS code.


def output_columns(forecasts: pd.DataFrame) -> list[str]:
    """The columns ``haiquan forecast --output`` writes for these forecasts.

    :data:`OUTPUT_COLUMNS`, plus ``commodity`` after ``flow`` when the forecasts hold HS codes
    (``--commodity-level 2`` ...): without it the rows of two chapters could not be told apart.
    """
    has_codes = "commodity" in forecasts and (forecasts["commodity"].astype(str) != "TOTAL").any()
    if not has_codes:
        return list(OUTPUT_COLUMNS)
    at = OUTPUT_COLUMNS.index("flow") + 1
    return [*OUTPUT_COLUMNS[:at], "commodity", *OUTPUT_COLUMNS[at:]]


def output_rows(forecasts: pd.DataFrame, synthetic: bool) -> pd.DataFrame:
    """The rows ``haiquan forecast --output`` writes: :func:`output_columns`, and a last column
    ``synthetic`` (true on every row) when the input included generated demo data.

    A CSV travels without the terminal that printed the SYNTHETIC label, so the label goes in
    the file, on every row a program may filter or join; a forecast of real trade keeps the
    columns it always had.
    """
    rows = forecasts[output_columns(forecasts)]
    return rows.assign(synthetic=True) if synthetic else rows


def check_output(path: str | Path) -> Path:
    """Refuse an ``--output`` path that cannot be written, before any work is done.

    The file is opened for appending (an existing file keeps its content) or created and
    removed again, so a path that would fail after minutes of forecasting fails at once.

    Raises:
        InputError: the path is a folder, its folder does not exist, or it may not be written.
    """
    out = Path(path)
    folder = out.parent
    fix = "choose a folder you can write to, e.g. --output ./forecasts.csv"
    problem = None
    if out.is_dir():
        problem, fix = "a folder", f"name a file in it, e.g. --output {out / 'forecasts.csv'}"
    elif not folder.is_dir():
        problem = f"a file in {folder}, which does not exist"
        fix = f"create the folder first (mkdir -p {folder}) or write elsewhere"
    else:
        existed = out.exists()
        try:
            with open(out, "a" if existed else "x", encoding="utf-8"):
                pass
            if not existed:
                out.unlink()
        except OSError as error:
            problem = f"a file that cannot be written ({error.strerror or error})"
    if problem is not None:
        raise InputError("cannot write the output file", expected="a CSV file path to write",
                         got=f"{str(path)!r}: {problem}", fix=fix)
    return out


@dataclass
class FlowForecast:
    """Forecasts of a trade table and the series they came from.

    Attributes:
        forecasts: one row per forecast series and future period (see :func:`forecast_flows`).
        series: every series of the input, forecast or not, with its keys, ``series_class``
            (regular / short / intermittent / skipped) and ``method``.
        synthetic: some of the input rows are generated demo data (their ``source`` starts
            with ``synthetic``), so whoever shows the forecasts must say so.
        notes: what a reader should know, e.g. which series were not forecast and why.
    """

    forecasts: pd.DataFrame
    series: pd.DataFrame
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)


#: What a forecast or back-test of generated demo data says about itself.
def _config(config: ForecastConfig | None, horizon: int | None) -> ForecastConfig:
    config = config or ForecastConfig()
    return config.with_(horizon=horizon) if horizon is not None else config


def forecast_flows(
    flows: pd.DataFrame,
    horizon: int | None = 12,
    *,
    config: ForecastConfig | None = None,
    engine: ForecastEngine | None = None,
    reconcile: str | None = None,
    keys: Sequence[str] = SERIES_KEYS,
) -> pd.DataFrame:
    """Forecast every series of a canonical trade table ``horizon`` periods ahead.

    Args:
        flows: canonical trade rows; each (reporter, partner, flow, frequency, commodity) is
            one series. Several frequencies may be mixed; each is forecast on its own.
        horizon: periods ahead (overrides ``config.horizon``).
        config: ensemble, interval and series-class settings.
        engine: local or Dask (:func:`~haiquan.forecast.engines.make_engine`).
        reconcile: ``None`` for independent forecasts, or ``bottom_up`` / ``mint_ols`` /
            ``mint_wls`` to make the countries add up to a ``WORLD`` total (and HS codes to
            their partner's total); the input's named groups are then left out.
        keys: columns identifying a series.

    Returns:
        ``unique_id``, the key columns, ``period`` (canonical text), ``ds``, ``yhat``,
        ``lo_<l>``/``hi_<l>``, ``model``, ``band_usable`` and ``series_class``, in
        ``value_usd`` units. ``band_usable`` is false where the data cannot support a band
        (the bounds are then NaN; :func:`run_flow_forecast`'s notes say why). Series skipped
        (too short, stale) are absent; :func:`run_flow_forecast` also lists every series with
        its class and method.
    """
    return run_flow_forecast(flows, horizon, config=config, engine=engine,
                             reconcile=reconcile, keys=keys).forecasts


def run_flow_forecast(
    flows: pd.DataFrame,
    horizon: int | None = 12,
    *,
    config: ForecastConfig | None = None,
    engine: ForecastEngine | None = None,
    reconcile: str | None = None,
    keys: Sequence[str] = SERIES_KEYS,
) -> FlowForecast:
    """:func:`forecast_flows` plus the table of every series and how it was forecast.

    A progress bar: give an engine with ``progress`` (``make_engine(progress=...)``).
    """
    check_method(reconcile)
    config = _config(config, horizon)
    engine = engine or make_engine()
    parts, series_tables, notes = [], [], []
    for frequency, rows in flows.groupby("frequency", sort=True):
        S, tags = None, None
        if reconcile:
            rows, S, tags = build_hierarchy(select_slice(rows, countries_only=True))
        panel, series = flows_to_panel(rows, keys=keys)
        forecaster = Forecaster(config, engine, frequency=str(frequency))
        out = forecaster.forecast(panel)
        if reconcile and S is not None and tags is not None:
            out = reconcile_forecasts(out, S, tags, levels=config.levels, method=reconcile)
            out["model"] = out["model"] + f"+{reconcile}"
        out["period"] = timestamp_to_period(out["ds"], str(frequency)).to_numpy()
        parts.append(out.merge(series, on="unique_id", how="left"))
        assert forecaster.series_ is not None
        series_tables.append(forecaster.series_.merge(series, on="unique_id", how="left"))
        notes += [note for note in forecaster.notes_ if note not in notes]
    result = pd.concat(parts, ignore_index=True)
    key_cols = list(dict.fromkeys([*keys, "frequency"]))
    bounds = [f"{s}_{lv}" for lv in config.levels for s in ("lo", "hi")]
    # Reconciled bounds of a total are NaN when one of its parts has no band.
    result["band_usable"] = result["band_usable"].fillna(False).astype(bool) & result[
        bounds].notna().all(axis=1)
    result = result[["unique_id", *key_cols, "period", "ds", "yhat", *bounds, "model",
                     "band_usable", "series_class"]]
    return FlowForecast(forecasts=result, series=pd.concat(series_tables, ignore_index=True),
                        notes=notes)


def backtest_flows(
    flows: pd.DataFrame,
    horizon: int | None = 12,
    *,
    config: ForecastConfig | None = None,
    engine: ForecastEngine | None = None,
    keys: Sequence[str] = SERIES_KEYS,
    store: bool = False,
    label: str = "",
) -> BacktestResult:
    """Hold out the last ``horizon`` periods of each frequency, forecast them and score.

    Args:
        store: save the run and its scores in the warehouse (``forecast_runs``,
            ``forecast_scores``); the result's ``notes`` then name the run id.
        label: free text stored with the run (e.g. the slice or file).

    Returns:
        The :class:`~haiquan.forecast.forecaster.BacktestResult` of the single frequency in
        ``flows``; key columns are added to ``scores``.

    Raises:
        InputError: ``flows`` mixes frequencies (back-test one at a time).
    """
    config = _config(config, horizon)
    frequencies = sorted(flows["frequency"].astype(str).unique())
    if len(frequencies) != 1:
        raise InputError("a back-test takes one frequency", expected="rows of M, Q or A only",
                         got=", ".join(frequencies),
                         fix="pass --frequency with one of " + ", ".join(frequencies))
    panel, series = flows_to_panel(flows, keys=keys)
    forecaster = Forecaster(config, engine or make_engine(), frequency=frequencies[0])
    result = forecaster.backtest(panel)
    result.scores = result.scores.merge(series, on="unique_id", how="left")
    if store:
        from haiquan.forecast.store import save_backtest

        run_id = save_backtest(result, config, label=label)
        result.notes.append(f"stored as run {run_id}")
    return result


def forecast_file(
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
    """Forecast a slice of a source file (or of the warehouse when ``path`` is ``None``).

    The forecasts have :data:`OUTPUT_COLUMNS` first (and ``commodity`` after ``flow`` when the
    slice has HS codes, see :func:`output_columns`). Partners keep the file's codes — for the
    Census file ISO alpha-3 for countries and the Census code otherwise — so the output lines
    up with the input; ``series`` lists every series of the slice with its class and method.
    With ``reconcile`` the ``WORLD`` rows are the sum of the slice's countries, not the file's
    own world total, so they keep the partner ``WORLD``.

    Args:
        output: a CSV file to write those columns to; checked before any work is done.

    Raises:
        InputError: a bad slice or output path (see :func:`load_slice`, :func:`check_output`),
            or a slice none of whose series can be forecast (too short or stale; the message
            says which and why).
    """
    check_method(reconcile)
    if output is not None:
        check_output(output)
    chosen = load_slice(path, format, reporter=reporter, flow=flow, frequency=frequency,
                        partners=partners, commodity_level=commodity_level)
    rows, shown, reporter_note = chosen.rows, chosen.shown, chosen.reporter_note
    run = run_flow_forecast(rows, horizon, config=config, engine=engine, reconcile=reconcile)
    result, series = run.forecasts, run.series
    if reconcile:
        shown = {k: v for k, v in shown.items() if k != TOTAL_PARTNER}
    if shown:
        result["partner"] = result["partner"].map(shown).fillna(result["partner"])
        series["partner"] = series["partner"].map(shown).fillna(series["partner"])
    skipped = _skipped_reasons(series, config or ForecastConfig())
    if result.empty:
        raise InputError(
            "no series of the slice can be forecast",
            expected=f"a series with at least {(config or ForecastConfig()).min_obs} values "
            "that is still traded in the slice's newest period",
            got="; ".join(skipped),
            fix="choose partners or flows still reported, or a longer slice",
        )
    first = output_columns(result)
    result = result[[*first, *[c for c in result.columns if c not in first]]]
    synthetic = is_synthetic(rows)
    if output is not None:
        written = output_rows(result, synthetic)
        try:
            write_atomically(output, lambda path: written.to_csv(path, index=False))
        except OSError as error:
            raise InputError("cannot write the output file", expected="a CSV file path to write",
                             got=f"{str(output)!r}: {error.strerror or error}",
                             fix="free some space or choose another --output") from None
    notes = [*([reporter_note] if reporter_note else []), *run.notes,
             *(f"not forecast: {reason}" for reason in skipped)]
    return FlowForecast(forecasts=result, series=series, synthetic=synthetic, notes=notes)


def _skipped_reasons(series: pd.DataFrame, config: ForecastConfig) -> list[str]:
    """One line per skipped series: its keys and why it was not forecast."""
    skipped = series[series["series_class"] == "skipped"]
    if skipped.empty:
        return []
    last_ds = pd.to_datetime(series["last_ds"])
    # Staleness is judged within a frequency (each is forecast on its own).
    newest_of = last_ds.groupby(series["frequency"].astype(str)).max()
    lines = []
    for row in skipped.itertuples(index=False):
        newest = newest_of.get(str(row.frequency), pd.NaT)
        name = " ".join(str(getattr(row, k)) for k in ("reporter", "partner", "flow",
                                                         "frequency")
                        if hasattr(row, k))
        if str(getattr(row, "commodity", "TOTAL")) != "TOTAL":
            name += f" {row.commodity}"
        last = pd.to_datetime(row.last_ds)
        if pd.isna(last) or row.n_obs == 0:
            why = "no trade at all"
        elif row.n_obs < config.min_obs:
            why = f"{row.n_obs} values, fewer than {config.min_obs}"
        elif last < newest:
            shown = timestamp_to_period(pd.Series([last, newest]), str(row.frequency)).tolist()
            why = f"stale, last value {shown[0]} before the slice's newest period {shown[1]}"
        else:
            why = "skipped"
        lines.append(f"{name} ({why})")
    return lines


def backtest_file(
    path: str | Path | None,
    format: str | None = None,
    horizon: int = 12,
    *,
    reporter: str | None = None,
    flow: str | None = None,
    frequency: str | None = None,
    partners: Sequence[str] | None = None,
    commodity_level: int | None = 0,
    config: ForecastConfig | None = None,
    engine: ForecastEngine | None = None,
    store: bool = True,
) -> BacktestResult:
    """Back-test a slice of a source file (or of the warehouse) and store the run.

    ``frequency=None`` takes the slice's one frequency (M for the Census file, A for DOTS);
    a slice that mixes frequencies must name one. The stored run's label names the slice
    (file, reporter, partners, flow, frequency, commodity level) so runs can be told apart.
    """
    chosen = load_slice(path, format, reporter=reporter, flow=flow, frequency=frequency,
                        partners=partners, commodity_level=commodity_level)
    rows, shown, reporter_note = chosen.rows, chosen.shown, chosen.reporter_note
    reporter = reporter or chosen.reporter
    held = ",".join(sorted(rows["frequency"].astype(str).unique()))
    label = (f"{path or 'warehouse'} reporter={reporter} "
             f"partners={','.join(partners) if partners else 'all'} flow={flow} "
             f"frequency={frequency or held}"
             + (f" commodity_level={commodity_level}" if commodity_level else ""))
    result = backtest_flows(rows, horizon, config=config, engine=engine, store=store,
                            label=label)
    if shown:
        result.scores["partner"] = result.scores["partner"].map(shown).fillna(
            result.scores["partner"])
    if reporter_note:
        result.notes.insert(0, reporter_note)
    if is_synthetic(rows):
        result.notes.insert(0, SYNTHETIC_NOTE)
    return result
