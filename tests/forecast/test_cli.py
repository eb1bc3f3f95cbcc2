"""``haiquan forecast`` and ``haiquan backtest`` on the real Census file (a few partners)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import NotFoundError
from haiquan.forecast import list_runs

runner = CliRunner()

FAST = ("--members", "DOTM,SeasonalNaive", "--engine", "local")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", "HAIQUAN_FORECAST_N_JOBS": "1"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def test_forecast_writes_the_output_contract(census_file: str, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    text = run("forecast", "--input", census_file, "--input-format", "census", "--horizon", "12",
               "--output", str(out), "--partner", "VNM", "--partner", "0003", *FAST)
    assert "wrote 48 rows for 4 series" in text
    frame = pd.read_csv(out, dtype={"partner": str, "period": str})
    assert frame.columns.tolist() == ["reporter", "partner", "flow", "period", "yhat", "lo_80",
                                      "hi_80", "lo_95", "hi_95", "model",
                                      "band_usable"]
    assert set(frame["partner"]) == {"VNM", "0003"}
    assert frame["period"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert frame["period"].min() == "2023-07" and frame["period"].max() == "2024-06"
    assert frame["model"].str.startswith("Ensemble(").all()
    # Four series are too few to calibrate a band: empty bounds, a flag, and the reason.
    assert not frame["band_usable"].any() and frame["lo_95"].isna().all()
    assert "no 95 % band at any step" in text


def test_forecast_prints_no_band_rather_than_a_made_up_one(census_file: str) -> None:
    text = run("forecast", "--input", census_file, "--input-format", "census", "--horizon", "3",
               "--partner", "VNM", "--flow", "import", *FAST)
    assert "no band" in text and " – " not in text
    assert "no 80 % band at any step" in text


def test_backtest_prints_scores_and_stores_the_run(census_file: str) -> None:
    text = run("backtest", "--input", census_file, "--input-format", "census", "--horizon", "6",
               "--partner", "VNM", "--partner", "MEX", "--per-series", *FAST)
    assert "hold-out after 2022-12" in text
    assert "SeasonalNaive(benchmark)" in text and "Ensemble" in text
    assert "stored as run 1" in text
    assert list_runs()["run_id"].tolist() == [1]
    # read back from the command line, as the analyst who made it would
    listed = run("backtest-runs")
    assert "VNM,MEX" in listed and "2022-12" in listed
    shown = run("backtest-runs", "1")
    assert "run 1: mean over series" in shown and "Ensemble" in shown
    assert "VNM" in run("backtest-runs", "1", "--per-series")
    missing = runner.invoke(app, ["backtest-runs", "7"])
    assert isinstance(missing.exception, NotFoundError)
    assert "haiquan backtest-runs" in str(missing.exception.fix)


def test_backtest_runs_before_any_run_says_how_to_store_one(census_file: str) -> None:
    assert "No back-test run is stored yet" in run("backtest-runs")


def test_bad_input_is_reported_not_raised(census_file: str) -> None:
    result = runner.invoke(app, ["forecast", "--input", census_file, "--input-format", "census",
                                 "--members", "Prophet"])
    assert result.exit_code != 0
    assert "unknown ensemble members" in str(result.exception) + result.output


def test_forecast_output_to_a_missing_folder_is_an_input_error(census_file: str,
                                                               tmp_path: Path) -> None:
    # It used to forecast first, then die with pandas' OSError traceback.
    from haiquan.errors import InputError

    result = runner.invoke(app, ["forecast", "--input", census_file, "--input-format", "census",
                                 "--partner", "VNM", "--output",
                                 str(tmp_path / "nowhere" / "out.csv"), *FAST])
    assert isinstance(result.exception, InputError), result.exception
    assert "create the folder first" in str(result.exception)


def test_annual_backtest_prints_the_cutoff_year() -> None:
    from tests.conftest import require_shared

    dots = str(require_shared("trade/imf-dots-annual-1960-2020/"
                              "vietnam_dots_annual_reported_and_mirror.csv"))
    text = run("backtest", "--input", dots, "--input-format", "dots", "--horizon", "2",
               "--reporter", "VNM", "--partner", "CHN", "--flow", "import", "--no-store", *FAST)
    assert "hold-out after 2018: mean over series" in text


def test_mixed_frequencies_name_each_series_model(make_flows) -> None:
    from haiquan.warehouse.loading import load_trade_frame

    monthly = make_flows({"CHN": 60})
    annual = (monthly.assign(period=monthly["period"].str[:4]).groupby("period", as_index=False)
              .agg({**{c: "first" for c in monthly.columns if c not in ("period", "value_usd")},
                    "value_usd": "sum"}).assign(frequency="A"))
    load_trade_frame(pd.concat([monthly, annual]), label="test", sha256="y", synthetic=True)
    text = run("forecast", "--partner", "CHN", "--horizon", "2", *FAST)
    assert "CHN export M: Ensemble(" in text and "CHN export A: " in text


def test_forecast_of_the_synthetic_warehouse_labels_the_file_and_stderr(
    make_flows, tmp_path: Path
) -> None:
    # Without --members the answer comes from the published run (stored, then read back):
    # the label must survive that path as well as a file forecast.
    from haiquan.cli._output import SYNTHETIC_LABEL
    from haiquan.warehouse.loading import load_trade_frame

    load_trade_frame(make_flows({"CHN": 40}), label="test", sha256="z", synthetic=True)
    out = tmp_path / "fc.csv"
    result = runner.invoke(app, ["forecast", "--partner", "CHN", "--horizon", "2", "--engine",
                                 "local", "-o", str(out)],
                           env={"COLUMNS": "200", "HAIQUAN_FORECAST_N_JOBS": "1"},
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert SYNTHETIC_LABEL in result.stderr and SYNTHETIC_LABEL not in result.stdout
    assert "the dashboard, the API and the plan show this run" in result.stdout
    frame = pd.read_csv(out)
    assert len(frame) == 2 and frame["synthetic"].all()
