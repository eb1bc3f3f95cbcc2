"""Issue 16 item 3: the CLI, the API, the partner page and the plan show the same forecast of a
series — the one stored run of the home country's trade — and each names it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
from typer.testing import CliRunner

from .conftest import Account, login

DIVISORS = {"billion USD": 1e9, "million USD": 1e6, "thousand USD": 1e3}


def _cli_value(tmp_path: Path) -> tuple[float, str]:
    from haiquan.cli import app

    out = tmp_path / "forecast.csv"
    result = CliRunner().invoke(
        app, ["forecast", "--reporter", "VNM", "--frequency", "A", "--partner", "KOR",
              "--output", str(out)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype={"period": str})
    row = frame[(frame["flow"] == "export") & (frame["period"] == "2025")]
    assert len(row) == 1
    return float(row["yhat"].iloc[0]), result.output


def _page_value() -> tuple[float, str | None]:
    from haiquan.web.dashboard.partner import page_context

    context = page_context("KOR")
    chart = json.loads(context["charts"]["forecast_export"])
    divisor = DIVISORS[chart["layout"]["yaxis"]["title"]["text"]]
    trace = next(t for t in chart["data"] if t["name"] == "forecast")
    return trace["y"][trace["x"].index("2025")] * divisor, context["forecast_run"]


def _plan_value() -> tuple[float, str]:
    from haiquan.priorities.service import _flows
    from haiquan.priorities.trade import partner_trade_forecast

    flows, _ = _flows(None, None, "VNM")  # the rows plan_cooperation reads
    trade = partner_trade_forecast(flows, home="VNM", years=[2025], method="model").table
    row = trade[(trade["partner"] == "KOR") & (trade["flow"] == "export")
                & (trade["year"] == 2025)]
    assert len(row) == 1
    return float(row["value_usd"].iloc[0]), str(row["method"].iloc[0])


def test_cli_api_page_and_plan_show_the_one_stored_run(
    synthetic_warehouse, http: httpx.Client, make_account: Callable[..., Account],
    tmp_path: Path,
) -> None:
    from haiquan.forecast.published import stored_forecast
    from haiquan.refresh import refresh

    report = refresh(["forecast"])
    assert [s.status for s in report.states] == ["done"]
    stored = stored_forecast()
    assert stored is not None and stored.run_id is not None
    run = stored.run_id
    expected = stored.series(partner="KOR", flow="export")
    expected = float(expected.loc[expected["period"] == "2025", "yhat"].iloc[0])

    cli, cli_text = _cli_value(tmp_path)
    viewer = make_account("viewer")
    api = http.get("/api/trade/partners/KOR/forecast", headers=viewer.headers).json()
    api_value = next(r["yhat"] for r in api["rows"]
                     if r["flow"] == "export" and r["period"] == "2025")
    page, page_run = _page_value()
    plan, plan_method = _plan_value()

    assert api_value == expected
    assert cli == pytest_approx(expected)  # through the CSV's decimal text
    assert page == pytest_approx(expected)  # the chart holds yhat / divisor
    assert plan == max(expected, 0.0)
    # ... and each says which run it shows.
    assert f"stored forecast run {run} " in " ".join(cli_text.split())
    assert api["run_id"] == run and f"stored forecast run {run} " in api["run"]
    assert page_run is not None and f"stored forecast run {run} " in page_run
    assert f"(run {run})" in plan_method
    login(http, viewer)
    html = http.get("/partners/KOR").text
    assert f"stored forecast run {run} " in html


def test_without_a_stored_run_the_cli_computes_the_published_one(
    synthetic_warehouse, tmp_path: Path
) -> None:
    """Before any refresh, the CLI computes the published run over the home country's whole
    slice (one partner alone would be forecast differently), stores it, and says so."""
    from haiquan.forecast.published import stored_forecast

    assert stored_forecast() is None
    cli, text = _cli_value(tmp_path)
    assert "computed now: none was stored" in " ".join(text.split())
    stored = stored_forecast()
    assert stored is not None and f"stored forecast run {stored.run_id} " in " ".join(
        text.split())
    rows = stored.series(partner="KOR", flow="export")
    assert float(rows.loc[rows["period"] == "2025", "yhat"].iloc[0]) == pytest_approx(cli)
    again, text = _cli_value(tmp_path)  # now read, not computed
    assert again == cli and "computed now" not in text


def pytest_approx(value: float) -> object:
    import pytest

    return pytest.approx(value, rel=1e-9)
