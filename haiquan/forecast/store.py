"""Back-test runs and their scores in the warehouse (tables ``forecast_runs``, ``forecast_scores``).

The warehouse file is opened only for the duration of a call (:class:`haiquan.warehouse.store.
Warehouse`), because the loaders write the same DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict

import pandas as pd

from haiquan.forecast.config import ForecastConfig
from haiquan.forecast.forecaster import BacktestResult

__all__ = ["FORECAST_TABLES", "list_runs", "run_model_means", "run_scores", "save_backtest"]

FORECAST_TABLES = ("forecast_runs", "forecast_scores")

_SCHEMA = [
    "CREATE SEQUENCE IF NOT EXISTS forecast_run_ids START 1",
    """CREATE TABLE IF NOT EXISTS forecast_runs (
        run_id INTEGER PRIMARY KEY,
        created_at TIMESTAMP NOT NULL,
        label VARCHAR,
        cutoff VARCHAR NOT NULL,
        horizon INTEGER NOT NULL,
        series INTEGER NOT NULL,
        seconds DOUBLE NOT NULL,
        ensemble_mase DOUBLE,
        benchmark_mase DOUBLE,
        config VARCHAR NOT NULL,
        choice VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS forecast_scores (
        run_id INTEGER NOT NULL,
        unique_id VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        mase DOUBLE,
        smape DOUBLE,
        coverage_80 DOUBLE,
        coverage_95 DOUBLE,
        n INTEGER
    )""",
    # MSIS (issue 16): added to warehouses made before it; NULL for the runs stored then.
    "ALTER TABLE forecast_scores ADD COLUMN IF NOT EXISTS msis DOUBLE",
]


def _mean(summary: pd.DataFrame, model: str) -> float | None:
    row = summary[summary["model"] == model]
    return None if row.empty else float(row["mase"].iloc[0])


def save_backtest(result: BacktestResult, config: ForecastConfig, *, label: str = "") -> int:
    """Store a back-test; returns its ``run_id``."""
    from haiquan.forecast.forecaster import BENCHMARK, ENSEMBLE
    from haiquan.warehouse.store import Warehouse

    choice = None
    if result.choice is not None:
        choice = json.dumps({"rule": result.choice.rule, "weighting": result.choice.weighting,
                             "geometric": result.choice.geometric,
                             "top_k": result.choice.top_k, "shrink": result.choice.shrink,
                             "intervals": (result.choice.intervals.summary()
                                           if result.choice.intervals is not None else None),
                             "backtest_mase": result.choice.backtest_mase})
    settings = {k: v for k, v in asdict(config).items() if k != "extra"}
    scores = result.scores.copy()
    for column in ("coverage_80", "coverage_95", "msis"):
        if column not in scores:
            scores[column] = None
    with Warehouse.open() as warehouse:
        con = warehouse.connection
        for statement in _SCHEMA:
            con.execute(statement)
        fetched = con.execute("SELECT nextval('forecast_run_ids')").fetchone()
        assert fetched is not None
        run_id = int(fetched[0])
        con.execute(
            "INSERT INTO forecast_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), label,
             str(pd.Timestamp(result.cutoff).date()), config.horizon,
             int(result.scores["unique_id"].nunique()), result.seconds,
             _mean(result.summary, ENSEMBLE), _mean(result.summary, BENCHMARK),
             json.dumps(settings, default=str), choice],
        )
        table = scores[["unique_id", "model", "mase", "smape", "coverage_80", "coverage_95",
                        "n", "msis"]].assign(run_id=run_id)
        con.register("_scores", table)
        con.execute("INSERT INTO forecast_scores (run_id, unique_id, model, mase, smape, "
                    "coverage_80, coverage_95, n, msis) SELECT run_id, unique_id, model, mase, "
                    "smape, coverage_80, coverage_95, n, msis FROM _scores")
        con.unregister("_scores")
    return run_id


def list_runs() -> pd.DataFrame:
    """Every stored back-test run, newest first (empty when none was stored)."""
    from haiquan.warehouse.store import Warehouse

    with Warehouse.open() as warehouse:
        if not warehouse.has_table("forecast_runs"):
            return pd.DataFrame(columns=["run_id"])
        return warehouse.frame("SELECT * FROM forecast_runs ORDER BY run_id DESC")


def run_scores(run_id: int) -> pd.DataFrame:
    """The per-series scores of one stored run.

    Raises:
        NotFoundError: no such run.
    """
    from haiquan.errors import NotFoundError
    from haiquan.warehouse.store import Warehouse

    with Warehouse.open() as warehouse:
        if warehouse.has_table("forecast_scores"):
            frame = warehouse.frame("SELECT * FROM forecast_scores WHERE run_id = ? "
                                    "ORDER BY unique_id, model", [run_id])
            if not frame.empty:
                return frame
    raise NotFoundError(f"no stored back-test run {run_id}", expected="a run id from "
                        "`haiquan backtest --store`", got=str(run_id),
                        fix="list the stored runs with `haiquan backtest-runs`")


def run_model_means(run_id: int) -> pd.DataFrame:
    """Mean MASE, sMAPE and coverage per model of one stored run, best MASE first (the table
    ``haiquan backtest`` printed when the run was made).

    Raises:
        NotFoundError: no such run.
    """
    scores = run_scores(run_id)
    measures = [c for c in ("mase", "smape", "coverage_80", "coverage_95", "msis")
                if c in scores]
    means = scores.groupby("model")[measures].mean()
    means.insert(0, "series", scores.groupby("model")["unique_id"].nunique())
    return means.sort_values("mase", na_position="last").reset_index()
