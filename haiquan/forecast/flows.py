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
from haiquan.errors import InputError, UnknownCodeError
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
from haiquan.settings import get_settings
from haiquan.warehouse.schema import FLOWS, FREQUENCIES
from haiquan.warehouse.schema import is_synthetic as _synthetic_rows

__all__ = [
    "OUTPUT_COLUMNS",
    "FlowForecast",
    "SliceRows",
    "backtest_file",
    "backtest_flows",
    "forecast_file",
    "forecast_flows",
    "check_output",
    "load_slice",
    "output_columns",
    "output_rows",
    "read_flows",
    "run_flow_forecast",
]

#: The columns of ``haiquan forecast --output`` (the contract other tools read).
OUTPUT_COLUMNS = ["reporter", "partner", "flow", "period", "yhat", "lo_80", "hi_80", "lo_95",
                  "hi_95", "model", "band_usable"]

#: ``--commodity-level`` values: 0 for the TOTAL rows, else the digits of an HS code.
COMMODITY_LEVELS = (0, 2, 4, 6, 8, 10)


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
SYNTHETIC_NOTE = "SYNTHETIC: the slice includes generated demo data, not real trade"


def is_synthetic(rows: pd.DataFrame) -> bool:
    """Whether any canonical row is generated demo data (its ``source`` starts ``synthetic``)."""
    return _synthetic_rows(rows)


@dataclass(frozen=True, eq=False)
class SliceRows:
    """The canonical rows of one slice (:func:`load_slice`) and how they were chosen.

    Compared by identity (``eq=False``): a DataFrame has no single truth value.
    """

    rows: pd.DataFrame
    #: Series partner codes -> the partner to print (see :func:`read_flows`); empty for the
    #: warehouse and for formats other than Census.
    shown: dict[str, str]
    #: The reporter the slice holds when one was chosen (given, or the home country by default).
    reporter: str | None = None
    #: Says the reporter was chosen by default, for the output's notes.
    reporter_note: str | None = None


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


def read_flows(path: str | Path, format: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Canonical rows of a source file, and how to write partner codes back.

    Series are keyed by the canonical partner (ISO alpha-3 for a country, a named group such as
    ``EUROPEAN_UNION`` or ``CENSUS_5080`` otherwise), so slices and reconciliation see ISO codes.
    For the Census format the returned mapping gives, for each canonical partner, the partner to
    print: the ISO alpha-3 code for a country, the four-digit Census code otherwise; rows keep
    that code in a ``census_code`` column.
    """
    from haiquan.warehouse.sources import detect_format, read_trade_file

    chosen = format or detect_format(path)
    if chosen != "census":
        return read_trade_file(path, chosen), {}
    from haiquan.warehouse.sources.census import read_census

    flows = read_census(path)
    is_country = flows["partner"].astype(str).str.len() == 3
    shown = flows["partner"].where(is_country, flows["census_code"])
    # The Census reader gives every code its own partner (a second code of one country becomes
    # CENSUS_<code>), so this mapping is one to one.
    mapping = dict(zip(flows["partner"], shown, strict=False))
    return flows, mapping


def _choice(value: str | None, allowed: Sequence[str], name: str, case: str) -> str | None:
    """``value`` normalised to the case of ``allowed``, or an error listing the valid values."""
    if value is None:
        return None
    text = value.strip().lower() if case == "lower" else value.strip().upper()
    if text not in allowed:
        raise InputError(
            f"unknown {name} {value!r}",
            expected="one of " + ", ".join(allowed),
            got=repr(value),
            fix=f"use one of the values listed, e.g. --{name} {allowed[0]}",
        )
    return text


def _partner_codes(partners: Sequence[str], flows: pd.DataFrame,
                   shown: dict[str, str]) -> list[str]:
    """The canonical partner codes the user's ``--partner`` values name in ``flows``.

    A value may be an ISO alpha-3 code, a named group, or a code the source prints (the Census
    code of an aggregate, e.g. ``0003``). A value that names no partner of the data fails,
    naming it: a mistyped code must not widen the slice to every partner.
    """
    present = set(flows["partner"].astype(str))
    printed = {str(v).upper(): k for k, v in shown.items()}
    chosen: list[str] = []
    unknown: list[str] = []
    hints: list[str] = []
    for value in partners:
        code = value.strip().upper()
        if code in present:
            chosen.append(code)
        elif code in printed or code.zfill(4) in printed:
            chosen.append(printed.get(code) or printed[code.zfill(4)])
        elif (named := _partner_by_name(value)) in present:
            # A country's name ("Viet Nam") stands for its code; the output shows the code.
            chosen.append(str(named))
        else:
            unknown.append(value)
            hints.extend(_group_hint(value))
    if unknown:
        fix = "check the spelling; look a country's code up with `haiquan show country NAME`"
        fix = "; ".join(hints) if hints else fix
        raise UnknownCodeError(
            "unknown partner " + ", ".join(repr(u) for u in unknown),
            expected="partners of the data: ISO 3166 alpha-3 codes (VNM, CHN) or named groups "
            "(WORLD, EUROPEAN_UNION)" + (", or their Census codes (0003)" if shown else ""),
            got=", ".join(unknown) + f" (not among the {len(present)} partners of the data)",
            fix=fix,
        )
    return list(dict.fromkeys(chosen))


def _partner_by_name(value: str) -> str | None:
    """The canonical partner code of a country or group name, or ``None`` when unknown."""
    from haiquan.errors import HaiquanError
    from haiquan.reference.countries import partner_code

    try:
        return partner_code(value)
    except HaiquanError:
        return None


def _group_hint(value: str) -> list[str]:
    """How to forecast a reference group (ASEAN ...) the data does not hold as a partner."""
    from haiquan.reference.countries import country_groups

    group = country_groups().get(value.strip().upper())
    if group is None:
        return []
    members = group.members_on(None)
    return [f"{group.code} is a group the data does not hold as one partner; forecast its "
            "members with " + " ".join(f"--partner {m}" for m in members)]


def load_slice(
    path: str | Path | None = None,
    format: str | None = None,
    *,
    reporter: str | None = None,
    flow: str | None = None,
    frequency: str | None = None,
    partners: Sequence[str] | None = None,
    commodity_level: int | None = 0,
) -> SliceRows:
    """Canonical rows of one slice, from a source file or (``path=None``) the warehouse.

    Returns:
        The rows, the partners to print (``shown``) and the reporter chosen, with a note when
        it was chosen by default (data of many reporters: the home country's own reports).

    Raises:
        InputError: ``flow``, ``frequency`` or ``commodity_level`` is not a valid value, or
            one the data does not hold (the message lists those it holds), or nothing matches.
        UnknownCodeError: a partner that is not in the data (the slice is never widened). A
            partner may also be given by name ("Viet Nam"); a group the data does not hold
            (ASEAN) fails naming its members.
    """
    flow = _choice(flow, FLOWS, "flow", "lower")
    frequency = _choice(frequency, FREQUENCIES, "frequency", "upper")
    if commodity_level is not None and commodity_level not in COMMODITY_LEVELS:
        raise InputError(
            f"unknown commodity level {commodity_level}",
            expected="0 (TOTAL rows) or the digits of an HS code: 2, 4, 6, 8 or 10",
            got=str(commodity_level),
            fix="pass --commodity-level 2 for HS chapters, or leave it out for TOTAL rows",
        )
    where = "the file" if path is not None else "the warehouse"
    if path is None:
        from haiquan.warehouse.queries import query_flows

        flows = query_flows(reporter=reporter, flow=flow, frequency=frequency, commodity=None)
        if flows.empty:
            # Say which filter finds nothing, rather than blame a partner (0 partners found).
            flows = query_flows(commodity=None)
            if flows.empty:
                raise InputError("the warehouse holds no trade rows",
                                 expected="trade statistics loaded", got="an empty warehouse",
                                 fix="load a file first: haiquan load FILE --format census")
        shown: dict[str, str] = {}
    else:
        flows, shown = read_flows(path, format)
    reporter, note = _default_reporter(flows, reporter)
    _require_held(flows, where, reporter=reporter, flow=flow, frequency=frequency,
                  commodity_level=commodity_level)
    codes = _partner_codes(partners, flows, shown) if partners else None
    rows = select_slice(flows, reporter=reporter, flow=flow, frequency=frequency,
                        partners=codes, commodity_level=commodity_level)
    return SliceRows(rows=rows, shown=shown, reporter=reporter, reporter_note=note)


def _default_reporter(flows: pd.DataFrame, reporter: str | None) -> tuple[str | None, str | None]:
    """The reporter to forecast when none is given, and a note saying so.

    Data of many reporters (the DOTS table, a warehouse that holds it) would otherwise give
    every reporter's trade with the partners asked for — hundreds of series an analyst did not
    want. When the home country is one of several reporters, its own reports are the slice;
    a file of one reporter (the Census file: the United States) is that reporter's.
    """
    if reporter is not None or "reporter" not in flows.columns:
        return reporter, None
    reporters = set(flows["reporter"].astype(str).unique())
    home = get_settings().home_country
    if len(reporters) > 1 and home in reporters:
        return home, (f"reporter {home} (the home country) of the {len(reporters)} reporters "
                      "in the data; --reporter chooses another")
    return None, None


def _require_held(flows: pd.DataFrame, where: str, *, reporter: str | None, flow: str | None,
                  frequency: str | None, commodity_level: int | None) -> None:
    """Refuse a filter value the data does not hold, naming the values it does hold."""
    for name, value in (("reporter", reporter.strip().upper() if reporter else None),
                        ("flow", flow), ("frequency", frequency)):
        have = sorted(flows[name].astype(str).unique())
        if value is not None and value not in have:
            listed = ", ".join(have[:12]) + (f" ... ({len(have)} in all)" if len(have) > 12
                                             else "")
            raise InputError(
                f"{where} has no rows of {name} {value}",
                expected=f"a {name} {where} holds: {listed}",
                got=repr(value),
                fix=f"pass --{name} {have[0]}, or leave --{name} out",
            )
    if commodity_level:
        commodity = flows["commodity"].astype(str)
        sizes = sorted(set(commodity[commodity != "TOTAL"].str.len()))
        if commodity_level not in sizes:
            held = (", ".join(map(str, sizes)) + "-digit HS codes") if sizes else \
                "no HS codes, only TOTAL rows"
            raise InputError(
                f"{where} has no HS codes of {commodity_level} digits",
                expected=f"a --commodity-level {where} holds: 0 (TOTAL)"
                + "".join(f", {n}" for n in sizes),
                got=f"--commodity-level {commodity_level}; {where} has {held}",
                fix="leave --commodity-level out to forecast the TOTAL rows"
                + (f", or pass --commodity-level {sizes[0]}" if sizes else ""),
            )


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
