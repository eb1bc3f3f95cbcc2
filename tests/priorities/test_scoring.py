"""Priorities by instrument: money at stake from the reference data, robust points, real ranking."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haiquan.errors import InputError
from haiquan.priorities import (
    INSTRUMENTS,
    MONEY_CRITERIA,
    PartnerCriteria,
    load_weights,
    partner_criteria,
    score_criteria,
    score_partners,
    weight_sensitivity,
)

Factory = Callable[..., pd.DataFrame]
ON = dt.date(2026, 1, 1)

# Four partners over ten years: KOR large and steady, JPN mid-sized and shrinking,
# THA small and fast-growing, LAO tiny. Partners report their side too, with gaps.
GROWTH = {"KOR": 0.05, "JPN": -0.02, "THA": 0.20, "LAO": 0.0}
LEVEL = {"KOR": 1000.0, "JPN": 400.0, "THA": 100.0, "LAO": 10.0}
MIRROR = {"KOR": 1.0, "JPN": 1.5, "THA": 1.05}  # partner-reported / home-reported


def _flows(factory: Factory) -> pd.DataFrame:
    rows = []
    for partner, level in LEVEL.items():
        for year in range(2011, 2021):
            value = level * (1 + GROWTH[partner]) ** (year - 2011)
            rows.append(("VNM", partner, "export", str(year), value))
            rows.append(("VNM", partner, "import", str(year), value))
            if partner in MIRROR:
                rows.append((partner, "VNM", "import", str(year), value * MIRROR[partner]))
                rows.append((partner, "VNM", "export", str(year), value * MIRROR[partner]))
    return factory(rows)


@pytest.fixture
def criteria(flows_factory: Factory) -> PartnerCriteria:
    return partner_criteria(_flows(flows_factory), home="VNM", horizon=5, min_share=0.0,
                            on=ON, forecast="trend")


def test_each_instrument_counts_the_trade_the_reference_data_leaves_open(
        criteria: PartnerCriteria) -> None:
    table = criteria.table.set_index("partner")
    kor = 2 * 1000 * 1.05 ** 9
    assert table.loc["KOR", "current_trade"] == pytest.approx(kor)
    # Vietnam and Korea exchange e-C/Os since 2023-07-01 (VN_KOR_EODES): nothing left to touch.
    assert table.loc["KOR", "eco_exchange"] == 0
    # Japan: FTAs in force, no exchange recorded: all its trade is at stake.
    assert table.loc["JPN", "eco_exchange"] == pytest.approx(table.loc["JPN", "current_trade"])
    # Thailand's single window is connected through the ASW.
    assert table.loc["THA", "single_window"] == 0
    # The Korea MRA is signed but not applied: its trade counts, the driver says implement.
    drivers = criteria.drivers.set_index(["partner", "instrument"])["driver"]
    assert table.loc["KOR", "aeo_mra"] == pytest.approx(kor)
    assert "VN_KOR_AEO_MRA signed, to implement" in drivers[("KOR", "aeo_mra")]
    # Enforcement is the mirror discrepancy in USD: JPN reports 1.5 times VNM on both flows.
    jpn = 400 * 0.98 ** 9
    assert table.loc["JPN", "enforcement"] == pytest.approx(2 * 0.5 * jpn)
    assert table.loc["LAO", "enforcement"] == 0  # no mirror figures
    # Laos signed the ASEAN AEO MRA but does not apply it yet: capacity building.
    assert table.loc["LAO", "capacity_building"] == pytest.approx(table.loc["LAO",
                                                                            "current_trade"])
    assert table.loc["THA", "standing"] == 3  # ASEAN, comprehensive strategic partner, FTA


def test_points_add_up_and_a_criterion_that_does_not_separate_is_dropped(
        criteria: PartnerCriteria) -> None:
    scores = score_criteria(criteria, load_weights())
    used = list(scores.weights)
    overall = scores.overall
    assert overall["score"].to_numpy() == pytest.approx(overall[used].sum(axis=1).to_numpy())
    assert overall["rank"].tolist() == [1, 2, 3, 4]
    assert sum(scores.weights.values()) == pytest.approx(1.0)
    # Only Laos needs capacity building: the criterion cannot separate four partners.
    dropped = {d.criterion: d.reason for d in scores.dropped}
    assert "capacity_building" in dropped and "does not separate" in dropped["capacity_building"]
    assert "capacity_building" not in used
    # Every instrument has its own ranking by USD, with drivers.
    assert set(scores.instruments) == set(INSTRUMENTS)
    ranking = scores.instruments["eco_exchange"].table
    assert "KOR" not in set(ranking["partner"])
    assert ranking["usd"].is_monotonic_decreasing


def test_the_combination_sentence_says_how_the_money_points_are_shared(
        criteria: PartnerCriteria) -> None:
    scores = score_criteria(criteria, load_weights())
    money = [c for c in scores.weights if c in MONEY_CRITERIA]
    share = sum(scores.weights[c] for c in money)
    overall = scores.overall
    # The instruments share one money score: together never above their share of 100, while
    # one instrument's column may exceed its own weight; the sentence must say both.
    assert (overall[money].sum(axis=1) <= 100 * share + 1e-9).all()
    assert (overall[money] > 100 * pd.Series(scores.weights)[money] + 1e-9).any().any()
    assert f"money at stake, {share:.0%} of the score" in scores.combination
    assert "in proportion to their weighted USD" in scores.combination
    assert "can exceed its own weight" in scores.combination


def test_one_extreme_value_cannot_stretch_a_criterion(criteria: PartnerCriteria) -> None:
    table = criteria.table.copy()
    table.loc[table["partner"] == "JPN", "enforcement"] = 1e15  # a data error, say
    extreme = score_criteria(dataclasses.replace(criteria, table=table), load_weights())
    table.loc[table["partner"] == "JPN", "enforcement"] = 1e18
    more = score_criteria(dataclasses.replace(criteria, table=table), load_weights())
    # The largest value is winsorised to the second largest: making it 1000 times larger
    # changes nobody's points.
    assert extreme.overall.set_index("partner")["score"].to_dict() == pytest.approx(
        more.overall.set_index("partner")["score"].to_dict())


def test_one_extreme_mirror_figure_cannot_rank_a_small_partner_first(
        flows_factory: Factory) -> None:
    # Laos, 0.4 % of the trade, reports exports to Vietnam a million times what Vietnam
    # records (a unit error, say): the discrepancy counts up to the trade Vietnam records,
    # so that one figure cannot outweigh every other instrument and lift Laos to the top.
    value = LEVEL["LAO"]
    mirror = flows_factory([("LAO", "VNM", "export", "2020", value * 1e6),
                            ("LAO", "VNM", "import", "2020", value)])
    flows = pd.concat([_flows(flows_factory), mirror], ignore_index=True)
    scores = score_partners(flows, home="VNM", horizon=5, min_share=0.0, on=ON,
                            forecast="trend")
    table = scores.criteria.table.set_index("partner")
    assert table.loc["LAO", "enforcement"] == pytest.approx(table.loc["LAO", "current_trade"])
    driver = scores.instruments["enforcement"].table.set_index("partner").loc["LAO", "driver"]
    assert "counted up to" in driver
    assert scores.overall.set_index("partner").loc["LAO", "rank"] == 4


def test_raising_a_weight_favours_the_partner_that_leads_on_it(
        criteria: PartnerCriteria) -> None:
    weights = load_weights()
    growth_heavy = score_criteria(criteria, weights.with_weight("forecast_growth", 50.0))
    assert growth_heavy.overall.iloc[0]["partner"] == "THA"
    table = weight_sensitivity(criteria, weights, change=0.5, top=2)
    assert len(table) == 2 * len(score_criteria(criteria, weights).weights)
    assert ((table["spearman"] <= 1.0 + 1e-12) & (table["spearman"] >= -1.0)).all()
    assert {0.5, 1.5} == set(table["factor"])


def test_small_partners_are_left_out(flows_factory: Factory) -> None:
    table = partner_criteria(_flows(flows_factory), home="VNM", min_share=0.01, on=ON,
                             forecast="trend")
    assert "LAO" not in set(table.table["partner"])
    assert table.left_out == 1


@pytest.mark.parametrize("share", [1.0, 1.5, -0.1])
def test_a_min_share_outside_0_to_1_is_refused(flows_factory: Factory, share: float) -> None:
    with pytest.raises(InputError, match="min_share is the share of trade"):
        partner_criteria(_flows(flows_factory), home="VNM", min_share=share, forecast="trend")


def test_a_base_year_without_data_is_explained(flows_factory: Factory) -> None:
    with pytest.raises(InputError, match="choose a year between 2011 and 2020"):
        partner_criteria(_flows(flows_factory), home="VNM", year=1990, forecast="trend")


def test_weights_only_on_criteria_that_cannot_separate_are_refused(
        criteria: PartnerCriteria) -> None:
    weights = load_weights()
    for name in weights.criteria:
        if name != "capacity_building":
            weights = weights.with_weight(name, 0.0)
    with pytest.raises(InputError, match="none of the weighted criteria separates"):
        score_criteria(criteria, weights)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # read-only fixture
@given(st.data())
def test_any_money_table_scores_within_0_to_100(
        criteria: PartnerCriteria, data: st.DataObject) -> None:
    table = criteria.table.copy()
    money = st.one_of(st.just(0.0), st.floats(1, 1e13))
    for column in MONEY_CRITERIA:
        table[column] = [data.draw(money) for _ in range(len(table))]
    table["forecast_growth"] = [data.draw(st.one_of(st.floats(-0.5, 2), st.just(np.nan)))
                                for _ in range(len(table))]
    try:
        scores = score_criteria(dataclasses.replace(criteria, table=table), load_weights())
    except InputError:
        return  # nothing separated the partners: refused, as tested above
    overall = scores.overall
    used = list(scores.weights)
    assert ((overall["score"] >= -1e-9) & (overall["score"] <= 100 + 1e-9)).all()
    assert overall[used].notna().all().all()
    assert overall["score"].to_numpy() == pytest.approx(overall[used].sum(axis=1).to_numpy())
    assert overall["score"].is_monotonic_decreasing


def test_vietnam_priorities_on_real_dots_data_are_ones_a_department_head_would_sign(
        vietnam_dots: pd.DataFrame) -> None:
    scores = score_partners(vietnam_dots, home="VNM", horizon=5, forecast="trend", on=ON)
    overall = scores.overall
    assert scores.criteria.year == 2020
    # No partner under 1 % of Vietnam's trade in the overall top 5 (Ireland, Mexico, Kuwait
    # and Israel used to sit there on a mirror ratio and "no link yet" flags).
    top = overall.head(5)
    assert (top["share"] >= 0.01).all(), top[["partner", "share"]]
    # Vietnam's largest partners lead, and Kuwait's extreme mirror ratio no longer counts.
    assert {"CHN", "USA", "KOR", "JPN"} <= set(overall["partner"].head(6))
    assert overall.set_index("partner").loc["KWT", "rank"] > 20
    # A large partner or an ASEAN member below a partner under 1 % has its reason stated.
    small_best = overall.loc[overall["share"] < 0.01, "rank"].min()
    for row in overall.itertuples(index=False):
        asean = "ASEAN" in row.standing_markers
        if (row.share >= 0.01 or asean) and row.rank > small_best:
            assert "touch nothing" in scores.below_smaller[row.partner], row.partner
    # Per instrument, money at stake: the AEO MRA list is led by the largest partners.
    aeo = scores.instruments["aeo_mra"].table
    assert aeo["partner"].head(4).tolist() == ["CHN", "USA", "KOR", "JPN"]
    assert aeo.set_index("partner").loc["CHN", "usd"] == pytest.approx(133.47e9, rel=1e-3)
