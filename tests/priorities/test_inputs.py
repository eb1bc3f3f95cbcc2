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
    result = partner_trade_forecast(flows_factory(rows), home="VNM", years=[2020, 2022],
                                    method="trend")
    table = result.table
    assert result.base_year == 2020
    exports = table.loc[table["flow"] == "export"].set_index("year")["value_usd"]
    assert exports[2022] == pytest.approx(exports[2020] * 1.1 ** 2)
    growth = forecast_growth(flows_factory(rows), home="VNM", base_year=2020, horizon=2,
                             method="trend")
    start, end = exports[2020] + 50, exports[2022] + 50
    assert growth["KOR"] == pytest.approx((end / start) ** 0.5 - 1)


def test_plan_years_far_past_the_data_are_called_extrapolations(flows_factory: Factory) -> None:
    rows = [("VNM", "KOR", "export", str(year), 100.0 * 1.1 ** (year - 2011))
            for year in range(2011, 2021)]
    near = partner_trade_forecast(flows_factory(rows), home="VNM", years=[2027, 2031],
                                  method="trend")
    assert not any("extrapolation" in w for w in near.warnings)
    far = partner_trade_forecast(flows_factory(rows), home="VNM", years=[2200], method="trend")
    assert any("up to 2200 lie 180 years past the last year of data (2020)" in w
               for w in far.warnings)


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
    table = partner_trade_forecast(vietnam_dots.loc[keep], home="VNM", years=[2020, 2023]).table
    future = table.loc[table["year"] == 2023]
    assert set(future["partner"]) == {"KOR", "JPN"}
    assert future["method"].str.startswith("haiquan.forecast").all()
    assert (future["value_usd"] > 0).all()
    actual = table.loc[table["year"] == 2020]
    assert (actual["method"] == "actual").all()


def _spread(partners: int, first: int = 2016, last: int = 2020) -> list[tuple[str, str, str, str,
                                                                              float]]:
    codes = ["KOR", "JPN", "THA", "LAO", "CHN", "USA", "DEU", "FRA", "SGP", "MYS", "IDN", "IND"]
    return [("VNM", code, "export", str(year), 100.0 + year - first)
            for year in range(first, last + 1) for code in codes[:partners]]


def test_base_year_skips_a_later_year_with_few_partners(flows_factory: Factory) -> None:
    # A canonical file adds a few far-future rows: 2031 must not become the base year.
    flows = flows_factory([*_spread(12), ("VNM", "KOR", "export", "2031", 5.0),
                           ("VNM", "JPN", "export", "2031", 5.0)])
    trade = _inputs.home_partner_trade(_inputs.annual_totals(flows), "VNM")
    year, warnings = _inputs.choose_base_year(trade)
    assert year == 2020
    assert len(warnings) == 1 and "base year 2020" in warnings[0] and "2031: 2" in warnings[0]
    result = partner_trade_forecast(flows, home="VNM", years=[2021], method="trend")
    assert result.base_year == 2020 and result.warnings == warnings


def test_base_year_asked_for_with_few_partners_is_warned(flows_factory: Factory) -> None:
    flows = flows_factory([*_spread(12), ("VNM", "KOR", "export", "2031", 5.0)])
    trade = _inputs.home_partner_trade(_inputs.annual_totals(flows), "VNM")
    year, warnings = _inputs.choose_base_year(trade, 2031)
    assert year == 2031
    assert "only 1 partner countries (up to 12" in warnings[0]
    assert "2020 is the latest year with most partners" in warnings[0]
    assert _inputs.choose_base_year(trade, 2020) == (2020, [])


def test_a_handful_of_partners_is_warned_even_when_every_year_has_few(
    flows_factory: Factory,
) -> None:
    trade = _inputs.home_partner_trade(_inputs.annual_totals(flows_factory(_spread(3))), "VNM")
    year, warnings = _inputs.choose_base_year(trade)
    assert year == 2020 and "only 3 partner countries" in warnings[0]


def test_model_forecast_without_future_years_raises_no_future_warning(
    vietnam_dots: pd.DataFrame,
) -> None:
    import warnings

    keep = vietnam_dots["partner"].isin(["KOR", "JPN", "VNM"]) & vietnam_dots["reporter"].isin(
        ["VNM", "KOR", "JPN"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        table = partner_trade_forecast(vietnam_dots.loc[keep], home="VNM", years=[2020]).table
    assert set(table["partner"]) == {"KOR", "JPN"} and (table["method"] == "actual").all()
    assert table["year"].dtype == "int64" and table["value_usd"].dtype == "float64"
