"""load_flows: rows from a file or from the warehouse."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from haiquan.analytics import load_flows, partner_indicators
from haiquan.errors import NotFoundError
from haiquan.warehouse.sources.canonical import write
from tests.analytics.conftest import make_flows

ROWS = [("VNM", "KOR", "export", "2019", 5.0), ("VNM", "KOR", "export", "2020", 6.0),
        ("VNM", "JPN", "import", "2020", 7.0)]


def test_from_a_file_filtered_by_years(tmp_path: Path) -> None:
    path = write(make_flows(ROWS), tmp_path / "flows.csv")
    rows = load_flows(path, "canonical", first_year=2020, last_year=2020)
    assert sorted(rows["value_usd"]) == [6.0, 7.0]
    assert len(load_flows(path)) == 3


def test_from_the_warehouse_round_trip() -> None:
    from haiquan.warehouse.loading import load_trade_frame

    flows = make_flows(ROWS)
    load_trade_frame(flows, label="test rows", sha256="0" * 64)
    back = load_flows(last_year=2020)
    columns = ["reporter", "partner", "flow", "period", "value_usd"]
    expected = flows[columns].sort_values(columns).reset_index(drop=True)
    assert back[columns].sort_values(columns).reset_index(drop=True).equals(expected)
    assert partner_indicators(back, "VNM", 2020).table["partner"].tolist() == ["JPN", "KOR"]
    assert len(load_flows(first_year=2020, last_year=2020)) == 2


def test_no_warehouse_yet() -> None:
    with pytest.raises(NotFoundError, match="no warehouse"):
        load_flows()


def test_other_commodities_kept_on_request(tmp_path: Path) -> None:
    flows = pd.concat([make_flows(ROWS[:1]), make_flows(ROWS[1:2], commodity="09")])
    path = write(flows, tmp_path / "flows.csv")
    assert len(load_flows(path, "canonical")) == 1
    assert len(load_flows(path, "canonical", commodity=None)) == 2
