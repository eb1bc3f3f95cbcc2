from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from haiquan.errors import InputError
from haiquan.forecast import build_hierarchy, forecast_flows


def test_hierarchy_sums_countries_and_commodities(make_flows) -> None:
    rows = pd.concat([make_flows({"CHN": 24, "MEX": 24}, commodity="01"),
                      make_flows({"CHN": 24, "MEX": 24}, commodity="02")], ignore_index=True)
    all_rows, S, tags = build_hierarchy(rows)
    assert set(tags) == {"total", "partner", "bottom"}
    assert len(tags["bottom"]) == 4 and len(tags["partner"]) == 2 and len(tags["total"]) == 1
    assert S.shape == (7, 5)  # 7 series, unique_id + 4 bottom columns
    bottom = S.set_index("unique_id").iloc[-4:]
    assert np.array_equal(bottom.to_numpy(), np.eye(4))
    total = all_rows[all_rows["partner"] == "WORLD"].set_index("period")["value_usd"]
    assert total["2023-06"] == pytest.approx(
        rows.loc[rows["period"] == "2023-06", "value_usd"].sum())


def test_named_groups_cannot_be_summed(make_flows) -> None:
    with pytest.raises(InputError, match="only countries"):
        build_hierarchy(make_flows({"CHN": 24, "EUROPEAN_UNION": 24}))


@pytest.mark.parametrize("method", ["bottom_up", "mint_wls"])
def test_reconciled_partners_add_up_to_the_total(make_flows, quick_config, local_engine,
                                                 method: str) -> None:
    # Twenty countries: enough back-test errors (21 series x 2 windows) for calibrated bands.
    countries = ["AUS", "BRA", "CAN", "CHN", "DEU", "ESP", "FRA", "GBR", "IDN", "IND", "ITA",
                 "JPN", "KOR", "MEX", "MYS", "NZL", "PHL", "SGP", "THA", "VNM"]
    flows = make_flows({**{c: 96 for c in countries}, "WORLD": 96})
    out = forecast_flows(flows, 6, config=quick_config, engine=local_engine, reconcile=method)
    assert set(out["partner"]) == {*countries, "WORLD"}
    assert out["band_usable"].all()
    world = out[out["partner"] == "WORLD"].set_index("period")["yhat"]
    countries = out[out["partner"] != "WORLD"].groupby("period")["yhat"].sum()
    assert np.allclose(world, countries.loc[world.index], rtol=1e-9)
    # The input's own WORLD rows were replaced by the sum of the countries.
    assert out["model"].str.endswith("+" + method).all()
    assert (out["lo_95"] <= out["yhat"]).all() and (out["yhat"] <= out["hi_95"]).all()
