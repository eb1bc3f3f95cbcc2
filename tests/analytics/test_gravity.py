"""PPML gravity: the published EU15 reference, a seeded synthetic model, and DOTS potentials."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from haiquan.analytics import (
    EU15_REFERENCE,
    EU15_TERM,
    expected_trade,
    gravity_panel,
    ppml,
    reference_eu15,
    untapped_potential,
)
from haiquan.errors import InputError, NotFoundError
from tests.analytics.conftest import EU15, make_flows
from tests.conftest import require_shared


def test_reproduces_the_published_eu15_estimate() -> None:
    result = reference_eu15(require_shared(EU15))
    assert result.estimate(EU15_TERM) == pytest.approx(EU15_REFERENCE["estimate"], abs=1e-4)
    assert result.std_error(EU15_TERM) == pytest.approx(EU15_REFERENCE["std_error"], abs=1e-4)
    assert result.nobs == 38_325
    assert result.vcov == "clustered by origin"


def test_reference_default_path_comes_from_settings() -> None:
    require_shared(EU15)
    assert reference_eu15().details["path"].endswith("fixest_trade_eu15_2007_2016.csv")


def test_reference_file_missing(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(NotFoundError, match="HAIQUAN_SHARED_DATA"):
        reference_eu15(f"{tmp_path}/absent.csv")


def test_ppml_recovers_a_known_coefficient() -> None:
    rng = np.random.default_rng(7)
    n = 30
    a, b = rng.normal(0, 1, n), rng.normal(0, 1, n)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    keep = i != j
    i, j = i[keep], j[keep]
    same = ((i < 8) & (j < 8)).astype("int64")
    mean = np.exp(3 + a[i] + b[j] + 0.8 * same)
    panel = pd.DataFrame({"exporter": i.astype(str), "importer": j.astype(str), "same": same,
                          "value": rng.poisson(mean)})
    result, _ = ppml(panel, "value", ["same"], ["exporter", "importer"])
    assert result.estimate("same") == pytest.approx(0.8, abs=3 * result.std_error("same"))


def test_ppml_refuses_bad_input() -> None:
    panel = pd.DataFrame({"y": [1.0, -1.0], "x": [0, 1], "fe": ["a", "b"]})
    with pytest.raises(InputError, match="negative"):
        ppml(panel, "y", ["x"], ["fe"])
    with pytest.raises(InputError, match="lacks columns"):
        ppml(panel, "y", ["distance"], ["fe"])


def test_panel_codes_common_membership() -> None:
    rows = [("VNM", "THA", "export", "2020", 5.0), ("VNM", "USA", "export", "2020", 9.0),
            ("THA", "VNM", "import", "2020", 5.0)]
    panel = gravity_panel(make_flows(rows), 2020)
    assert panel[["exporter", "importer", "same_asean"]].values.tolist() == [
        ["VNM", "THA", 1], ["VNM", "USA", 0]]
    imports = gravity_panel(make_flows(rows), 2020, flow="import")
    assert imports[["exporter", "importer"]].values.tolist() == [["VNM", "THA"]]
    with pytest.raises(InputError, match="export or import") as caught:
        gravity_panel(make_flows(rows), 2020, flow="re-export")
    assert caught.value.fix is not None and "--flow export" in caught.value.fix
    assert "flow=" not in str(caught.value)


def test_too_few_reporters() -> None:
    rows = [("VNM", "THA", "export", "2020", 5.0), ("VNM", "USA", "export", "2020", 9.0)]
    with pytest.raises(InputError, match="full DOTS"):
        expected_trade(make_flows(rows), "VNM", 2020)


def test_home_rows_alone_cannot_identify_the_model(vietnam_dots: pd.DataFrame) -> None:
    # The Vietnam extract has ~200 reporters, but all their rows are trade with Vietnam.
    with pytest.raises(InputError, match="third countries"):
        expected_trade(vietnam_dots, "VNM", 2020)


def test_another_homes_view_of_one_countrys_rows_is_refused_not_a_crash(
    vietnam_dots: pd.DataFrame,
) -> None:
    # With Thailand as home, the Vietnam extract's rows are "trade among third countries", but
    # all of it goes through Vietnam: a star that identifies nothing. pyfixest aborted the whole
    # process (a Rust panic) on it; it must be an error instead, before the fit.
    with pytest.raises(InputError, match="third countries") as caught:
        expected_trade(vietnam_dots, "THA", 2020)
    assert "more than one pair" in str(caught.value.got)


def test_untapped_potential_on_dots_2020(dots_2020: pd.DataFrame) -> None:
    result = untapped_potential(dots_2020, "VNM", 2020)
    table, model = result.table, result.model
    assert {"same_asean", "home_fta"} <= set(model.coefficients.index)
    assert model.estimate("same_asean") > 0  # ASEAN members trade more with each other
    assert table.loc[table["partner"] == "USA", "actual"].iloc[0] / 1e6 == pytest.approx(
        77_151, abs=1)
    # Australia is listed twice in every DOTS workbook; the copies count once (3,623.9, not
    # 7,247.8), and with them the ASEAN coefficient of docs/analytics.md.
    assert table.loc[table["partner"] == "AUS", "actual"].iloc[0] / 1e6 == pytest.approx(
        3_623.9, abs=0.1)
    assert model.estimate("same_asean") == pytest.approx(1.664, abs=0.005)
    # PPML with exporter effects: fitted values add up to the exporter's actual total (Fally
    # 2015), so the home country's potentials sum to zero.
    assert abs(table["potential"].sum()) / table["actual"].sum() < 1e-4
    assert (table["potential"] == table["expected"] - table["actual"]).all()
    assert table["potential"].is_monotonic_decreasing


def test_one_source_is_estimated_when_the_warehouse_holds_several(dots_2020: pd.DataFrame) -> None:
    # The U.S. Census file beside DOTS: its own U.S. figures (here: every U.S. export row of
    # DOTS, as another source would report it, doubled, plus a pair DOTS does not have) must not
    # replace or add to the DOTS pairs the other pairs are compared with.
    usa = dots_2020.loc[(dots_2020["reporter"] == "USA") & (dots_2020["flow"] == "export")]
    census = usa.assign(source="us-census", value_usd=usa["value_usd"] * 2)
    extra = census.iloc[:1].assign(partner="ATA", value_usd=1e9)
    mixed = pd.concat([dots_2020, census, extra], ignore_index=True)
    alone = untapped_potential(dots_2020, "VNM", 2020).model
    both = untapped_potential(mixed, "VNM", 2020).model
    assert both.details["source"] == "imf-dots"
    assert both.nobs == alone.nobs
    assert both.estimate("same_asean") == pytest.approx(alone.estimate("same_asean"), rel=1e-9)
