"""The output contract on the real Census file, and the library entry points."""

from __future__ import annotations

import pandas as pd
import pytest

from haiquan.errors import InputError
from haiquan.forecast import OUTPUT_COLUMNS, backtest_flows, forecast_file, run_flow_forecast


def test_census_forecast_keeps_iso_codes_and_census_codes(census_file, quick_config,
                                                          local_engine) -> None:
    run = forecast_file(census_file, "census", 6, partners=["VNM", "EUROPEAN_UNION", "ISR", "5080"],
                        config=quick_config, engine=local_engine)
    out = run.forecasts
    assert out.columns[: len(OUTPUT_COLUMNS)].tolist() == OUTPUT_COLUMNS
    # Countries keep ISO alpha-3; the European Union aggregate keeps its Census code 0003.
    assert set(out["partner"]) == {"VNM", "0003", "ISR"}
    assert set(out["flow"]) == {"import", "export"}
    assert out["period"].min() == "2023-07" and out["period"].max() == "2023-12"
    assert (out["reporter"] == "USA").all()
    # Values stay in US dollars: US imports from Vietnam ran near 10 billion a month in 2023.
    vnm = out[(out["partner"] == "VNM") & (out["flow"] == "import")]
    assert 5e9 < vnm["yhat"].mean() < 2e10
    # Census code 5080 (an old Israel code, zeros only until 2003) is listed, not forecast.
    series = run.series.set_index("partner")
    assert set(series.loc["5080", "series_class"]) == {"skipped"}
    assert set(series.loc["ISR", "series_class"]) == {"regular"}
    assert out.groupby(["partner", "flow"]).size().eq(6).all()


def test_backtest_takes_one_frequency(make_flows, quick_config, local_engine) -> None:
    flows = make_flows({"CHN": 40})
    annual = flows.assign(frequency="A", period=flows["period"].str[:4]).drop_duplicates(
        "period")
    with pytest.raises(InputError, match="one frequency"):
        backtest_flows(pd.concat([flows, annual]), 6, config=quick_config, engine=local_engine)


def test_forecasts_of_two_slices_concatenate(make_flows, quick_config, local_engine) -> None:
    # The series table used to ride in DataFrame.attrs, which made pd.concat of two results fail.
    runs = [run_flow_forecast(make_flows({partner: 60}, flow=flow), 6, config=quick_config,
                              engine=local_engine)
            for partner, flow in (("CHN", "export"), ("VNM", "import"))]
    both = pd.concat([run.forecasts for run in runs], ignore_index=True)
    assert not both.attrs
    assert set(both["partner"]) == {"CHN", "VNM"} and len(both) == 12
    assert [run.series["series_class"].tolist() for run in runs] == [["regular"], ["regular"]]
