"""Countries and groups: every partner name in the real trade files maps to a code."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from haiquan.errors import UnknownCodeError
from haiquan.reference.countries import (
    country,
    country_groups,
    find_country,
    group_members,
    groups_of,
    partner_code,
)
from tests.conftest import require_shared


def _unmapped(names: set[str]) -> list[str]:
    missing = []
    for name in sorted(names):
        try:
            code = partner_code(name)
        except UnknownCodeError:
            missing.append(name)
            continue
        # A country is its ISO alpha-3 code (or Kosovo's XKX); anything else is a named group.
        if len(code) == 3:
            assert country(code).alpha_3 == code, name
        else:
            assert code.replace("_", "").isalpha() and code.isupper(), name
    return missing


def test_every_dots_reporter_and_partner_maps() -> None:
    path = require_shared("trade/imf-dots-annual-1960-2020/dots_bilateral_annual_1960_2020.parquet")
    frame = pd.read_parquet(path, columns=["reporter", "partner"])
    names = set(frame["reporter"].unique()) | set(frame["partner"].unique())
    assert len(names) > 200
    assert _unmapped(names) == []


def test_every_census_partner_maps() -> None:
    path = require_shared(
        "trade/us-census-country-monthly/us_census_goods_by_country_monthly_long.csv.gz"
    )
    names = set(pd.read_csv(path, usecols=["cty_name"])["cty_name"].unique())
    assert len(names) > 200
    assert _unmapped(names) == []


def test_source_spellings_reach_the_right_country() -> None:
    assert partner_code("Korea, Rep. of") == partner_code("Korea, South") == "KOR"
    assert partner_code("China, P.R.: Mainland") == "CHN"
    assert partner_code("China, P.R.: Hong Kong") == "HKG"
    assert partner_code("Vietnam") == "VNM"
    assert partner_code("World") == "WORLD"


def test_unknown_name_says_how_to_fix() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        find_country("Atlantis")
    assert "country_aliases.yaml" in (caught.value.fix or "")


def test_groups_of_follows_dated_membership() -> None:
    assert "CPTPP" not in groups_of("GBR", dt.date(2024, 12, 14))
    assert "CPTPP" in groups_of("GBR", dt.date(2024, 12, 15))
    assert groups_of("USA", dt.date(2024, 1, 1)) == []
    for code in groups_of("VNM", dt.date(2024, 1, 1)):
        assert "VNM" in group_members(code, dt.date(2024, 1, 1))
    assert set(groups_of("VNM")) <= set(country_groups())
