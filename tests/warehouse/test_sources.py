"""Readers of the real public files in ../shared/data, and their refusals."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from haiquan.errors import DataFileError, InputError
from haiquan.warehouse.sources import detect_format, read_trade_file, read_trade_rows
from haiquan.warehouse.sources.census import read_census
from tests.conftest import require_shared

CENSUS = "trade/us-census-country-monthly/us_census_goods_by_country_monthly_long.csv.gz"
DOTS_VIETNAM = "trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv"


def test_census_file_maps_partners_and_keeps_census_codes() -> None:
    rows = read_census(require_shared(CENSUS))
    assert len(rows) == 200_472
    assert set(rows["reporter"]) == {"USA"}
    vietnam = rows[rows["partner"] == "VNM"]
    assert set(vietnam["census_code"]) == {"5520"}
    # SOURCE.md: 2023 US imports from Vietnam are 114,426 M USD ... but the file ends at 2023-06,
    # so check the published half-year instead against the monthly sum of the file itself.
    raw = pd.read_csv(require_shared(CENSUS), dtype={"cty_code": str})
    expected = raw[(raw.cty_code == "5520") & (raw.flow == "import")].value_musd.sum() * 1e6
    got = vietnam[vietnam["flow"] == "import"]["value_usd"].sum()
    assert got == pytest.approx(expected)
    assert set(rows.loc[rows["census_code"] == "0003", "partner"]) == {"EUROPEAN_UNION"}
    # Two Census codes for Israel overlap in 1993-2003: they must not share a partner code.
    keys = ["partner", "flow", "period"]
    assert not rows.duplicated(keys).any()


def test_dots_vietnam_file_matches_source_checks() -> None:
    rows = read_trade_file(require_shared(DOTS_VIETNAM), "dots")
    vnm_2020 = rows[(rows.reporter == "VNM") & (rows.period == "2020")]
    exports_world = vnm_2020[(vnm_2020.partner == "WORLD") & (vnm_2020.flow == "export")]
    # SOURCE.md: Vietnam 2020 exports to World 277,271 M USD; to United States 77,151.
    assert exports_world["value_usd"].sum() / 1e6 == pytest.approx(277_271, rel=1e-4)
    to_usa = vnm_2020[(vnm_2020.partner == "USA") & (vnm_2020.flow == "export")]
    assert to_usa["value_usd"].sum() / 1e6 == pytest.approx(77_151, rel=1e-4)
    assert (rows["frequency"] == "A").all()


def test_dots_repeats_are_kept_once_and_counted() -> None:
    read = read_trade_rows(require_shared(DOTS_VIETNAM), "dots")
    rows = read.rows
    # The file lists Australia twice as a partner; summing both copies doubled VNM-AUS trade.
    australia = rows[(rows.reporter == "VNM") & (rows.partner == "AUS") & (rows.period == "2020")]
    assert sorted(australia["value_usd"] / 1e6) == pytest.approx([3_623.92, 4_670.19], rel=1e-5)
    # Several IMF categories ("Special Categories", "Countries & Areas not specified") share
    # the code NOT_SPECIFIED and are added up; a country appears once per year and flow.
    countries = rows[rows["partner"].str.len() == 3]
    assert not countries.duplicated(["reporter", "partner", "flow", "period"]).any()
    assert read.set_aside == [
        {"rows": 95, "reason": "exact repeats of another row of the file (one copy kept)"}
    ]


def test_formats_are_detected_from_columns() -> None:
    assert detect_format(require_shared(CENSUS)) == "census"
    assert detect_format(require_shared(DOTS_VIETNAM)) == "dots"


def test_unknown_partner_name_fails_the_file(tmp_path: Path) -> None:
    path = tmp_path / "dots.csv"
    pd.DataFrame(
        {
            "reporter": ["Vietnam", "Vietnam"],
            "partner": ["Korea, Rep. of", "Atlantis"],
            "partner_is_aggregate": [False, False],
            "flow": ["export_fob"] * 2,
            "year": [2020, 2020],
            "value_musd": [1.0, 2.0],
        }
    ).to_csv(path, index=False)
    with pytest.raises(DataFileError) as caught:
        read_trade_file(path, "dots")
    assert caught.value.problems[0]["row"] == 3
    assert "country_aliases.yaml" in str(caught.value)


def test_census_bad_period_and_code(tmp_path: Path) -> None:
    path = tmp_path / "census.csv"
    pd.DataFrame(
        {
            "period": ["2020-01", "2020/02"],
            "year": [2020, 2020],
            "month": [1, 2],
            "cty_code": ["5520", "5520"],
            "cty_name": ["Vietnam", "Vietnam"],
            "flow": ["import", "import"],
            "value_musd": [1.0, 2.0],
        }
    ).to_csv(path, index=False)
    with pytest.raises(DataFileError) as caught:
        read_trade_file(path, "census")
    assert caught.value.problems[0]["row"] == 3
    assert caught.value.problems[0]["column"] == "period"
    path.write_text("period,cty_code,cty_name,flow,value_musd\n2020-01,55X0,Vietnam,import,1\n")
    with pytest.raises(DataFileError, match="Census country codes"):
        read_trade_file(path, "census")


def test_unreadable_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_trade_file(tmp_path / "missing.csv")
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n")
    with pytest.raises(DataFileError, match="match no known trade format"):
        read_trade_file(odd)
    with pytest.raises(InputError, match="unknown trade format"):
        read_trade_file(odd, "comext")  # Eurostat Comext: not (yet) a format haiquan reads
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(DataFileError, match="cannot be parsed"):
        read_trade_file(broken, "dots")


def test_damaged_and_misnamed_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    # A workbook saved as .csv, an empty file, a gzip cut short, a Parquet file cut short:
    # each says what came instead of a traceback (or click's bare "Aborted.").
    workbook = tmp_path / "dots.csv"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb2\xff binary")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    cut_gzip = tmp_path / "census.csv.gz"
    cut_gzip.write_bytes(gzip.compress(b"period,cty_code,cty_name,flow,value_musd\n" * 2000)[:200])
    cut_parquet = tmp_path / "dots.parquet"
    cut_parquet.write_bytes(b"PAR1" + b"\x00" * 100)
    for path in (workbook, empty, cut_gzip, cut_parquet):
        with pytest.raises(DataFileError, match="columns cannot be read|cannot be parsed"):
            read_trade_file(path)
    with pytest.raises(DataFileError, match="EOFError"):
        read_trade_file(cut_gzip, "census")
    with pytest.raises(DataFileError, match="UnicodeDecodeError"):
        read_trade_file(workbook, "dots")


def test_a_csv_saved_in_latin_1_is_told_to_be_saved_as_utf_8_not_as_a_workbook(
    tmp_path: Path,
) -> None:
    # A legacy Comtrade export re-saved by an older Excel: "Côte d'Ivoire" in Windows-1252.
    # Detected or named, the error says what is wrong with the text, not "save the .xlsx as CSV".
    path = tmp_path / "comtrade-legacy.csv"
    path.write_bytes(
        "Classification,Period,Trade Flow Code,Reporter Code,Reporter,Reporter ISO,Partner Code,"
        "Partner,Partner ISO,Commodity Code,Trade Value (US$)\n"
        "HS,2015,2,704,Viet Nam,VNM,384,Côte d'Ivoire,CIV,0901,2500\n".encode("cp1252")
    )
    for name in (None, "comtrade-legacy"):
        with pytest.raises(DataFileError, match="not UTF-8 text") as caught:
            read_trade_file(path, name)
        assert "line 2: byte 0xf4" in str(caught.value) and "iconv" in str(caught.value)
    # Deep in a large file the line is the file's, not a place in the chunk pandas decoded.
    header, row = path.read_bytes().split(b"\n")[:2]
    good = row.replace("Côte d'Ivoire".encode("cp1252"), b"Cote d'Ivoire")
    path.write_bytes(b"\n".join([header, *[good] * 20_000, row, b""]))
    with pytest.raises(DataFileError, match="line 20002: byte 0xf4"):
        read_trade_file(path, "comtrade-legacy")
    # A workbook keeps its own advice.
    workbook = tmp_path / "book.csv"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb2\xff binary")
    with pytest.raises(DataFileError, match="save a spreadsheet"):
        read_trade_file(workbook)


def test_a_copy_cut_in_its_last_row_loads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text(
        "reporter,partner,partner_is_aggregate,flow,year,value_musd,source_file\n"
        "Portugal,Vietnam,False,export_fob,1970,0.43,DOTS_159.xlsx\n"
        "Portugal,Vietnam,False,export_fob,1971,0"
    )  # 0.34 cut to 0
    with pytest.raises(DataFileError, match="truncated") as caught:
        read_trade_file(path, "dots")
    assert "row 3" in str(caught.value)
    path.write_text(path.read_text() + ".34,DOTS_159.xlsx")  # complete, no final newline
    assert read_trade_file(path, "dots")["value_usd"].iloc[-1] == pytest.approx(340_000)
