"""The fixest EU15 gravity panel reader and its refusal to enter the canonical table."""

from __future__ import annotations

from pathlib import Path

import pytest

from haiquan.errors import DataFileError
from haiquan.warehouse.sources import detect_format, read_trade_file
from haiquan.warehouse.sources.eu15 import read, read_eu15_panel
from tests.conftest import require_shared

EU15 = "trade/fixest-eu15-trade-2007-2016/fixest_trade_eu15_2007_2016.csv"
HEADER = "Destination,Origin,Product,Year,dist_km,Euros\n"
GOOD = "LU,BE,1,2007,139.57,2966697.0\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "eu15.csv"
    path.write_text(header + body)
    return path


def test_panel_has_alpha_3_codes_and_own_columns(tmp_path: Path) -> None:
    panel = read_eu15_panel(write(tmp_path, GOOD + "GR,GB,20,2016,2400,0\n"))
    assert list(panel.columns) == ["destination", "origin", "product", "year", "dist_km", "euros"]
    assert list(panel["destination"]) == ["LUX", "GRC"]
    assert list(panel["origin"]) == ["BEL", "GBR"]
    assert list(panel["euros"]) == [2966697.0, 0.0]


def test_canonical_reader_refuses_with_reason(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert detect_format(path) == "eu15"
    with pytest.raises(DataFileError, match="euros") as caught:
        read_trade_file(path)
    assert "haiquan gravity --reference-eu15" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "column"),
    [
        ("LU,BE,1,2007,139.57,-5\n", "Euros"),
        ("LU,XX,1,2007,139.57,5\n", "Origin"),
        ("QQ,BE,1,2007,139.57,5\n", "Destination"),
        ("LU,BE,1.5,2007,139.57,5\n", "Product"),
        ("LU,BE,1,07,139.57,5\n", "Year"),
        ("LU,BE,1,2007,0,5\n", "dist_km"),
        ("LU,BE,1,2007,139.57,\n", "Euros"),
    ],
)
def test_bad_rows_read_nothing(tmp_path: Path, body: str, column: str) -> None:
    path = write(tmp_path, GOOD + body)
    for reader in (read_eu15_panel, read):
        with pytest.raises(DataFileError, match="nothing was read") as caught:
            reader(path)
        assert caught.value.problems[0] == caught.value.problems[0] | {"row": 3, "column": column}


def test_missing_columns_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="dist_km"):
        read_eu15_panel(write(tmp_path, "LU,BE,1,2007,5\n",
                              header="Destination,Origin,Product,Year,Euros\n"))


def test_real_panel() -> None:
    panel = read_eu15_panel(require_shared(EU15))
    assert len(panel) == 38_325
    assert panel["origin"].nunique() == 15 and panel["destination"].nunique() == 15
    assert sorted(panel["product"].unique()) == list(range(1, 21))
    assert panel["year"].between(2007, 2016).all()
