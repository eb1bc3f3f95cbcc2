"""The neutral starting catalogue: written for any home, loaded by the real loader, planned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.errors import ConflictError, InputError
from haiquan.priorities import (
    PLACEHOLDER_PARTNERS,
    Catalogue,
    PlanLimits,
    Sourced,
    load_catalogue,
    optimise_plan,
    partner_trade_forecast,
    plan_cooperation,
    start_catalogue,
    template_partners,
    write_catalogue_template,
)
from haiquan.settings import reset_settings
from haiquan.warehouse.loading import load_trade_frame
from tests.priorities.conftest import ALL_REPORTERS_DOTS, thailand_shared_data

runner = CliRunner()

#: Each home's partners in the synthetic warehouse, largest first (million USD a year).
PARTNERS = {
    "THA": {"CHN": 80.0, "JPN": 50.0, "USA": 45.0, "MYS": 19.0, "SGP": 17.0, "VNM": 16.0},
    "JPN": {"CHN": 300.0, "USA": 200.0, "KOR": 80.0, "AUS": 60.0, "THA": 55.0, "DEU": 40.0},
}


def _warehouse_rows(factory: Callable[..., pd.DataFrame], home: str) -> pd.DataFrame:
    rows = []
    for partner, level in PARTNERS[home].items():
        for year in range(2011, 2021):
            rows.append((home, partner, "export", str(year), level * 1e6 * 1.04 ** (year - 2011)))
            rows.append((home, partner, "import", str(year), level * 1e6))
    return factory(rows)


def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, home: str) -> None:
    """No example data: partners and trade can only come from the warehouse."""
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(tmp_path / "no-shared-data"))
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", home)
    reset_settings()


def _figures(catalogue: Catalogue) -> list[tuple[str, Sourced]]:
    found: list[tuple[str, Sourced]] = [("discount_rate", catalogue.discount_rate)]
    assert catalogue.resources is not None
    found += [("resources.staff", catalogue.resources.staff_months_per_year),
              ("resources.budget", catalogue.resources.budget_usd_per_year)]
    for item in catalogue.initiatives:
        for name in ("duration_years", "staff_months_per_year", "budget_usd_per_year",
                     "running_staff_months_per_year", "running_budget_usd_per_year"):
            value = getattr(item, name)
            if value is not None:
                found.append((f"{item.id}.{name}", value))
        found += [(f"{item.id}.share_affected", item.benefit.share_affected),
                  (f"{item.id}.size", item.benefit.size)]
    return found


@pytest.mark.parametrize("home", ["THA", "JPN"])
def test_the_template_for_another_home_loads_and_plans_on_its_warehouse(
    home: str, flows_factory: Callable[..., pd.DataFrame], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _isolated(monkeypatch, tmp_path, home)
    load_trade_frame(_warehouse_rows(flows_factory, home), label=f"{home} rows",
                     sha256=("a" if home == "THA" else "b") * 64)
    out = tmp_path / "plans" / f"{home.lower()}.yaml"
    written = start_catalogue(out)  # home from HAIQUAN_HOME_COUNTRY

    # The five largest partners of the warehouse, in order; the sixth is left out.
    assert written.partners == list(PARTNERS[home])[:5]
    assert "warehouse" in written.partners_note and "PLACEHOLDER" not in written.partners_note
    catalogue = load_catalogue(out)  # the real loader, from the file written
    assert catalogue.home == home
    assert {"aeo_mra", "eco_exchange", "port_pair_pilot", "single_window",
            "capacity_building"} <= {item.kind for item in catalogue.initiatives}
    for item in catalogue.initiatives:
        assert home not in item.partner_countries(), item.id
        assert set(item.partners) <= set(written.partners), item.id
    # Every figure is an assumption to replace, bar the published value of a day.
    for where, figure in _figures(catalogue):
        assert figure.assumption and figure.assumption.startswith("TEMPLATE"), where
    assert all(not item.benefit.value_per_day or item.benefit.value_per_day.source
               for item in catalogue.initiatives)
    assert "Vietnam" not in out.read_text(encoding="utf-8")

    plan = plan_cooperation(catalogue=out, forecast="trend", first_year=2022, years=5,
                            analyse=False)
    assert plan.home == home and plan.status == "optimal"
    assert plan.chosen and plan.objective_usd > 0
    assert plan.data_source.startswith("warehouse ")
    assert not [w for w in plan.warnings if "HAIQUAN_HOME_COUNTRY" in w]
    assert not [w for w in plan.warnings if "no trade data" in w]


@pytest.mark.parametrize("home", ["THA", "JPN"])
def test_without_data_the_partners_are_placeholders_that_still_plan(
    home: str, flows_factory: Callable[..., pd.DataFrame], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _isolated(monkeypatch, tmp_path, home)
    written = start_catalogue(tmp_path / "start.yaml", home=home)
    assert home not in written.partners and len(written.partners) == 5
    assert set(written.partners) <= set(PLACEHOLDER_PARTNERS)
    assert "PLACEHOLDER" in written.partners_note and "no trade data" in written.partners_note
    text = (tmp_path / "start.yaml").read_text(encoding="utf-8")
    assert "PLACEHOLDERS" in text.split("version: 1")[0]  # said in the file's header

    catalogue = load_catalogue(tmp_path / "start.yaml")
    assert all(home not in item.partners for item in catalogue.initiatives)
    assert catalogue.resources is not None
    limits = PlanLimits(first_year=2022, years=5,
                        staff_months_per_year=catalogue.resources.staff_months_per_year.value,
                        budget_usd_per_year=catalogue.resources.budget_usd_per_year.value)
    flows = _warehouse_rows(flows_factory, home)
    trade = partner_trade_forecast(flows, home=home, years=limits.plan_years,
                                   method="trend").table
    plan = optimise_plan(catalogue, limits, trade, analyse=False)
    assert plan.status == "optimal" and plan.objective_usd > 0


def test_partners_come_from_real_dots_rows_when_there_is_no_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = thailand_shared_data(tmp_path / "shared")
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(shared))
    reset_settings()
    written = start_catalogue(tmp_path / "tha.yaml", home="TH")
    # Thailand's largest partners in IMF DOTS 2020: China, Japan, the U.S., Malaysia, Singapore.
    assert written.partners == ["CHN", "JPN", "USA", "MYS", "SGP"]
    assert ALL_REPORTERS_DOTS in written.partners_note
    assert load_catalogue(tmp_path / "tha.yaml").home == "THA"


def test_an_existing_file_is_never_written_over(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("my edited catalogue\n", encoding="utf-8")
    with pytest.raises(ConflictError) as caught:
        write_catalogue_template(mine, "THA")
    assert "already exists" in str(caught.value) and caught.value.fix
    with pytest.raises(ConflictError):
        start_catalogue(mine, home="THA")
    assert mine.read_text(encoding="utf-8") == "my edited catalogue\n"


def test_given_partners_are_checked_and_topped_up(tmp_path: Path) -> None:
    written = write_catalogue_template(tmp_path / "a.yaml", "JP", ["kr", "AUS", "KOR"])
    assert written.partners[:2] == ["KOR", "AUS"] and len(written.partners) == 5
    assert "JPN" not in written.partners
    with pytest.raises(InputError, match="own partner"):
        write_catalogue_template(tmp_path / "b.yaml", "THA", ["CHN", "THA"])
    with pytest.raises(InputError, match="unknown partner"):
        write_catalogue_template(tmp_path / "c.yaml", "THA", ["XYZ"])
    assert not (tmp_path / "b.yaml").exists() and not (tmp_path / "c.yaml").exists()


def test_template_partners_ranks_the_base_year_and_leaves_home_out(
    flows_factory: Callable[..., pd.DataFrame],
) -> None:
    flows = _warehouse_rows(flows_factory, "THA")
    assert template_partners(flows, "THA", n=3) == ["CHN", "JPN", "USA"]
    assert template_partners(flows, "KHM") == []


def test_plan_template_command_writes_then_refuses(
    flows_factory: Callable[..., pd.DataFrame], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _isolated(monkeypatch, tmp_path, "VNM")
    load_trade_frame(_warehouse_rows(flows_factory, "THA"), label="THA rows", sha256="c" * 64)
    out = tmp_path / "tha.yaml"
    first = runner.invoke(app, ["plan-template", str(out), "--home", "th"],
                          env={"COLUMNS": "250"})
    assert first.exit_code == 0, first.output
    assert "starting catalogue for THA" in first.output
    assert "CHN, JPN, USA, MYS, SGP" in first.output
    assert "assumptions to replace" in first.output and "haiquan plan --catalogue" in first.output
    before = out.read_text(encoding="utf-8")
    again = runner.invoke(app, ["plan-template", str(out), "--home", "THA"])
    # haiquan.cli.main prints it as `error: ...` and exits 2 (a 4xx error).
    assert isinstance(again.exception, ConflictError) and "already exists" in str(again.exception)
    assert out.read_text(encoding="utf-8") == before
