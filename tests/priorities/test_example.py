"""The Vietnam example: its sourced figures match the data they cite; its plan on real data."""

from __future__ import annotations

import pandas as pd
import pytest

from haiquan.priorities import load_catalogue
from haiquan.priorities.plan import PlanLimits, optimise_plan
from haiquan.priorities.trade import partner_trade_forecast
from tests.conftest import require_shared
from tests.priorities.conftest import BACI


def test_baci_shares_in_the_example_match_baci_2020() -> None:
    baci = pd.read_csv(require_shared(BACI), dtype={"k": str})
    exports = baci.loc[(baci["i_iso3c"] == "VNM") & (baci["t"] == 2020)]
    total = exports["v"].sum()
    checked = 0
    for item in load_catalogue().initiatives:
        share = item.benefit.share_affected
        if share.source and share.source.startswith("CEPII BACI 2020, computed"):
            chapters = exports.loc[exports["k"].isin(item.commodities), "v"].sum()
            assert share.value == pytest.approx(chapters / total, abs=0.001), item.id
            checked += 1
    assert checked >= 2


def test_example_plan_on_real_dots_fits_the_example_resources(
    vietnam_dots: pd.DataFrame,
) -> None:
    catalogue = load_catalogue()
    assert catalogue.resources is not None
    limits = PlanLimits(first_year=2021, years=5,
                        staff_months_per_year=catalogue.resources.staff_months_per_year.value,
                        budget_usd_per_year=catalogue.resources.budget_usd_per_year.value)
    trade = partner_trade_forecast(vietnam_dots, home="VNM", years=limits.plan_years,
                                   method="trend").table
    plan = optimise_plan(catalogue, limits, trade)
    assert plan.status == "optimal"
    chosen = {c.id: c for c in plan.chosen}
    assert "aeo-programme-upgrade" in chosen  # required
    for item in plan.chosen:
        for needed in catalogue.by_id()[item.id].prerequisites:
            assert chosen[needed].completion_year < item.start_year
    assert not ({"aeo-mra-asean", "aeo-mra-tha"} <= set(chosen))  # they exclude each other
    for use in plan.usage:
        assert use.staff_months_used <= use.staff_months_limit + 1e-9
        assert use.budget_usd_used <= use.budget_usd_limit + 1e-6
    assert plan.warnings == []  # every partner of the example has DOTS trade
    assert len(plan.shadow_staff_month) == 5 and plan.budget_plus_10 is not None
