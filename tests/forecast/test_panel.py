from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.errors import InputError
from haiquan.forecast.panel import (
    flows_to_panel,
    period_to_timestamp,
    select_slice,
    timestamp_to_period,
)


@given(year=st.integers(1950, 2100), index=st.integers(0, 11),
       frequency=st.sampled_from(["M", "Q", "A"]))
def test_period_round_trip(year: int, index: int, frequency: str) -> None:
    period = {"M": f"{year}-{index + 1:02d}", "Q": f"{year}Q{index % 4 + 1}",
              "A": str(year)}[frequency]
    stamps = period_to_timestamp(pd.Series([period]), frequency)
    assert timestamp_to_period(stamps, frequency).tolist() == [period]


def test_unknown_frequency_says_what_is_allowed() -> None:
    with pytest.raises(InputError, match="one of M, Q, A"):
        period_to_timestamp(pd.Series(["2023"]), "W")


def test_panel_fills_missing_months_with_zero_and_sums_duplicates(make_flows) -> None:
    flows = make_flows({"CHN": 24})
    gap = flows[flows["period"] != "2022-12"]
    doubled = pd.concat([gap, gap[gap["period"] == "2023-01"]], ignore_index=True)
    panel, series = flows_to_panel(doubled)
    assert len(panel) == 24
    assert panel.loc[panel["ds"] == "2022-12-01", "y"].tolist() == [0.0]
    jan = flows.loc[flows["period"] == "2023-01", "value_usd"].iloc[0]
    assert panel.loc[panel["ds"] == "2023-01-01", "y"].iloc[0] == pytest.approx(2 * jan)
    assert series[["reporter", "partner", "flow", "frequency", "commodity"]].iloc[0].tolist() \
        == ["USA", "CHN", "export", "M", "TOTAL"]


def test_panel_keeps_one_series_per_key(make_flows) -> None:
    flows = pd.concat([make_flows({"CHN": 30, "VNM": 20}),
                       make_flows({"CHN": 30}, flow="import")], ignore_index=True)
    panel, series = flows_to_panel(flows)
    assert sorted(series["unique_id"]) == ["USA|CHN|export|M|TOTAL", "USA|CHN|import|M|TOTAL",
                                           "USA|VNM|export|M|TOTAL"]
    assert panel.groupby("unique_id").size().to_dict()["USA|VNM|export|M|TOTAL"] == 20


def test_select_slice_filters_and_explains_an_empty_result(make_flows) -> None:
    flows = pd.concat([make_flows({"CHN": 12, "VNM": 12}),
                       make_flows({"WORLD": 12}, flow="import")], ignore_index=True)
    assert set(select_slice(flows, flow="export")["partner"]) == {"CHN", "VNM"}
    assert set(select_slice(flows, countries_only=True)["partner"]) == {"CHN", "VNM"}
    assert set(select_slice(flows, partners=["vnm"])["partner"]) == {"VNM"}
    with pytest.raises(InputError, match="no trade rows match") as caught:
        select_slice(flows, commodity_level=4)
    assert "commodity_level=4" in str(caught.value)


def test_a_series_starts_after_its_last_long_gap(make_flows) -> None:
    flows = make_flows({"JPN": 60})
    # Two missing months are zero trade; a 12-month hole means the partner was not reported.
    short_gap = flows[~flows["period"].isin(["2022-01", "2022-02"])]
    panel, _ = flows_to_panel(short_gap)
    assert len(panel) == 60 and (panel["y"] == 0).sum() == 2
    long_gap = flows[~flows["period"].between("2020-01", "2020-12")]
    panel, _ = flows_to_panel(long_gap)
    assert panel["ds"].min() == pd.Timestamp("2021-01-01")
    assert (panel["y"] > 0).all()
