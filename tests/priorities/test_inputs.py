"""Trade figures for scoring and planning: annual totals, partner trade, trend and forecasts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.errors import InputError
from haiquan.priorities import _inputs
from haiquan.priorities.trade import forecast_growth, partner_trade_forecast

Factory = Callable[..., pd.DataFrame]


def test_monthly_rows_count_only_complete_years(flows_factory: Factory) -> None:
    rows = [("VNM", "KOR", "export", f"2020-{m:02d}", 10.0) for m in range(1, 13)]
    rows += [("VNM", "KOR", "export", f"2021-{m:02d}", 10.0) for m in range(1, 7)]
    annual = _inputs.annual_totals(flows_factory(rows, frequency="M"))
    assert annual[["year", "value_usd"]].values.tolist() == [[2020, 120.0]]


def test_partner_trade_falls_back_to_mirror_for_unreported_flows(flows_factory: Factory) -> None:
    flows = flows_factory([
        ("VNM", "KOR", "export", "2020", 100.0),
        ("KOR", "VNM", "import", "2020", 110.0),   # mirror of VNM exports
        ("KOR", "VNM", "export", "2020", 300.0),   # mirror of VNM imports (VNM did not report)
    ])
    trade = _inputs.home_partner_trade(_inputs.annual_totals(flows), "VNM")
    row = trade.iloc[0]
    assert row["partner"] == "KOR"
    assert row["mirror_export"] == 110 and row["mirror_import"] == 300
    assert row["total"] == 100 + 300


@settings(max_examples=40, deadline=None)
@given(st.floats(-0.2, 0.35), st.floats(1e6, 1e11), st.integers(1, 6))
def test_trend_recovers_a_steady_growth_rate(growth: float, level: float, ahead: int) -> None:
    years = list(range(2011, 2021))
    trade = pd.DataFrame({"partner": "KOR", "year": years,
                          "total": [level * (1 + growth) ** (y - 2011) for y in years]})
    out = _inputs.trend_forecast(trade, 2020, [2020, 2020 + ahead])
    assert out["growth"].iloc[0] == pytest.approx(growth, abs=1e-9)
    last = trade["total"].iloc[-1]
    assert out["value_usd"].tolist() == pytest.approx([last, last * (1 + growth) ** ahead])


def test_trend_growth_is_bounded() -> None:
    years = list(range(2016, 2021))
    trade = pd.DataFrame({"partner": "KOR", "year": years, "total": [10.0 ** (y - 2010)
                                                                     for y in years]})
    out = _inputs.trend_forecast(trade, 2020, [2021])
    assert out["growth"].iloc[0] == _inputs.GROWTH_BOUNDS[1]


def test_short_series_keep_their_level(flows_factory: Factory) -> None:
    trade = pd.DataFrame({"partner": "KOR", "year": [2019, 2020], "total": [1.0, 2.0]})
    out = _inputs.trend_forecast(trade, 2020, [2022])
    assert np.isnan(out["growth"].iloc[0]) and out["value_usd"].iloc[0] == 2.0


def test_trend_forecast_table_has_both_flows(flows_factory: Factory) -> None:
    rows = []
    for year in range(2011, 2021):
        rows.append(("VNM", "KOR", "export", str(year), 100.0 * 1.1 ** (year - 2011)))
        rows.append(("VNM", "KOR", "import", str(year), 50.0))
    table = partner_trade_forecast(flows_factory(rows), home="VNM", years=[2020, 2022],
                                   method="trend")
    assert table.attrs["base_year"] == 2020
    exports = table.loc[table["flow"] == "export"].set_index("year")["value_usd"]
    assert exports[2022] == pytest.approx(exports[2020] * 1.1 ** 2)
    growth = forecast_growth(flows_factory(rows), home="VNM", base_year=2020, horizon=2,
                             method="trend")
    start, end = exports[2020] + 50, exports[2022] + 50
    assert growth["KOR"] == pytest.approx((end / start) ** 0.5 - 1)


def test_no_home_trade_is_explained(flows_factory: Factory) -> None:
    flows = flows_factory([("THA", "KOR", "export", "2020", 1.0)])
    with pytest.raises(InputError, match="no trade of VNM"):
        partner_trade_forecast(flows, home="VNM", years=[2021], method="trend")


def test_unknown_forecast_method_is_explained(flows_factory: Factory) -> None:
    flows = flows_factory([("VNM", "KOR", "export", "2020", 1.0)])
    with pytest.raises(InputError, match="unknown forecast method"):
        partner_trade_forecast(flows, home="VNM", years=[2021], method="magic")  # type: ignore[arg-type]


def test_model_forecast_uses_haiquan_forecast_and_falls_back_to_trend(
    vietnam_dots: pd.DataFrame,
) -> None:
    keep = vietnam_dots["partner"].isin(["KOR", "JPN", "VNM"]) & vietnam_dots["reporter"].isin(
        ["VNM", "KOR", "JPN"])
    table = partner_trade_forecast(vietnam_dots.loc[keep], home="VNM", years=[2020, 2023])
    future = table.loc[table["year"] == 2023]
    assert set(future["partner"]) == {"KOR", "JPN"}
    assert future["method"].str.startswith("haiquan.forecast").all()
    assert (future["value_usd"] > 0).all()
    actual = table.loc[table["year"] == 2020]
    assert (actual["method"] == "actual").all()
