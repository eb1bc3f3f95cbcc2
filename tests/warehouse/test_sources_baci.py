"""The CEPII BACI exporter x HS2 reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.errors import DataFileError
from haiquan.warehouse.sources import detect_format, read_trade_file
from haiquan.warehouse.sources.baci import read
from tests.conftest import require_shared

BACI = "trade/baci-hs2-exporter-2011-2020/baci_hs92_hs2_exporter_year_2011_2020.csv.gz"
HEADER = "t,i,i_iso3c,i_name,k,v,q\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "baci.csv"
    path.write_text(header + body)
    return path


def test_rows_become_exports_to_the_world(tmp_path: Path) -> None:
    path = write(tmp_path, "2020,704,VNM,Viet Nam,09,3.5,1200\n2020,704,VNM,Viet Nam,64,20,\n")
    rows = read(path)
    assert list(rows["commodity"]) == ["09", "64"]
    assert set(rows["partner"]) == {"WORLD"} and set(rows["flow"]) == {"export"}
    assert list(rows["value_usd"]) == [3.5e6, 20e6]
    assert rows["quantity"].iloc[0] == 1200 and pd.isna(rows["quantity"].iloc[1])
    assert list(rows["unit"]) == ["t", "t"]
    assert list(rows["period"]) == ["2020", "2020"]


def test_format_is_detected(tmp_path: Path) -> None:
    path = write(tmp_path, "2020,704,VNM,Viet Nam,09,3.5,1200\n")
    assert detect_format(path) == "baci"


def test_former_iso_country_is_accepted(tmp_path: Path) -> None:
    rows = read(write(tmp_path, "2011,530,ANT,Netherlands Antilles,27,1,1\n"))
    assert rows["reporter"].iloc[0] == "ANT"


@pytest.mark.parametrize(
    ("body", "column"),
    [
        ("2020,704,VNM,Viet Nam,09,-3.5,1\n", "value_usd"),
        ("2020,704,VNM,Viet Nam,09,3.5,-1\n", "quantity"),
        ("2020,704,XYZ,Nowhere,09,3.5,1\n", "i_iso3c"),
        ("2020,704,VNM,Viet Nam,9,3.5,1\n", "k"),
        ("2020,704,VNM,Viet Nam,0901,3.5,1\n", "k"),
        ("2020,704,VNM,Viet Nam,09,lots,1\n", "value_usd"),
        ("20,704,VNM,Viet Nam,09,3.5,1\n", "period"),
    ],
)
def test_bad_rows_load_nothing(tmp_path: Path, body: str, column: str) -> None:
    good = "2020,704,VNM,Viet Nam,64,20,1\n"
    with pytest.raises(DataFileError) as caught:
        read(write(tmp_path, good + body))
    assert caught.value.problems[0]["row"] == 3
    assert caught.value.problems[0]["column"] == column


def test_missing_columns_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="add the missing columns \\(k\\)"):
        read(write(tmp_path, "2020,704,VNM,3.5,1\n", header="t,i,i_iso3c,v,q\n"))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 99), st.floats(0, 1e6, allow_nan=False)),
                min_size=1, max_size=20))
def test_value_and_chapter_round_trip(tmp_path_factory: pytest.TempPathFactory,
                                      items: list[tuple[int, float]]) -> None:
    body = "".join(f"2015,704,VNM,Viet Nam,{k:02d},{v!r},1\n" for k, v in items)
    rows = read(write(tmp_path_factory.mktemp("baci"), body))
    assert list(rows["commodity"]) == [f"{k:02d}" for k, _ in items]
    assert rows["value_usd"].tolist() == pytest.approx([v * 1e6 for _, v in items])


def test_real_file_matches_its_source_notes() -> None:
    rows = read_trade_file(require_shared(BACI), "baci")
    assert len(rows) == 193_930
    vnm_2020 = rows[(rows["reporter"] == "VNM") & (rows["period"] == "2020")]
    # SOURCE.md: VNM total 2020 = 300,274 M USD; HS85 = 119,225 M USD.
    assert vnm_2020["value_usd"].sum() / 1e6 == pytest.approx(300_274, abs=1)
    hs85 = vnm_2020.loc[vnm_2020["commodity"] == "85", "value_usd"].sum()
    assert hs85 / 1e6 == pytest.approx(119_225, abs=1)
    assert rows["commodity"].str.len().eq(2).all()
