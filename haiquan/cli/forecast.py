"""``haiquan forecast`` and ``haiquan backtest``.

Each command parses its options, calls one function of :mod:`haiquan.forecast.flows`
(``forecast_file`` / ``backtest_file``, which read a source file or the warehouse) and prints or
writes the result; errors are translated by :func:`haiquan.cli.main`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from haiquan.cli._console import console, error_console
from haiquan.cli._options import InputFormatOption, country_code, listed
from haiquan.cli._output import SYNTHETIC_LABEL, OutputFormat, side_console
from haiquan.cli._output import FormatOption as OutputOption

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register"]

InputOption = Annotated[
    Path | None,
    typer.Option("--input", "-i", help="A trade file to forecast instead of the warehouse."),
]
#: ``haiquan forecast --format census``, as issue 16 and older scripts write it: the input's
#: format before ``--input-format`` took the name (``forecast`` writes files, it has no output
#: format). Hidden and deprecated; ``backtest`` lists rows and its ``--format`` is the output's.
LegacyFormatOption = Annotated[
    str | None,
    typer.Option("--format", hidden=True, help="Deprecated: the same as --input-format."),
]
HorizonOption = Annotated[int, typer.Option("--horizon", "-h", min=1, help="Periods ahead.")]
ReporterOption = Annotated[
    str | None,
    typer.Option("--reporter", parser=country_code, help="Reporter, ISO code (VNM, VN or 704)."),
]
FlowOption = Annotated[
    str | None,
    typer.Option(
        "--flow", **listed("import", "export", "re-export", "re-import"), help="Default all."
    ),
]
FrequencyOption = Annotated[
    str | None,
    typer.Option("--frequency", **listed("M", "Q", "A"), help="Monthly, quarterly or annual."),
]
PartnerOption = Annotated[
    list[str] | None,
    typer.Option(
        "--partner",
        "-p",
        parser=country_code,
        help="Partner ISO code or group (repeat for several); default all.",
    ),
]
LevelOption = Annotated[
    int, typer.Option("--commodity-level", help="0 = TOTAL rows; 2/4/6 = HS codes of that size.")
]
MembersOption = Annotated[
    str | None,
    typer.Option(
        "--members",
        help="Comma-separated ensemble candidates (docs/forecast.md); "
        "default DOTM,ETSdamped,ETSnotrend,DSTM,OTM,MSTL,SeasonalNaive.",
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option("--engine", **listed("local", "dask"), help="Default HAIQUAN_FORECAST_ENGINE."),
]


def _input_format(input_format: str | None, legacy: str | None) -> str | None:
    """The input format given as ``--input-format`` or as the deprecated ``--format``."""
    if legacy is None or input_format in (None, legacy):
        return input_format or legacy
    from haiquan.errors import InputError

    raise InputError(
        "two input formats given",
        expected="the file's format once, as --input-format",
        got=f"--input-format {input_format} and --format {legacy}",
        fix=f"drop --format {legacy} (the older name of --input-format)",
    )


def _config(horizon: int, members: str | None):  # type: ignore[no-untyped-def]
    from haiquan.forecast import ForecastConfig

    config = ForecastConfig(horizon=horizon)
    if members:
        config = config.with_(members=[m.strip() for m in members.split(",") if m.strip()])
    return config


def _progress_bar():  # type: ignore[no-untyped-def]
    """A Rich progress bar on stderr (standard output keeps only the table) while series run."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from haiquan.cli._console import error_console

    return Progress(
        TextColumn("forecasting series"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=error_console,
        transient=True,
    )


def _musd(value: float) -> str:
    """US dollars as million USD with one decimal: 9610427285.3 -> '9,610.4'."""
    import pandas as pd

    return "" if pd.isna(value) else f"{value / 1e6:,.1f}"


def _band(low: float, high: float) -> str:
    """An interval in million USD, or that there is none (the notes below the table say why)."""
    import pandas as pd

    if pd.isna(low) or pd.isna(high):
        return "no band"
    return f"{_musd(low)} – {_musd(high)}"


def _print_forecasts(result: pd.DataFrame, synthetic: bool = False) -> None:
    """The forecasts on screen: values in million USD, each interval in one column, and the
    (long) model label once per series below the table rather than cut short in every row."""
    from rich.table import Table

    reporters = sorted(result["reporter"].astype(str).unique())
    one_reporter = len(reporters) == 1
    title = "forecasts, million USD" + (f" ({reporters[0]} reporting)" if one_reporter else "")
    if synthetic:
        title = f"SYNTHETIC demo data — {title}"
    table = Table(title=title)
    keys = (
        ["partner", "flow", "period"] if one_reporter else ["reporter", "partner", "flow", "period"]
    )
    if "commodity" in result:
        keys.insert(keys.index("flow") + 1, "commodity")
    if "frequency" in result and result["frequency"].nunique() > 1:
        # Monthly and annual series of one partner would otherwise share a model line.
        keys.insert(keys.index("period"), "frequency")
    # On a narrow terminal cells fold onto more lines; a figure is never cut short with "…".
    for key in keys:
        table.add_column(key, overflow="fold")
    table.add_column("forecast", justify="right", overflow="fold")
    for level in (80, 95):
        table.add_column(f"{level} % interval", justify="right", overflow="fold")
    for row in result.itertuples(index=False):
        table.add_row(
            *(str(getattr(row, k)) for k in keys),
            _musd(row.yhat),
            _band(row.lo_80, row.hi_80),
            _band(row.lo_95, row.hi_95),
        )
    console.print(table)
    models = result.drop_duplicates([*keys[:-1], "model"])
    console.print("model of each series:")
    for row in models.itertuples(index=False):
        console.print(
            "  " + " ".join(str(getattr(row, k)) for k in keys[:-1]) + f": {row.model}",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Mount ``haiquan forecast`` and ``haiquan backtest`` on the root app."""

    @app.command()
    def forecast(
        input: InputOption = None,
        input_format: InputFormatOption = None,
        horizon: HorizonOption = 12,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                help="CSV to write; "
                "columns reporter, partner, flow, period, yhat, lo_80, hi_80, lo_95, "
                "hi_95, model, band_usable (false: no band, the notes say why); and "
                "synthetic (true on every row) when the input holds generated demo data.",
            ),
        ] = None,
        reporter: ReporterOption = None,
        flow: FlowOption = None,
        frequency: FrequencyOption = None,
        partner: PartnerOption = None,
        commodity_level: LevelOption = 0,
        reconcile: Annotated[
            str | None,
            typer.Option(
                "--reconcile",
                **listed("bottom_up", "mint_ols", "mint_wls"),
                help="Make countries add up to a WORLD total.",
            ),
        ] = None,
        members: MembersOption = None,
        engine: EngineOption = None,
        legacy_format: LegacyFormatOption = None,
    ) -> None:
        """Forecast every series of a slice with intervals (80 %, 95 %) and a weighted ensemble."""
        from haiquan.forecast import make_engine, output_columns
        from haiquan.forecast.published import forecast_or_stored
        from haiquan.forecast.slices import SYNTHETIC_NOTE

        chosen_format = _input_format(input_format, legacy_format)
        # From the warehouse, the stored run the dashboard, the API and the plan show.
        with _progress_bar() as bar:
            task = bar.add_task("forecast", total=None)
            run = forecast_or_stored(
                input,
                chosen_format,
                horizon,
                reporter=reporter,
                flow=flow,
                frequency=frequency,
                partners=partner,
                commodity_level=commodity_level,
                reconcile=reconcile,
                config=_config(horizon, members),
                output=output,
                engine=make_engine(
                    engine,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                ),
            )
        result, series = run.forecasts, run.series
        if output is not None:
            console.print(
                f"wrote {len(result)} rows for {result['unique_id'].nunique()} series to {output}"
            )
            if run.synthetic:
                # The file carries the label in its column `synthetic`; the person who ran the
                # command reads it on standard error, which no redirection of the summary hides.
                error_console.print(f"[bold yellow]{SYNTHETIC_LABEL}[/]")
                console.print(SYNTHETIC_NOTE)
        else:
            _print_forecasts(result[[*output_columns(result), "frequency"]], run.synthetic)
        counts = series["series_class"].value_counts().to_dict()
        console.print(
            "series by method: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
        for note in run.notes:
            console.print(note, soft_wrap=True)

    @app.command()
    def backtest(
        input: InputOption = None,
        input_format: InputFormatOption = None,
        horizon: HorizonOption = 12,
        reporter: ReporterOption = None,
        flow: FlowOption = None,
        frequency: Annotated[
            str | None,
            typer.Option(
                "--frequency",
                **listed("M", "Q", "A"),
                help="Monthly, quarterly or annual; default the slice's one frequency.",
            ),
        ] = None,
        partner: PartnerOption = None,
        commodity_level: LevelOption = 0,
        members: MembersOption = None,
        engine: EngineOption = None,
        per_series: Annotated[
            bool, typer.Option("--per-series", help="Also print each series' scores.")
        ] = False,
        store: Annotated[
            bool,
            typer.Option(
                "--store/--no-store",
                help="Save the run and its "
                "scores in the warehouse (forecast_runs, forecast_scores).",
            ),
        ] = True,
        output: OutputOption = OutputFormat.table,
    ) -> None:
        """Hold out the last HORIZON periods: MASE, sMAPE, coverage and MSIS vs seasonal naive."""
        import pandas as pd

        from haiquan.cli._tables import print_frame
        from haiquan.forecast import backtest_file, make_engine
        from haiquan.forecast.panel import timestamp_to_period

        result = backtest_file(
            input,
            input_format,
            horizon,
            reporter=reporter,
            flow=flow,
            frequency=frequency,
            partners=partner,
            commodity_level=commodity_level,
            config=_config(horizon, members),
            engine=make_engine(engine),
            store=store,
        )
        notes = side_console(output)
        if per_series and output is not OutputFormat.table:
            notes.print(
                "--per-series is shown as a table only (run without --format); JSON and CSV "
                "hold the mean over series"
            )
        elif per_series:
            columns = [
                c
                for c in (
                    "partner",
                    "flow",
                    "commodity",
                    "model",
                    "mase",
                    "smape",
                    "coverage_80",
                    "coverage_95",
                    "msis",
                )
                if c in result.scores
            ]
            print_frame(result.scores[columns], "per series")
        held = (
            result.scores["frequency"].astype(str).iloc[0]
            if "frequency" in result.scores and not result.scores.empty
            else "M"
        )
        cutoff = timestamp_to_period(pd.Series([result.cutoff]), held).iloc[0]
        print_frame(result.summary, f"hold-out after {cutoff}: mean over series", output=output)
        for note in result.notes:
            notes.print(note)

    @app.command("backtest-runs")
    def backtest_runs(
        run_id: Annotated[
            int | None,
            typer.Argument(help="A stored run: its scores by model (default: list the runs)."),
        ] = None,
        per_series: Annotated[
            bool, typer.Option("--per-series", help="With RUN_ID, also each series' scores.")
        ] = False,
        output: OutputOption = OutputFormat.table,
    ) -> None:
        """Back-test runs stored in the warehouse, newest first; RUN_ID shows one run."""
        from haiquan.cli._tables import print_frame
        from haiquan.forecast import list_runs, run_model_means, run_scores

        if run_id is None:
            runs = list_runs()
            if runs.empty and output is OutputFormat.table:
                console.print("No back-test run is stored yet: `haiquan backtest` stores one.")
                return
            columns = [
                "run_id",
                "created_at",
                "label",
                "cutoff",
                "horizon",
                "series",
                "ensemble_mase",
                "benchmark_mase",
                "seconds",
            ]
            print_frame(
                runs.reindex(columns=columns),
                "stored back-test runs (MASE: mean over series)",
                output=output,
            )
            return
        if per_series and output is not OutputFormat.table:
            side_console(output).print(
                "--per-series is shown as a table only; JSON and CSV "
                "hold the mean over series (or run without --format)"
            )
        elif per_series:
            print_frame(run_scores(run_id), f"run {run_id}: per series")
        print_frame(run_model_means(run_id), f"run {run_id}: mean over series", output=output)
