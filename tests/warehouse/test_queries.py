"""Dashboard look-ups on the real Vietnam DOTS file."""

from __future__ import annotations

import pytest

from haiquan.errors import InputError, NotFoundError
from haiquan.warehouse.loading import load_trade_file
from haiquan.warehouse.queries import available_years, partner_series, top_partners
from haiquan.warehouse.schema import is_synthetic
from tests.conftest import require_shared

DOTS_VIETNAM = "trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv"


@pytest.fixture
def vietnam_loaded() -> None:
    load_trade_file(require_shared(DOTS_VIETNAM))


def test_no_warehouse_yet_says_how_to_start() -> None:
    with pytest.raises(NotFoundError, match="haiquan demo"):
        top_partners("VNM", "2020")


@pytest.mark.usefixtures("vietnam_loaded")
def test_top_partners_of_vietnam_in_2020() -> None:
    top = top_partners("VNM", "2020", n=5)
    assert list(top["partner"][:3]) == ["CHN", "USA", "KOR"]
    china = top.iloc[0]
    # SOURCE.md: imports from China 84,374 M USD, exports to China 49,095 M USD.
    assert china["import_usd"] / 1e6 == pytest.approx(84_374, rel=1e-4)
    assert china["export_usd"] / 1e6 == pytest.approx(49_095, rel=1e-4)
    assert top["share"].is_monotonic_decreasing
    assert is_synthetic(top) is False
    assert top_partners("VNM")["period"].iloc[0] == "2020"


@pytest.mark.usefixtures("vietnam_loaded")
def test_a_year_not_loaded_names_the_years_there_are() -> None:
    with pytest.raises(NotFoundError, match="no A trade totals in 2024") as caught:
        top_partners("VNM", "2024")
    assert caught.value.expected == "a period from 1960 to 2020"
    with pytest.raises(NotFoundError, match="no Q trade totals reported by VNM"):
        top_partners("VNM", "2020", frequency="Q")


@pytest.mark.usefixtures("vietnam_loaded")
def test_partner_series_has_mirror_figures() -> None:
    series = partner_series("KOR", "VNM")
    row = series[(series.period == "2020") & (series.flow == "import")].iloc[0]
    # Vietnam's imports from Korea (46,873 M USD) against Korea's reported exports to Vietnam.
    assert row["value_usd"] / 1e6 == pytest.approx(46_873, rel=1e-4)
    assert row["mirror_usd"] > 0
    assert "2020" in available_years("VNM")


@pytest.mark.usefixtures("vietnam_loaded")
def test_unknown_partner_and_flow_are_explained() -> None:
    with pytest.raises(NotFoundError, match="no trade between VNM and ATL") as caught:
        partner_series("ATL", "VNM")
    assert "annual rows" in str(caught.value) and "frequency" not in str(caught.value)
    with pytest.raises(InputError, match="unknown flow"):
        top_partners("VNM", "2020", flow="exports")
    with pytest.raises(InputError, match="no A trade reported by ZZZ"):
        top_partners("ZZZ")
