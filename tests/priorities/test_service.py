"""Where the one-call entry points take their trade data from: file, warehouse, then example."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from haiquan.errors import InputError
from haiquan.priorities import plan_cooperation, rank_partners
from haiquan.settings import reset_settings
from haiquan.warehouse.loading import load_trade_frame
from tests.priorities.conftest import (
    ALL_REPORTERS_DOTS,
    catalogue_dict,
    initiative,
    thailand_shared_data,
)


def _rows(factory: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for partner, level in (("KOR", 100.0), ("JPN", 50.0), ("THA", 20.0)):
        for year in range(2012, 2021):
            rows.append(("VNM", partner, "export", str(year), level * 1.05 ** (year - 2012)))
            rows.append(("VNM", partner, "import", str(year), level))
    return factory(rows)


def test_the_warehouse_is_used_when_no_file_is_given(
    flows_factory: Callable[..., pd.DataFrame],
) -> None:
    load_trade_frame(_rows(flows_factory), label="test rows", sha256="0" * 64)
    report = rank_partners(forecast="trend", sensitivity=None, min_share=0.0)
    assert report.data_source.startswith("warehouse ")
    assert set(report.scores.overall["partner"]) == {"KOR", "JPN", "THA"}
    assert report.sensitivity is None


def test_without_any_data_the_error_says_how_to_get_some(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(tmp_path / "nowhere"))
    reset_settings()
    with pytest.raises(InputError) as caught:
        rank_partners(forecast="trend")
    assert "haiquan load" in str(caught.value) and "HAIQUAN_SHARED_DATA" in str(caught.value)


def test_the_plan_starts_next_year_when_the_data_ended_earlier(
    flows_factory: Callable[..., pd.DataFrame], tmp_path: Path
) -> None:
    load_trade_frame(_rows(flows_factory), label="test rows", sha256="1" * 64)
    catalogue = tmp_path / "plan_catalogue.yaml"
    catalogue.write_text(yaml.safe_dump(catalogue_dict(initiative("a", partners=["KOR"]))))
    plan = plan_cooperation(catalogue=catalogue, forecast="trend", staff_months=10,
                            budget_usd=50_000, years=3, analyse=False)
    assert plan.first_year == max(2021, dt.date.today().year + 1)
    assert plan.years == 3


@pytest.mark.parametrize(("setting", "warned"), [("VNM", False), ("THA", True), ("TH", True)])
def test_a_plan_for_another_home_than_the_setting_says_so(
    flows_factory: Callable[..., pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    setting: str, warned: bool,
) -> None:
    load_trade_frame(_rows(flows_factory), label="test rows", sha256="2" * 64)
    catalogue = tmp_path / "plan_catalogue.yaml"
    catalogue.write_text(yaml.safe_dump(catalogue_dict(initiative("a", partners=["KOR"]))))
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", setting)
    reset_settings()
    plan = plan_cooperation(catalogue=catalogue, forecast="trend", staff_months=10,
                            budget_usd=50_000, years=3, analyse=False)
    assert plan.home == "VNM"
    mentions = [w for w in plan.warnings if "HAIQUAN_HOME_COUNTRY" in w]
    assert bool(mentions) is warned
    if warned:
        assert mentions == plan.warnings[:1]
        assert "this plan is for VNM" in mentions[0] and "not for THA" in mentions[0]
        assert str(catalogue) in mentions[0] and "--catalogue" in mentions[0]
        assert "haiquan plan-template FILE --home THA" in mentions[0]


def test_without_a_warehouse_another_home_ranks_from_the_full_dots_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Vietnam extract holds Thailand's trade with Vietnam only: ranking Thailand's partners
    # from it gave one partner (VNM), with no word that the data was Vietnam's.
    shared = thailand_shared_data(tmp_path / "shared")
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(shared))
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "THA")
    reset_settings()
    report = rank_partners(forecast="trend", sensitivity=None)
    assert ALL_REPORTERS_DOTS in report.data_source
    partners = set(report.scores.overall["partner"])
    assert {"CHN", "JPN", "USA", "VNM", "KOR"} <= partners and "THA" not in partners
    top = report.scores.overall.set_index("partner").loc["CHN"]
    # Thailand's own 2020 figures, million USD: exports to China 29,600.9, imports 50,159.6.
    assert top["current_trade_value"] == pytest.approx((29_600.95 + 50_159.55) * 1e6, rel=1e-4)


def test_without_data_another_home_is_told_what_covers_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "THA")
    reset_settings()
    with pytest.raises(InputError) as caught:
        rank_partners(forecast="trend")
    message = str(caught.value)
    assert "covering THA" in message and ALL_REPORTERS_DOTS in message
    assert "Vietnam example" not in message


@pytest.mark.parametrize("source", ["synthetic-demo", "test"])
def test_scores_and_plan_say_whether_their_trade_is_synthetic(
    flows_factory: Callable[..., pd.DataFrame], tmp_path: Path, source: str
) -> None:
    # The label is a typed field, whether the rows come from a file or from the warehouse.
    synthetic = source.startswith("synthetic")
    rows = _rows(flows_factory).assign(source=source)
    trade = tmp_path / "trade.csv"
    rows.to_csv(trade, index=False)
    report = rank_partners(input=trade, forecast="trend", sensitivity=None, min_share=0.0)
    assert report.synthetic is synthetic
    load_trade_frame(rows, label="test rows", sha256="3" * 64, synthetic=synthetic)
    assert rank_partners(forecast="trend", sensitivity=None).synthetic is synthetic
    catalogue = tmp_path / "plan_catalogue.yaml"
    catalogue.write_text(yaml.safe_dump(catalogue_dict(initiative("a", partners=["KOR"]))))
    plan = plan_cooperation(catalogue=catalogue, forecast="trend", staff_months=10,
                            budget_usd=50_000, years=3, analyse=False)
    assert plan.synthetic is synthetic
    assert json.loads(plan.model_dump_json())["synthetic"] is synthetic
