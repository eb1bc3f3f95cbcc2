"""Forecast accuracy and speed on the U.S. Census monthly file (issue 3's performance target).

The panel: every partner-country x flow series with complete, strictly positive data from
2000-01 to the file's end (2023-06) — 334 series; Census aggregates (codes below 1000) are left
out. The last 12 months (2022-07 .. 2023-06) are held out; everything the ensemble chooses
(members, weights, interval widths) is chosen on rolling origins strictly before them.

Prints, for each member model alone and for the ensemble: mean MASE (scaled by the in-sample
seasonal-naive MAE, season 12), mean sMAPE, 95 % interval coverage and wall time. A member's
time is one plain fit-and-forecast of every series; the ensemble's time is the whole
``Forecaster.backtest`` fit + predict (member back-tests included). numba compiles first on a
few series and that is not timed.

    .venv/bin/python benchmarks/bench_forecast.py [--series N] [--n-jobs 2] [--members ETS,DOTM]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from haiquan.forecast import ENSEMBLE, ForecastConfig, Forecaster, LocalEngine, build_model
from haiquan.forecast.metrics import naive_scale, score_forecasts
from haiquan.warehouse.sources.census import read_census

CENSUS = Path("trade/us-census-country-monthly/us_census_goods_by_country_monthly_long.csv.gz")


def census_panel(shared: Path) -> pd.DataFrame:
    flows = read_census(shared / CENSUS)
    flows = flows[(flows["period"] >= "2000-01") & (flows["census_code"].astype(int) >= 1000)]
    flows = flows.assign(unique_id=flows["census_code"] + "|" + flows["flow"])
    stats = flows.groupby("unique_id")["value_usd"].agg(["size", "min"])
    months = flows["period"].nunique()
    keep = stats[(stats["size"] == months) & (stats["min"] > 0)].index
    panel = flows[flows["unique_id"].isin(keep)]
    return pd.DataFrame({
        "unique_id": panel["unique_id"].to_numpy(),
        "ds": pd.to_datetime(panel["period"] + "-01").to_numpy(),
        "y": panel["value_usd"].to_numpy(),
    }).sort_values(["unique_id", "ds"]).reset_index(drop=True)


def _plain_forecast(panel: pd.DataFrame, n_jobs: int, *, name: str) -> pd.DataFrame:
    """One member alone, on logs as the ensemble runs it: fit and forecast each series."""
    frames = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for uid, group in panel.groupby("unique_id", sort=True):
            out = build_model(name, 12).forecast(y=np.log(group["y"].to_numpy()), h=12,
                                                 level=[80, 95])
            frame = pd.DataFrame({
                "unique_id": uid, "model": name, "yhat": np.exp(out["mean"]),
                "ds": pd.date_range(group["ds"].iloc[-1], periods=13, freq="MS")[1:]})
            for level in (80, 95):
                frame[f"lo_{level}"] = np.exp(out[f"lo-{level}"])
                frame[f"hi_{level}"] = np.exp(out[f"hi-{level}"])
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def time_member(name: str, train: pd.DataFrame, test: pd.DataFrame, scales: pd.Series,
                n_jobs: int) -> dict[str, float | str]:
    """Scores and wall time of one plain forecast of every series by one member."""
    started = time.perf_counter()
    table = LocalEngine(n_jobs).map_series(train, partial(_plain_forecast, name=name), "")
    seconds = time.perf_counter() - started
    scores = score_forecasts(table, test, scales)
    return {"model": name, "mase": scores["mase"].mean(), "smape": scores["smape"].mean(),
            "coverage_95": scores["coverage_95"].mean(), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(os.environ.get("HAIQUAN_SHARED_DATA", "../shared/data")))
    parser.add_argument("--series", type=int, default=0, help="first N series only (0 = all)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--members", default=None, help="comma-separated ensemble members")
    parser.add_argument("--windows", type=int, default=None, help="rolling origins")
    parser.add_argument("--skip-members", action="store_true", help="time the ensemble only")
    parser.add_argument("--no-final-refit", action="store_true",
                        help="carry the first-origin fit forward to the final forecast")
    args = parser.parse_args()

    panel = census_panel(args.shared)
    if args.series:
        panel = panel[panel["unique_id"].isin(panel["unique_id"].unique()[: args.series])]
    cutoff = panel["ds"].max() - pd.DateOffset(months=12)
    train, test = panel[panel["ds"] <= cutoff], panel[panel["ds"] > cutoff]
    scales = train.groupby("unique_id")["y"].apply(lambda v: naive_scale(v.to_numpy(), 12))
    config = ForecastConfig(horizon=12)
    if args.members:
        config = config.with_(members=args.members.split(","))
    if args.windows:
        config = config.with_(cv_windows=args.windows)
    if args.no_final_refit:
        config = config.with_(final_refit=False)
    print(f"{panel['unique_id'].nunique()} series, train to {cutoff:%Y-%m}, hold out 12 months; "
          f"members {','.join(config.members)}, {config.cv_windows} rolling origins, "
          f"final_refit={config.final_refit}, n_jobs={args.n_jobs}")

    warm = panel[panel["unique_id"].isin(panel["unique_id"].unique()[:3])]
    Forecaster(config, LocalEngine(1)).backtest(warm)  # numba compiles here, untimed

    rows = []
    if not args.skip_members:
        for name in config.members:
            rows.append(time_member(name, train, test, scales, args.n_jobs))
    result = Forecaster(config, LocalEngine(args.n_jobs)).backtest(panel)
    ens = result.summary[result.summary["model"] == ENSEMBLE].iloc[0]
    rows.append({"model": "Ensemble", "mase": ens["mase"], "smape": ens["smape"],
                 "coverage_95": ens["coverage_95"], "seconds": result.seconds})
    bench = result.summary[result.summary["model"].str.contains("benchmark")].iloc[0]
    rows.append({"model": "SeasonalNaive (raw, benchmark)", "mase": bench["mase"],
                 "smape": bench["smape"], "coverage_95": bench["coverage_95"],
                 "seconds": float("nan")})
    table = pd.DataFrame(rows)
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 120):
        print(table.to_string(index=False))
    singles = table[~table["model"].isin(["Ensemble", "SeasonalNaive (raw, benchmark)"])]
    if not singles.empty:
        best = singles.sort_values("mase").iloc[0]
        gain = 1 - ens["mase"] / best["mase"]
        print(f"best single model: {best['model']} MASE {best['mase']:.3f}; ensemble "
              f"{ens['mase']:.3f} ({gain:+.1%} better; target +5.0%)")
    choice = result.choice
    if choice is not None:
        print(f"chosen on rolling origins: top_k={choice.top_k} shrink={choice.shrink} "
              f"interval scale {({k: round(v, 2) for k, v in choice.interval_scale.items()})}; "
              "back-test MASE by member "
              + ", ".join(f"{k} {v:.3f}" for k, v in choice.member_mase.items()))
    print(f"ensemble wall time {result.seconds:.1f} s for {panel['unique_id'].nunique()} series "
          f"(target < 60 s)")


if __name__ == "__main__":
    main()
