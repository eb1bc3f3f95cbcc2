"""The demo tour's sections (the full command is run in tests/cli/test_warehouse_commands.py)."""

from __future__ import annotations

import pandas as pd

from haiquan.demo import _commitments, latest_periods


def test_commitments_section_gives_no_rate_for_a_catalogue_without_items() -> None:
    frame = _commitments("VNM").table
    safe = frame.set_index("catalogue").loc["wco_safe"]
    # The SAFE catalogue ships its pillars only: 0 of 0 is not a 0 % implementation rate.
    assert safe["total"] == 0
    assert pd.isna(safe["implementation_rate"])  # printed blank, not 0.0 %
    assert "no items" in safe["note"]
    others = frame[frame["catalogue"] != "wco_safe"]
    assert others["implementation_rate"].notna().all()
    assert all(isinstance(v, int) for v in frame["total"] if float(v).is_integer())


def test_mirror_section_shows_both_flows_of_the_latest_periods() -> None:
    from haiquan.warehouse.loading import load_trade_frame
    from haiquan.warehouse.queries import partner_series
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
    assert table.attrs["synthetic"] is True
