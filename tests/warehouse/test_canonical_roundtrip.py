"""Property test: canonical rows written to CSV or Parquet read back unchanged."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.warehouse.schema import check_trade_flows
from haiquan.warehouse.sources import read_trade_file
from haiquan.warehouse.sources.canonical import write

codes = st.sampled_from(["VNM", "KOR", "USA", "CHN", "WORLD", "EUROPEAN_UNION"])
hs = st.one_of(st.just("TOTAL"), st.from_regex(r"\A(\d{2}|\d{4}|\d{6}|\d{8})\Z"))
annual = st.integers(1990, 2030).map(str)
monthly = st.tuples(st.integers(1990, 2030), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}")


@st.composite
def trade_row(draw: st.DrawFn) -> dict[str, object]:
    frequency = draw(st.sampled_from(["A", "M"]))
    return {
        "reporter": draw(codes.filter(lambda c: len(c) == 3)),
        "partner": draw(codes),
        "flow": draw(st.sampled_from(["import", "export", "re-export", "re-import"])),
        "frequency": frequency,
        "period": draw(annual if frequency == "A" else monthly),
        "commodity": draw(hs),
        "value_usd": draw(st.floats(0, 1e13, allow_nan=False)),
        "quantity": draw(st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False))),
        "unit": draw(st.one_of(st.none(), st.sampled_from(["t", "kg", "u"]))),
        "source": draw(st.sampled_from(["test", "customs-vn"])),
        "is_mirror": draw(st.booleans()),
        "partner_name": draw(st.one_of(st.none(), st.sampled_from(["Korea", "Viet Nam, S.R."]))),
    }


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(trade_row(), min_size=1, max_size=15), suffix=st.sampled_from([".csv",
                                                                                    ".parquet"]))
def test_write_then_read_gives_the_same_rows(rows: list[dict[str, object]], suffix: str) -> None:
    original = check_trade_flows(pd.DataFrame(rows))
    with tempfile.TemporaryDirectory() as folder:
        path = write(original, Path(folder) / f"flows{suffix}")
        back = read_trade_file(path, "canonical")
    pd.testing.assert_frame_equal(
        back.astype(str).reset_index(drop=True), original.astype(str).reset_index(drop=True)
    )
