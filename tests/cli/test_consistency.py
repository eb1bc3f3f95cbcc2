"""What holds across every command: one date format and error, any ISO code for a country,
outputs refused before work, tables that never cut a figure short."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from haiquan.cli._console import console
from tests.cli.conftest import Haiquan, refused

CANONICAL = (
    "reporter,partner,flow,frequency,period,commodity,value_usd,source,is_mirror\n"
    "VNM,KOR,export,A,2019,TOTAL,19000000000,test,false\n"
    "VNM,KOR,import,A,2019,TOTAL,46000000000,test,false\n"
    "VNM,KOR,export,A,2020,TOTAL,19100000000,test,false\n"
    "VNM,KOR,import,A,2020,TOTAL,46900000000,test,false\n"
    "VNM,CHN,export,A,2019,TOTAL,41400000000,test,false\n"
    "VNM,CHN,import,A,2019,TOTAL,75400000000,test,false\n"
    "VNM,CHN,export,A,2020,TOTAL,48900000000,test,false\n"
    "VNM,CHN,import,A,2020,TOTAL,84200000000,test,false\n"
)


@pytest.fixture
def trade_file(tmp_path: Path) -> Path:
    path = tmp_path / "trade.csv"
    path.write_text(CANONICAL, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [
    ["show", "country", "VNM"],
    ["show", "agreements"],
    ["aeo", "list"],
    ["aeo", "check", "VN-AEO-0001"],
    ["commitments", "rate", "wto_tfa"],
])
@pytest.mark.parametrize("written", ["2020-13-01", "20200101", "2020/01/01"])
def test_a_bad_on_date_is_refused_alike_everywhere(haiquan: Haiquan, command: list[str],
                                                   written: str) -> None:
    refused(haiquan(*command, "--on", written),
            "bad date for --on: expected a date as YYYY-MM-DD", repr(written),
            "write e.g. --on 2024-02-22")


def test_aeo_dates_name_the_option(haiquan: Haiquan) -> None:
    refused(haiquan("aeo", "add", "VN-AEO-0002", "--name", "Công ty Thủy sản Việt",
                    "--granted", "2024-02-30"), "bad date for --granted")
    refused(haiquan("aeo", "status", "VN-AEO-0002", "suspended", "--reason", "audit",
                    "--effective", "1/6/2024"), "bad date for --effective")


@pytest.mark.parametrize("command", [
    ["export", "trade_flows"],
    ["aeo", "export"],
    ["commitments", "export", "state", "--catalogue", "wto_tfa", "--out"],
    ["commitments", "report", "wto_tfa", "--out"],
])
def test_an_unwritable_output_is_refused_before_any_work(haiquan: Haiquan, tmp_path: Path,
                                                         command: list[str]) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    refused(haiquan(*command, str(not_a_folder / "out.csv")), "cannot write",
            "which is a file, not a folder")


def test_country_options_take_any_iso_code(haiquan: Haiquan, trade_file: Path) -> None:
    assert haiquan("load", str(trade_file)).code == 0
    for code in ("KOR", "kr", "410"):
        shown = haiquan("show", "partner", code, "--reporter", "vn")
        assert shown.code == 0, shown.err
        assert "Trade with KOR" in shown.out
    indicators = haiquan("indicators", "--home", "vn", "--input", str(trade_file))
    assert indicators.code == 0, indicators.err
    assert "VNM trade by partner" in indicators.out


def test_a_narrow_table_folds_figures_instead_of_cutting_them(
        haiquan: Haiquan, trade_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 80)
    result = haiquan("indicators", "--input", str(trade_file))
    assert result.code == 0, result.err
    assert "…" not in result.out
    assert max(len(line) for line in result.out.splitlines()) <= 80


def test_columns_set_by_the_operator_is_honoured_when_piped() -> None:
    env = {**os.environ, "COLUMNS": "80"}
    result = subprocess.run(
        [sys.executable, "-c", "from haiquan.cli import main; main()", "gateway",
         "document-types"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
