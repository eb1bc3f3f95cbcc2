"""The demo tour's sections (the full command is run in tests/cli/test_warehouse_commands.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from haiquan.cli import app
from haiquan.demo import (
    DEMO_ASSUMED_SHARE,
    _commitments,
    _demo_catalogue,
    latest_periods,
    mirror_partner,
)
from haiquan.priorities.catalogue import load_catalogue
from haiquan.priorities.computed import BACI_EXPORTS_FILE
from haiquan.settings import get_settings, reset_settings
from tests.conftest import require_shared
from tests.priorities.conftest import thailand_shared_data


def test_commitments_section_counts_safe_standards_without_records_as_not_implemented() -> None:
    frame = _commitments("VNM").table
    safe = frame.set_index("catalogue").loc["wco_safe"]
    # The SAFE catalogue lists its 29 standards (issue 20); the examples record none of them,
    # so the rate is a real 0 of 29, not the blank of an empty catalogue.
    assert safe["total"] == 29
    assert "no items" not in safe["note"]
    assert frame["implementation_rate"].notna().all()
    assert all(isinstance(v, int) for v in frame["total"] if float(v).is_integer())


def test_mirror_section_shows_both_flows_of_the_latest_periods() -> None:
    from haiquan.warehouse.loading import load_trade_frame
    from haiquan.warehouse.queries import partner_series
    from haiquan.warehouse.schema import is_synthetic
    from haiquan.warehouse.synthetic import generate_synthetic_trade

    rows = generate_synthetic_trade(first_year=2015, last_year=2020, seed=7)
    load_trade_frame(rows, label="synthetic demo", sha256="0" * 64, synthetic=True)
    series = partner_series("KOR", "VNM")
    table = latest_periods(series, 3)
    # Sorted by flow, the series' last rows are imports only: both flows must be shown.
    assert set(series.tail(6)["flow"]) == {"import"}
    assert sorted(table["period"].unique()) == ["2018", "2019", "2020"]
    assert table.groupby("period")["flow"].apply(set).tolist() == [{"export", "import"}] * 3
    assert table["mirror_usd"].notna().all()
    assert is_synthetic(table) is True


@pytest.fixture
def no_shared_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HAIQUAN_SHARED_DATA pointing at an empty folder, as on a machine without the data sets."""
    empty = tmp_path / "no-shared-data"
    empty.mkdir()
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(empty))
    reset_settings()
    return empty


def test_without_baci_the_plan_uses_labelled_synthetic_shares(no_shared_data: Path) -> None:
    path, assumed = _demo_catalogue()
    assert path is not None and path.is_relative_to(get_settings().home)
    assert assumed == ["port-pair-haiphong-busan", "port-pair-caimep-la"]
    catalogue = load_catalogue(path)
    for initiative in assumed:
        share = catalogue.by_id()[initiative].benefit.share_affected
        assert share.is_assumption and share.value == DEMO_ASSUMED_SHARE
        assert share.assumption is not None and share.assumption.startswith("SYNTHETIC")
        assert str(no_shared_data) in share.assumption


def test_with_baci_the_example_catalogue_is_used_as_shipped() -> None:
    require_shared(BACI_EXPORTS_FILE)
    assert _demo_catalogue() == (None, [])


def test_the_demo_runs_to_the_end_without_the_shared_data(no_shared_data: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--no-serve"], catch_exceptions=False,
                                env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "synthetic demo trade (SYNTHETIC)" in text
    assert "with SYNTHETIC trade shares" in text
    assert "CEPII BACI not found" in text and BACI_EXPORTS_FILE in text
    assert "Risk queue" in text and "Implementation of international commitments" in text
    # the demo's fast trend forecast is named, with the command that gives the same plan
    assert "`haiquan plan --forecast trend` gives these" in text


def test_the_demo_runs_for_korea_as_home(no_shared_data: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The tour's mirror table is Korea's: with Korea at home it used to ask for KOR-KOR trade.
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "KOR")
    reset_settings()
    result = CliRunner().invoke(app, ["demo", "--no-serve"], catch_exceptions=False,
                                env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "KOR–USA trade with USA's mirror figures" in text  # its largest partner
    assert "the example catalogue is VNM's" in text
    assert "Implementation of international commitments by KOR" in text
    # Vietnam's example records are not loaded as if they were Korea's, and the note says so.
    assert "nothing is recorded for KOR yet" in text and "Vietnam's official" not in text
    from haiquan.commitments import status_history

    assert status_history().empty


def test_synthetic_trade_of_a_home_among_the_partners_has_no_trade_with_itself() -> None:
    from haiquan.warehouse.synthetic import generate_synthetic_trade

    rows = generate_synthetic_trade(home="KOR", first_year=2019, last_year=2020)
    assert not (rows["reporter"] == rows["partner"]).any()
    assert "KOR" in set(rows["reporter"]) and "CHN" in set(rows["partner"])


def test_the_demo_for_thailand_tours_thailand_s_own_trade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo loaded the Vietnam DOTS extract whatever the home: for Thailand it holds trade with
    # Vietnam only, and the tour stopped at "no trade between THA and KOR".
    shared = thailand_shared_data(tmp_path / "shared")
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(shared))
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "THA")
    reset_settings()
    result = CliRunner().invoke(app, ["demo", "--no-serve"], catch_exceptions=False,
                                env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "dots_bilateral_annual_1960_2020.parquet" in text
    assert "vietnam_dots_annual_reported_and_mirror.csv" not in text
    assert "Top 10 partners of THA" in text
    from haiquan.warehouse.queries import top_partners

    partners = top_partners("THA", n=1000)
    assert len(partners) > 100 and partners["partner"].iloc[0] == "CHN"
    assert "THA–KOR trade with KOR's mirror figures" in text
    assert "Cooperation priorities of THA" in text


def test_the_mirror_table_falls_back_to_the_largest_partner_without_korea() -> None:
    partners = pd.DataFrame({"partner": ["VNM", "LAO"]})
    assert mirror_partner("THA", partners) == "VNM"
    assert mirror_partner("THA", pd.DataFrame({"partner": ["CHN", "KOR"]})) == "KOR"
