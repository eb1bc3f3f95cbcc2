"""Indicator formulas on hand-made cases and properties, and partner_indicators on real DOTS."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.analytics import (
    cagr,
    concentration,
    grubel_lloyd,
    hhi,
    mirror_gaps,
    partner_indicators,
    shares,
    trade_intensity,
    yoy_growth,
)
from haiquan.analytics._frames import annual_values
from haiquan.errors import InputError, NotFoundError

values = st.lists(st.floats(0, 1e12, allow_nan=False), min_size=1, max_size=30)
positive = st.lists(st.floats(1e-3, 1e12, allow_nan=False), min_size=1, max_size=30)


def test_hhi_of_equal_shares_is_one_over_n() -> None:
    for n in (1, 2, 7, 50):
        assert hhi([3.0] * n) == pytest.approx(1 / n)


def test_hhi_of_a_monopoly_is_one() -> None:
    assert hhi([0, 0, 42.0]) == 1.0


def test_hhi_of_nothing_is_nan() -> None:
    assert np.isnan(hhi([0.0, 0.0]))


@settings(deadline=None)
@given(positive)
def test_hhi_lies_between_one_over_n_and_one(items: list[float]) -> None:
    value = hhi(items)
    assert 1 / len(items) - 1e-9 <= value <= 1 + 1e-9


@settings(deadline=None)
@given(positive)
def test_shares_sum_to_one(items: list[float]) -> None:
    assert shares(items).sum() == pytest.approx(1.0)


def test_negative_values_are_refused() -> None:
    with pytest.raises(InputError, match="negative"):
        hhi([1.0, -2.0])


def test_grubel_lloyd_of_balanced_trade_is_one_and_one_way_trade_zero() -> None:
    assert grubel_lloyd([5, 7, 9], [5, 7, 9]) == 1.0
    assert grubel_lloyd([5, 0], [0, 9]) == 0.0
    # one product: 1 - |10 - 30| / 40 = 0.5
    assert grubel_lloyd([10], [30]) == 0.5


def test_grubel_lloyd_needs_aligned_products() -> None:
    with pytest.raises(InputError, match="same products"):
        grubel_lloyd([1, 2], [1])


@settings(deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e9, allow_nan=False), st.floats(0, 1e9, allow_nan=False)),
                min_size=1, max_size=20).filter(lambda p: sum(x + m for x, m in p) > 1e-6))
def test_grubel_lloyd_bounds_and_total_is_upper_bound(pairs: list[tuple[float, float]]) -> None:
    x = [p[0] for p in pairs]
    m = [p[1] for p in pairs]
    by_product = grubel_lloyd(x, m)
    totals = grubel_lloyd([sum(x)], [sum(m)])
    assert -1e-9 <= by_product <= 1 + 1e-9
    assert totals >= by_product - 1e-9


def test_growth_rates() -> None:
    assert yoy_growth([120.0, 5.0], [100.0, 0.0])[0] == pytest.approx(0.2)
    assert np.isnan(yoy_growth([5.0], [0.0])[0])
    assert cagr([200.0], [100.0], 1)[0] == pytest.approx(1.0)
    with pytest.raises(InputError, match="at least one year"):
        cagr([1.0], [1.0], 0)


@settings(max_examples=50, deadline=None)
@given(st.floats(1, 1e9), st.floats(-0.5, 2.0), st.integers(1, 15))
def test_cagr_round_trips_compounding(first: float, rate: float, years: int) -> None:
    last = first * (1 + rate) ** years
    assert cagr([last], [first], years)[0] == pytest.approx(rate, abs=1e-9)


def test_trade_intensity_is_one_when_trade_follows_size() -> None:
    # i sends 10 % of its exports to j, and j takes 10 % of world imports.
    assert trade_intensity([10.0], [100.0], [50.0], [500.0])[0] == pytest.approx(1.0)
    assert trade_intensity([30.0], [100.0], [50.0], [500.0])[0] == pytest.approx(3.0)


def test_annual_values_sum_complete_years_only(flows_factory: Callable[..., pd.DataFrame]) -> None:
    months = [("VNM", "KOR", "export", f"2020-{m:02d}", 10.0) for m in range(1, 13)]
    partial = [("VNM", "KOR", "export", f"2021-{m:02d}", 10.0) for m in range(1, 7)]
    monthly = flows_factory(months + partial, frequency="M")
    annual = flows_factory([("VNM", "JPN", "export", "2020", 99.0),
                            ("VNM", "KOR", "export", "2020", 125.0)])
    result = annual_values(pd.concat([monthly, annual], ignore_index=True))
    kor = result.loc[result["partner"] == "KOR"]
    # the annual row wins over the sum of months; the half year 2021 is left out
    assert kor[["year", "value_usd"]].values.tolist() == [[2020, 125.0]]
    assert annual_values(monthly)["value_usd"].tolist() == [120.0]


def test_two_sources_of_one_series_are_not_added(
    flows_factory: Callable[..., pd.DataFrame],
) -> None:
    row = [("VNM", "KOR", "export", "2020", 10.0)]
    both = pd.concat([flows_factory(row), flows_factory(row, source="other")], ignore_index=True)
    assert annual_values(both)["value_usd"].tolist() == [10.0]


def test_synthetic_input_is_labelled_and_outputs_concatenate(
    flows_factory: Callable[..., pd.DataFrame],
) -> None:
    rows = [("VNM", "KOR", "export", "2020", 10.0), ("VNM", "JPN", "import", "2020", 5.0)]
    real = partner_indicators(flows_factory(rows), "VNM", 2020)
    demo = partner_indicators(flows_factory(rows, source="synthetic-demo"), "VNM", 2020)
    assert real.synthetic is False and demo.synthetic is True
    assert len(pd.concat([real.table, demo.table])) == 4


def test_partner_indicators_by_hand(flows_factory: Callable[..., pd.DataFrame]) -> None:
    rows = [
        ("VNM", "KOR", "export", "2020", 60.0), ("VNM", "KOR", "import", "2020", 60.0),
        ("VNM", "JPN", "export", "2020", 40.0), ("VNM", "JPN", "import", "2020", 0.0),
        ("VNM", "KOR", "export", "2019", 50.0), ("VNM", "KOR", "export", "2018", 15.0),
        ("VNM", "WORLD", "export", "2020", 100.0),
        ("KOR", "VNM", "import", "2020", 63.6),
        ("KOR", "WORLD", "import", "2020", 400.0), ("JPN", "WORLD", "import", "2020", 600.0),
        ("WORLD", "WORLD", "import", "2020", 1000.0),  # the DOTS World table
    ]
    result = partner_indicators(flows_factory(rows), "VNM", 2020, span=2)
    table = result.table.set_index("partner")
    assert list(table.index) == ["KOR", "JPN"]
    kor, jpn = table.loc["KOR"], table.loc["JPN"]
    assert kor["balance"] == 0 and jpn["balance"] == 40
    assert kor["export_share"] == pytest.approx(0.6) and jpn["export_share"] == pytest.approx(0.4)
    assert kor["import_share"] == 1.0
    assert kor["export_yoy"] == pytest.approx(0.2)
    assert kor["export_cagr"] == pytest.approx(1.0)  # 15 -> 60 in two years
    assert kor["grubel_lloyd"] == 1.0 and jpn["grubel_lloyd"] == 0.0
    # KOR takes 40 % of world imports and 60 % of VNM's exports: 1.5
    assert kor["export_intensity"] == pytest.approx(1.5)
    assert jpn["export_intensity"] == pytest.approx(0.4 / 0.6)
    assert kor["export_cif_fob_ratio"] == pytest.approx(1.06)
    assert not kor["mirror_flag"]
    hhis = result.concentration.set_index("flow")
    assert hhis.loc["export", "hhi_partners"] == pytest.approx(0.6**2 + 0.4**2)


def test_intensity_is_not_available_without_the_world_table(
    flows_factory: Callable[..., pd.DataFrame],
) -> None:
    # The demo warehouse: VNM by partner plus the US (Census) with its own WORLD row. The sum of
    # the two reporters is no world total, so the intensity must not be computed from it.
    rows = [
        ("VNM", "USA", "export", "2020", 77.0), ("VNM", "KOR", "export", "2020", 19.0),
        ("VNM", "WORLD", "import", "2020", 260.0),
        ("USA", "WORLD", "import", "2020", 2400.0), ("USA", "VNM", "import", "2020", 80.0),
    ]
    result = partner_indicators(flows_factory(rows), "VNM", 2020)
    table = result.table
    assert table["export_intensity"].isna().all()
    assert table["import_intensity"].isna().all()
    assert result.intensity_available is False
    assert "not available for 2020" in result.notes[0]
    assert "dots_bilateral_annual_1960_2020.parquet" in result.notes[0]
    world = partner_indicators(
        flows_factory([*rows, ("WORLD", "WORLD", "import", "2020", 17_000.0)]), "VNM", 2020
    )
    with_world = world.table.set_index("partner")
    assert world.intensity_available is True and not world.notes
    # (77 / 96) / (2400 / 17000)
    assert with_world.loc["USA", "export_intensity"] == pytest.approx((77 / 96) / (2400 / 17000))
    assert np.isnan(with_world.loc["KOR", "export_intensity"])  # KOR's WORLD row is absent


def test_missing_year_says_which_years_exist(flows_factory: Callable[..., pd.DataFrame]) -> None:
    flows = flows_factory([("VNM", "KOR", "export", "2020", 1.0)])
    with pytest.raises(NotFoundError, match="2020..2020"):
        partner_indicators(flows, "VNM", 2015)
    with pytest.raises(NotFoundError, match="no trade reported by THA"):
        partner_indicators(flows, "THA")


def test_missing_columns_are_refused() -> None:
    with pytest.raises(InputError, match="canonical table"):
        partner_indicators(pd.DataFrame({"reporter": ["VNM"]}), "VNM")


def test_vietnam_2020_on_real_dots(vietnam_dots: pd.DataFrame) -> None:
    result = partner_indicators(vietnam_dots, "VNM", 2020)
    table = result.table.set_index("partner")
    # DOTS SOURCE.md: exports to USA 77,151 and China 49,095; imports from China 84,374,
    # from Korea 46,873, from Japan 20,345 (million USD).
    assert table.loc["USA", "exports"] / 1e6 == pytest.approx(77_151, abs=1)
    assert table.loc["CHN", "exports"] / 1e6 == pytest.approx(49_095, abs=1)
    assert table.loc["CHN", "imports"] / 1e6 == pytest.approx(84_374, abs=1)
    assert table.loc["KOR", "imports"] / 1e6 == pytest.approx(46_873, abs=1)
    assert table.loc["JPN", "imports"] / 1e6 == pytest.approx(20_345, abs=1)
    assert table["export_share"].sum() == pytest.approx(1.0)
    assert table["trade_share"].sum() == pytest.approx(1.0)
    assert table.index[0] == "CHN"  # the largest total trade
    assert table["grubel_lloyd"].between(0, 1).all()
    assert table.loc["USA", "balance"] > 0 and table.loc["CHN", "balance"] < 0
    # The Vietnam extract lacks the partners' WORLD rows, so intensity is unknown, not invented.
    assert table["export_intensity"].isna().all()
    assert result.intensity_available is False


def test_trade_intensity_on_real_dots(dots_2020: pd.DataFrame) -> None:
    result = partner_indicators(dots_2020, "VNM", 2020, span=1)
    table = result.table.set_index("partner")
    # Vietnam sells the US far more than the US weight in world imports (27 % vs ~13 %).
    assert table.loc["USA", "export_intensity"] > 1.5
    assert table["export_intensity"].notna().sum() > 50
    assert result.intensity_available is True
    # X_i, the sum over partners, is Vietnam's own World row (DOTS SOURCE.md: 277,271 M USD)
    # once the repeated Australia rows count once.
    assert table["exports"].sum() / 1e6 == pytest.approx(277_271, abs=1)
    hhis = concentration(dots_2020, "VNM", 2020).set_index("flow")
    assert 0 < hhis.loc["export", "hhi_partners"] < 0.2


def test_a_row_repeated_in_one_source_counts_once(
    flows_factory: Callable[..., pd.DataFrame],
) -> None:
    months = [("VNM", "KOR", "export", f"2020-{m:02d}", 10.0) for m in range(1, 13)]
    monthly = flows_factory(months + months[:1], frequency="M")  # January listed twice
    yearly = flows_factory([("VNM", "JPN", "export", "2020", 7.0)] * 2)
    assert annual_values(monthly)["value_usd"].tolist() == [120.0]
    assert annual_values(yearly)["value_usd"].tolist() == [7.0]


def test_distinct_rows_filed_under_one_code_are_added_up(
    flows_factory: Callable[..., pd.DataFrame],
) -> None:
    # The IMF files "Special Categories" and "Countries & Areas not specified" both as
    # NOT_SPECIFIED: two rows with their own values, not a repeat.
    rows = flows_factory([("VNM", "NOT_SPECIFIED", "export", "1986", 146.3),
                          ("VNM", "NOT_SPECIFIED", "export", "1986", 62.9)])
    assert annual_values(rows)["value_usd"].tolist() == [pytest.approx(209.2)]


def test_duplicated_dots_rows_are_not_doubled(vietnam_dots: pd.DataFrame) -> None:
    # The DOTS Vietnam workbook lists Australia twice (identical rows): 2020 exports to
    # Australia are 3,623.9 M USD and imports 4,670.2, not 7,247.8 and 9,340.4.
    result = partner_indicators(vietnam_dots, "VNM", 2020)
    table = result.table.set_index("partner")
    assert table.loc["AUS", "exports"] / 1e6 == pytest.approx(3_623.92, abs=0.01)
    assert table.loc["AUS", "imports"] / 1e6 == pytest.approx(4_670.19, abs=0.01)
    # Nicaragua's workbook is in the file twice; its reports of Vietnam count once.
    gaps = mirror_gaps(vietnam_dots, "VNM", 2015).table.set_index(["partner", "direction"])
    assert gaps.loc[("NIC", "export"), "partner_reported"] / 1e6 == pytest.approx(21.224, abs=1e-3)
    assert gaps.loc[("NIC", "import"), "partner_reported"] / 1e6 == pytest.approx(3.527, abs=1e-3)
    hhis = result.concentration.set_index("flow")
    assert hhis.loc["export", "hhi_partners"] == pytest.approx(0.1246, abs=1e-4)
