"""UN Comtrade CSV exports (current site and legacy site) into canonical rows.

The files under tests/warehouse/data/ are written in the published layouts (headers as Comtrade
writes them, docs/data-formats.md cites where they are documented) with SYNTHETIC values.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from haiquan.errors import DataFileError
from haiquan.warehouse.sources import detect_format, read_trade_file, read_trade_rows

DATA = Path(__file__).parent / "data"
CURRENT = DATA / "comtrade_synthetic.csv"
MONTHLY = DATA / "comtrade_monthly_synthetic.csv"
LEGACY = DATA / "comtrade_legacy_synthetic.csv"


def edited(source: Path, target: Path, row: int, **cells: str) -> Path:
    """A copy of ``source`` with some cells of data row ``row`` (0-based) replaced."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    for column, value in cells.items():
        frame.loc[row, column] = value
    frame.to_csv(target, index=False)
    return target


def test_formats_are_detected_from_the_columns() -> None:
    assert detect_format(CURRENT) == "comtrade"
    assert detect_format(MONTHLY) == "comtrade"
    assert detect_format(LEGACY) == "comtrade-legacy"


def test_current_site_export_becomes_canonical_rows() -> None:
    read = read_trade_rows(CURRENT)
    rows = read.rows
    assert list(rows["reporter"]) == ["VNM", "VNM", "VNM"]
    assert list(rows["partner"]) == ["KOR", "WORLD", "CHN"]
    assert list(rows["flow"]) == ["export", "import", "re-export"]
    assert list(rows["frequency"]) == ["A", "A", "A"]
    assert list(rows["period"]) == ["2022", "2022", "2022"]
    assert list(rows["commodity"]) == ["0901", "TOTAL", "851712"]  # leading zero kept
    assert list(rows["value_usd"]) == [1_500_000.5, 358_900_000_000.0, 2_500_000.0]
    assert rows["quantity"].iloc[0] == 1200.0 and rows["unit"].iloc[0] == "kg"
    # qtyUnitCode -1 (N/A): no quantity rather than a quantity of 0
    assert pd.isna(rows["quantity"].iloc[1]) and rows["unit"].iloc[1] is None
    assert set(rows["source"]) == {"un-comtrade"} and not rows["is_mirror"].any()
    assert list(rows["partner_name"]) == ["Rep. of Korea", "World", "China"]
    reasons = {note["reason"].split(" (")[0]: note["rows"] for note in read.set_aside}
    assert reasons == {
        "Comtrade breakdowns by second partner, customs procedure or mode of transport": 1,
        "Comtrade sub-flows that are part of imports or exports": 1,
    }


def test_a_row_repeated_whole_is_kept_once_and_counted(tmp_path: Path) -> None:
    # Two overlapping downloads pasted together: loading both copies would double the trade.
    lines = CURRENT.read_text(encoding="utf-8").splitlines()
    pasted = tmp_path / "pasted.csv"
    pasted.write_text("\n".join([*lines, *lines[1:3]]) + "\n", encoding="utf-8")
    read = read_trade_rows(pasted)
    assert read.rows.equals(read_trade_rows(CURRENT).rows)
    assert {"rows": 2, "reason": "exact repeats of another row of the file (one copy kept)"} in (
        read.set_aside
    )


def test_monthly_periods_become_year_dash_month() -> None:
    rows = read_trade_file(MONTHLY)
    assert list(rows["frequency"]) == ["M", "M"]
    assert list(rows["period"]) == ["2023-03", "2023-04"]
    assert list(rows["partner"]) == ["USA", "USA"]


def test_legacy_site_export_becomes_canonical_rows() -> None:
    read = read_trade_rows(LEGACY)
    rows = read.rows
    assert list(rows["partner"]) == ["JPN", "WORLD", "AUS"]
    assert list(rows["flow"]) == ["export", "import", "re-import"]
    assert list(rows["commodity"]) == ["03", "TOTAL", "03"]
    assert list(rows["value_usd"]) == [1_398_835.0, 174_803_960_000.0, 4_934.0]
    # the legacy unit code 8 becomes the abbreviation the current site writes
    assert rows["unit"].iloc[0] == "kg" and rows["quantity"].iloc[0] == 5000.0
    assert read.set_aside == []


def test_a_legacy_file_read_as_current_names_the_other_format() -> None:
    with pytest.raises(DataFileError) as caught:
        read_trade_file(LEGACY, "comtrade")
    assert "--format comtrade-legacy" in str(caught.value)


def test_a_classification_other_than_hs_is_refused_whole(tmp_path: Path) -> None:
    sitc = edited(CURRENT, tmp_path / "sitc.csv", 1, classificationCode="S4")
    with pytest.raises(DataFileError) as caught:
        read_trade_file(sitc)
    message = str(caught.value)
    assert "not classified in the Harmonized System" in message and "row 3" in message


def test_services_are_refused(tmp_path: Path) -> None:
    services = edited(CURRENT, tmp_path / "services.csv", 0, typeCode="S")
    with pytest.raises(DataFileError, match="services trade"):
        read_trade_file(services)


def test_comtrade_areas_not_elsewhere_specified_are_named_groups(tmp_path: Path) -> None:
    nes = edited(
        CURRENT,
        tmp_path / "nes.csv",
        2,
        partnerCode="490",
        partnerISO="S19",
        partnerDesc="Other Asia, nes",
    )
    nes = edited(nes, nes, 0, partnerCode="899", partnerISO="_X", partnerDesc="Areas, nes")
    rows = read_trade_file(nes)
    assert list(rows["partner"]) == ["NOT_SPECIFIED", "WORLD", "ASIA_NOT_SPECIFIED"]


def test_an_unknown_area_fails_the_file_naming_the_row_and_the_fix(tmp_path: Path) -> None:
    area = edited(
        CURRENT,
        tmp_path / "area.csv",
        2,
        partnerCode="999",
        partnerISO="X99",
        partnerDesc="Atlantis, nes",
    )
    with pytest.raises(DataFileError) as caught:
        read_trade_file(area)
    message = str(caught.value)
    assert "row 4" in message and "X99 Atlantis, nes" in message
    assert "country_aliases.yaml" in message


def test_a_negative_value_fails_the_file(tmp_path: Path) -> None:
    negative = edited(CURRENT, tmp_path / "negative.csv", 0, primaryValue="-5")
    with pytest.raises(DataFileError) as caught:
        read_trade_file(negative)
    assert "row 2" in str(caught.value) and "zero or more" in str(caught.value)


def test_a_period_that_disagrees_with_the_frequency_fails(tmp_path: Path) -> None:
    wrong = edited(MONTHLY, tmp_path / "wrong.csv", 1, period="2023")
    with pytest.raises(DataFileError) as caught:
        read_trade_file(wrong)
    assert "row 3" in str(caught.value) and "YYYYMM" in str(caught.value)


def test_an_unknown_flow_code_fails(tmp_path: Path) -> None:
    wrong = edited(LEGACY, tmp_path / "flow.csv", 0, **{"Trade Flow Code": "7"})
    with pytest.raises(DataFileError) as caught:
        read_trade_file(wrong)
    assert "row 2" in str(caught.value) and "re-export" in str(caught.value)


def haiquan(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from haiquan.cli import main; main()", *arguments],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )


def test_haiquan_load_reads_comtrade_files_end_to_end(tmp_path: Path) -> None:
    bad = edited(CURRENT, tmp_path / "bad.csv", 0, classificationCode="S4")
    refused = haiquan("load", str(bad))
    assert refused.returncode == 2, refused.stderr
    assert "Harmonized System" in refused.stderr and "Traceback" not in refused.stderr
    loaded = haiquan("load", str(CURRENT), str(LEGACY))
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 3 rows" in loaded.stdout and "(comtrade)" in loaded.stdout
    assert "(comtrade-legacy)" in loaded.stdout
    assert "set aside 1 rows: Comtrade sub-flows" in loaded.stdout
    out = tmp_path / "flows.csv"
    exported = haiquan("export", "trade_flows", str(out))
    assert exported.returncode == 0, exported.stderr
    flows = pd.read_csv(out, dtype={"commodity": str, "period": str})
    # the refused file loaded nothing: only the six rows of the two good files are there
    assert len(flows) == 6
    assert sorted(flows["commodity"]) == ["03", "03", "0901", "851712", "TOTAL", "TOTAL"]
