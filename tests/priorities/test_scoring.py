"""Partner scoring: contributions add up, directions and weights act as written, real ranking."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.errors import InputError
from haiquan.priorities import (
    COOPERATION_FLAGS,
    CRITERIA,
    load_weights,
    partner_criteria,
    score_criteria,
    score_partners,
    weight_sensitivity,
)

Factory = Callable[..., pd.DataFrame]

# Four partners over ten years: KOR large and steady, JPN mid-sized and shrinking,
# THA small and fast-growing, LAO tiny. Partners report their side too, with gaps.
GROWTH = {"KOR": 0.05, "JPN": -0.02, "THA": 0.20, "LAO": 0.0}
LEVEL = {"KOR": 1000.0, "JPN": 400.0, "THA": 100.0, "LAO": 1.0}
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


def _cooperation() -> pd.DataFrame:
    flags = {"KOR": (1, 0, 1, 0), "JPN": (1, 0, 0, 0), "THA": (1, 0, 1, 1), "LAO": (1, 0, 1, 1)}
    return pd.DataFrame([{"partner": p, **dict(zip(COOPERATION_FLAGS, f, strict=True))}
                         for p, f in flags.items()])


@pytest.fixture
def criteria(flows_factory: Factory) -> pd.DataFrame:
    return partner_criteria(_flows(flows_factory), home="VNM", horizon=5, min_share=0.0,
                            cooperation=_cooperation(), forecast="trend")


def test_raw_criteria_follow_the_trade(criteria: pd.DataFrame) -> None:
    table = criteria.set_index("partner")
    assert table.loc["KOR", "current_trade"] == pytest.approx(2 * 1000 * 1.05 ** 9)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.loc["THA", "forecast_growth"] == pytest.approx(0.20, abs=1e-9)
    # JPN reports 1.5 times what VNM reports on both flows: gap = 0.5 / 2.5.
    assert table.loc["JPN", "mirror_gap"] == pytest.approx(0.5 / 2.5)
    assert np.isnan(table.loc["LAO", "mirror_gap"])
    assert table["trade_intensity"].isna().all()  # no partner reports world totals here
    assert criteria.attrs["home"] == "VNM" and criteria.attrs["year"] == 2020


def test_contributions_add_up_and_ranks_follow_scores(criteria: pd.DataFrame) -> None:
    scores = score_criteria(criteria, load_weights())
    used = list(scores.attrs["weights"])
    assert scores["score"].to_numpy() == pytest.approx(scores[used].sum(axis=1).to_numpy())
    assert scores["rank"].tolist() == [1, 2, 3, 4]
    assert scores["score"].is_monotonic_decreasing
    assert sum(scores.attrs["weights"].values()) == pytest.approx(1.0)
    assert set(scores.attrs["unavailable"]) == {"trade_intensity", "untapped_potential"}
    assert scores.set_index("partner").loc["LAO", "imputed"] == "mirror_gap"


def test_lower_is_better_flips_a_flag(criteria: pd.DataFrame) -> None:
    scores = score_criteria(criteria, load_weights()).set_index("partner")
    # JPN has no e-C/O exchange yet: with direction "lower" that earns the full weight.
    weight = scores.attrs["weights"]["eco_exchange"]
    assert scores.loc["JPN", "eco_exchange"] == pytest.approx(100 * weight)
    assert scores.loc["KOR", "eco_exchange"] == 0


def test_raising_a_weight_favours_the_partner_that_leads_on_it(criteria: pd.DataFrame) -> None:
    weights = load_weights()
    base = score_criteria(criteria, weights).set_index("partner")["rank"]
    growth_heavy = score_criteria(criteria, weights.with_weight("forecast_growth", 5.0))
    assert growth_heavy.iloc[0]["partner"] == "THA"
    assert base["THA"] != 1
    table = weight_sensitivity(criteria, weights, change=0.5, top=2)
    assert set(table["criterion"]) == set(base.attrs.get("weights", {})) or len(table) > 0
    assert ((table["spearman"] <= 1.0 + 1e-12) & (table["spearman"] >= -1.0)).all()
    assert {0.5, 1.5} == set(table["factor"])


def test_small_partners_are_left_out(flows_factory: Factory) -> None:
    table = partner_criteria(_flows(flows_factory), home="VNM", min_share=0.01,
                             cooperation=_cooperation(), forecast="trend")
    assert "LAO" not in set(table["partner"])
    assert table.attrs["left_out"] == 1


@pytest.mark.parametrize("share", [1.0, 1.5, -0.1])
def test_a_min_share_outside_0_to_1_is_refused(flows_factory: Factory, share: float) -> None:
    # 1.5 used to leave every partner out and blame the weights ("no criterion has data").
    with pytest.raises(InputError, match="min_share is the share of trade"):
        partner_criteria(_flows(flows_factory), home="VNM", min_share=share,
                         cooperation=_cooperation(), forecast="trend")


def test_a_base_year_without_data_is_explained(flows_factory: Factory) -> None:
    with pytest.raises(InputError, match="choose a year between 2011 and 2020"):
        partner_criteria(_flows(flows_factory), home="VNM", year=1990,
                         cooperation=_cooperation(), forecast="trend")


def test_weights_on_criteria_without_data_are_refused(criteria: pd.DataFrame) -> None:
    weights = load_weights()
    for name in weights.criteria:
        if name != "trade_intensity":
            weights = weights.with_weight(name, 0.0)
    with pytest.raises(InputError, match="none of the weighted criteria has data"):
        score_criteria(criteria, weights)


@st.composite
def criteria_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(2, 8))
    values = st.one_of(st.floats(0, 1e12), st.just(float("nan")))
    data: dict[str, list[object]] = {"partner": [f"P{k:02d}" for k in range(n)],
                                     "name": [f"partner {k}" for k in range(n)]}
    for criterion in CRITERIA:
        data[criterion] = [draw(values) for _ in range(n)]
    data["current_trade"] = [draw(st.floats(1, 1e12)) for _ in range(n)]
    return pd.DataFrame(data)


@settings(max_examples=50, deadline=None)
@given(criteria_tables())
def test_any_criteria_table_scores_within_0_to_100(criteria: pd.DataFrame) -> None:
    scores = score_criteria(criteria, load_weights())
    used = list(scores.attrs["weights"])
    assert ((scores["score"] >= -1e-9) & (scores["score"] <= 100 + 1e-9)).all()
    assert scores[used].notna().all().all()
    assert scores["score"].to_numpy() == pytest.approx(scores[used].sum(axis=1).to_numpy())
    assert sorted(scores["rank"]) == list(range(1, len(criteria) + 1))
    assert scores["score"].is_monotonic_decreasing


def test_vietnam_ranking_on_real_dots_data(vietnam_dots: pd.DataFrame) -> None:
    import datetime as dt

    scores = score_partners(vietnam_dots, home="VNM", horizon=5, forecast="trend",
                            on=dt.date(2025, 1, 1))
    top = scores["partner"].head(5).tolist()
    assert "CHN" in top and "USA" in top  # Vietnam's two largest partners in 2020
    assert scores.attrs["year"] == 2020
    assert scores.attrs["left_out"] > 20  # many tiny partners below 0.1 % of trade
    assert 30 < len(scores) < 150
    table = scores.set_index("partner")
    # Flags come from the agreements catalogue: Vietnam and Korea exchange e-C/Os since 2023.
    assert table.loc["KOR", "eco_exchange_value"] == 1
    assert table.loc["USA", "fta_in_force_value"] == 0
    assert table.loc["CHN", "current_trade_value"] == pytest.approx(133.47e9, rel=1e-3)


def test_fta_criterion_counts_only_agreements_between_the_pair() -> None:
    import datetime as dt

    from haiquan.priorities.scoring import _cooperation

    on = dt.date(2024, 6, 1)
    # Germany and France both apply EVFTA, but it is an agreement of the EU with Vietnam.
    germany = _cooperation("DEU", ["FRA", "VNM"], on).set_index("partner")
    assert germany.loc["FRA", "fta_in_force"] == 0
    assert germany.loc["VNM", "fta_in_force"] == 1
    # Two ASEAN members: ATIGA (and RCEP) keep the flag; an ASEAN+1 agreement does not.
    thailand = _cooperation("THA", ["SGP", "CHN"], on).set_index("partner")
    assert thailand.loc["SGP", "fta_in_force"] == 1 and thailand.loc["CHN", "fta_in_force"] == 1
