"""Balassa RCA: hand-made cases, its adding-up identities, and Vietnam 2020 on BACI."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.analytics import balassa_rca, rca_profile
from haiquan.errors import InputError, NotFoundError
from tests.analytics.conftest import make_flows


def chapters(rows: list[tuple[str, str, float]], year: str = "2020") -> pd.DataFrame:
    flows = make_flows([(r, "WORLD", "export", year, v) for r, _, v in rows], commodity="01")
    flows["commodity"] = pd.Series([k for _, k, _ in rows], dtype="string")
    return flows


def test_rca_by_hand() -> None:
    flows = chapters([("VNM", "64", 30), ("VNM", "85", 70), ("DEU", "64", 10), ("DEU", "85", 890)])
    table = balassa_rca(flows).set_index(["reporter", "commodity"])
    # VNM: footwear is 30 % of its exports but 4 % of world exports -> 7.5
    assert table.loc[("VNM", "64"), "rca"] == pytest.approx(0.3 / 0.04)
    assert table.loc[("DEU", "64"), "rca"] == pytest.approx((10 / 900) / 0.04)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(1, 1e6), min_size=6, max_size=6))
def test_rca_identities(values: list[float]) -> None:
    rows = [(r, k, values[i * 3 + j]) for i, r in enumerate(("VNM", "THA"))
            for j, k in enumerate(("01", "09", "85"))]
    table = balassa_rca(chapters(rows))
    # Weighted by world shares, a country's RCAs average to 1; weighted by country
    # weights, a product's RCAs average to 1.
    weighted = (table["rca"] * table["world_share"]).groupby(table["reporter"]).sum()
    assert weighted.tolist() == pytest.approx([1.0, 1.0])
    weight = table.groupby("reporter")["value_usd"].transform("sum") / table["value_usd"].sum()
    by_product = (table["rca"] * weight).groupby(table["commodity"]).sum()
    assert by_product.tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_totals_only_are_refused() -> None:
    with pytest.raises(InputError, match="--input-format baci"):
        balassa_rca(make_flows([("VNM", "WORLD", "export", "2020", 1.0)]))


def test_a_year_outside_the_rows_names_the_years_they_cover() -> None:
    flows = pd.concat([chapters([("VNM", "64", 30)], "2019"), chapters([("VNM", "64", 40)])])
    with pytest.raises(InputError, match="2019–2020, got 2021; to fix: pass --year between"):
        balassa_rca(flows, 2021)


def test_home_absent() -> None:
    with pytest.raises(NotFoundError, match="no exports by KOR"):
        rca_profile(chapters([("VNM", "64", 30)]), "KOR")


def test_vietnam_2020_matches_source_notes(baci: pd.DataFrame) -> None:
    profile = rca_profile(baci, "VNM", 2020).table.set_index("commodity")
    # SOURCE.md: HS64 footwear 8.6, HS46 basketwork 6.5, HS62 3.9, HS61 3.8, HS09 3.7.
    assert profile.loc["64", "rca"] == pytest.approx(8.6, abs=0.05)
    assert profile.loc["46", "rca"] == pytest.approx(6.5, abs=0.05)
    assert profile.loc["09", "rca"] == pytest.approx(3.7, abs=0.05)
    assert list(profile.index[:5]) == ["64", "46", "62", "61", "09"]
