"""Fixtures of the analytics tests: small hand-made canonical tables and real DOTS/BACI slices."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from haiquan.warehouse.schema import check_trade_flows
from haiquan.warehouse.sources import read_trade_file
from tests.conftest import require_shared

DOTS_DIR = "trade/imf-dots-annual-1960-2020"
VIETNAM_DOTS = f"{DOTS_DIR}/vietnam_dots_annual_reported_and_mirror.csv"
FULL_DOTS = f"{DOTS_DIR}/dots_bilateral_annual_1960_2020.parquet"
BACI = "trade/baci-hs2-exporter-2011-2020/baci_hs92_hs2_exporter_year_2011_2020.csv.gz"
EU15 = "trade/fixest-eu15-trade-2007-2016/fixest_trade_eu15_2007_2016.csv"

Row = tuple[str, str, str, str, float]


def make_flows(rows: Iterable[Row], *, frequency: str = "A", commodity: str = "TOTAL",
               **extra: Any) -> pd.DataFrame:
    """Canonical rows from (reporter, partner, flow, period, value_usd) tuples, validated."""
    frame = pd.DataFrame(list(rows), columns=["reporter", "partner", "flow", "period", "value_usd"])
    frame["frequency"] = frequency
    frame["commodity"] = commodity
    frame["source"] = "test"
    frame["is_mirror"] = False
    for column, value in extra.items():
        frame[column] = value
    return check_trade_flows(frame)


@pytest.fixture
def flows_factory() -> Callable[..., pd.DataFrame]:
    """Build validated canonical rows from tuples (see :func:`make_flows`)."""
    return make_flows


@pytest.fixture(scope="session")
def vietnam_dots() -> pd.DataFrame:
    """The Vietnam DOTS extract (rows reported by Vietnam and by its partners), canonical."""
    return read_trade_file(require_shared(VIETNAM_DOTS), "dots")


@pytest.fixture(scope="session")
def dots_2020(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Every reporter's country-to-country and WORLD rows of 2019-2020 from the full DOTS file.

    Only these years are read (pyarrow filters), then put through the DOTS reader.
    """
    import pyarrow.parquet as pq

    source = require_shared(FULL_DOTS)
    table = pq.read_table(source, filters=[("year", "in", [2019, 2020])])
    frame = table.to_pandas()
    keep = (~frame["partner_is_aggregate"]) | (frame["partner"] == "World")
    path = Path(tmp_path_factory.mktemp("dots")) / "dots_2019_2020.parquet"
    frame.loc[keep].to_parquet(path, index=False)
    return read_trade_file(path, "dots")


@pytest.fixture(scope="session")
def baci() -> pd.DataFrame:
    """The BACI exporter x HS2 table, canonical."""
    return read_trade_file(require_shared(BACI), "baci")
