"""SDMX data messages (SDMX-ML 2.1 generic and structure-specific, SDMX-JSON) into canonical rows.

``*_synthetic.*`` files under tests/warehouse/data/ are written in the published message layouts
with SYNTHETIC values; ``imf_PCPS_public_sample.xml`` is a message the IMF served, kept as sdmx1's
test data keeps it (tests/warehouse/data/README.md cites the source).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from haiquan.errors import DataFileError
from haiquan.warehouse.sources import detect_format, read_trade_file, read_trade_rows
from haiquan.warehouse.sources.sdmx import is_sdmx_message, sdmx_observations

DATA = Path(__file__).parent / "data"
GENERIC = DATA / "imts_generic_synthetic.xml"
STRUCTURE_SPECIFIC = DATA / "imts_structure_specific_synthetic.xml"
JSON = DATA / "imts_synthetic.json"
IMF_PUBLIC = DATA / "imf_PCPS_public_sample.xml"


def test_sdmx_messages_are_detected_from_their_content() -> None:
    for path in (GENERIC, STRUCTURE_SPECIFIC, JSON, IMF_PUBLIC):
        assert is_sdmx_message(path), path
        assert detect_format(path) == "sdmx"
    assert not is_sdmx_message(DATA / "comtrade_synthetic.csv")


def test_generic_message_with_imf_indicators() -> None:
    read = read_trade_rows(GENERIC)
    rows = read.rows
    assert list(rows["reporter"]) == ["VNM", "VNM"]  # alpha-2 VN
    assert list(rows["partner"]) == ["KOR", "WORLD"]  # KR, and W00 the world
    assert list(rows["flow"]) == ["export", "import"]  # TXG_FOB_USD, TMG_CIF_USD
    assert list(rows["frequency"]) == ["A", "Q"]
    assert list(rows["period"]) == ["2020", "2020Q1"]
    assert list(rows["commodity"]) == ["TOTAL", "TOTAL"]
    # UNIT_MULT 6: millions of dollars
    assert list(rows["value_usd"]) == [19_100_500_000.0, 60_250_000_000.0]
    assert set(rows["source"]) == {"sdmx-imf-imts"}
    reasons = sorted((note["rows"], note["reason"]) for note in read.set_aside)
    assert reasons == [
        (1, "SDMX INDICATOR codes that are not an export or import value (TBG_USD)"),
        (1, "SDMX observations without a value"),
    ]


def test_a_gzip_compressed_message_reads_the_same(tmp_path: Path) -> None:
    packed = tmp_path / "imts.xml.gz"
    packed.write_bytes(gzip.compress(GENERIC.read_bytes()))
    assert detect_format(packed) == "sdmx"
    assert read_trade_file(packed).equals(read_trade_file(GENERIC))


def test_structure_specific_message_with_oecd_components() -> None:
    rows = read_trade_file(STRUCTURE_SPECIFIC)
    assert list(rows["reporter"]) == ["KOR", "KOR", "KOR"]
    assert list(rows["partner"]) == ["VNM", "VNM", "WORLD"]  # W is the OECD's world
    assert list(rows["flow"]) == ["export", "export", "import"]
    assert list(rows["period"]) == ["2023-01", "2023-02", "2023-01"]
    assert list(rows["value_usd"]) == [4.21e9, 4.38e9, 6.03e10]


def test_sdmx_json_message() -> None:
    rows = read_trade_file(JSON)
    assert list(rows["partner"]) == ["VNM", "VNM", "WORLD"]
    assert list(rows["period"]) == ["2020-01", "2020-02", "2020-01"]
    assert list(rows["value_usd"]) == [1_200_000.0, 1_300_000.0, 900_000_000.0]


def test_public_imf_message_is_read_and_refused_as_not_bilateral_trade() -> None:
    observations = sdmx_observations(IMF_PUBLIC)
    assert observations.loc[0, "COMMODITY"] == "PZINC" and observations.loc[0, "REF_AREA"] == "W00"
    with pytest.raises(DataFileError) as caught:
        read_trade_file(IMF_PUBLIC)
    assert "no counterpart area" in str(caught.value)


def test_values_not_in_dollars_are_refused(tmp_path: Path) -> None:
    national = tmp_path / "xdc.xml"
    national.write_text(STRUCTURE_SPECIFIC.read_text().replace('"USD_EXC"', '"XDC"'))
    with pytest.raises(DataFileError) as caught:
        read_trade_file(national)
    assert "US dollars" in str(caught.value) and "XDC" in str(caught.value)


def test_a_component_without_a_canonical_column_that_varies_is_refused(tmp_path: Path) -> None:
    text = STRUCTURE_SPECIFIC.read_text()
    series = text[text.index("<Series") : text.index("</Series>") + len("</Series>")]
    both = series.replace('UNIT_MULT="0"', 'UNIT_MULT="0" ADJUSTMENT="S"') + series.replace(
        'UNIT_MULT="0"', 'UNIT_MULT="0" ADJUSTMENT="N"'
    )
    seasonal = tmp_path / "seasonal.xml"
    seasonal.write_text(text.replace(series, both))
    with pytest.raises(DataFileError) as caught:
        read_trade_file(seasonal)
    message = str(caught.value)
    assert "ADJUSTMENT (N, S)" in message and "query one value of ADJUSTMENT" in message


def test_an_unknown_area_is_refused_naming_the_observation(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.xml"
    unknown.write_text(GENERIC.read_text().replace('value="KR"', 'value="QQ"'))
    with pytest.raises(DataFileError) as caught:
        read_trade_file(unknown)
    assert "row 1, column 'COUNTERPART_AREA'" in str(caught.value)


def test_a_cut_message_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cut = tmp_path / "cut.xml"
    text = GENERIC.read_text()
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(DataFileError, match="cannot be read"):
        read_trade_file(cut)
    # sdmx1's parser-stack dump stays out of standard output (a JSON document, for --format json).
    assert capsys.readouterr().out == ""


def test_json_units_sdmx1_would_drop_are_refused(tmp_path: Path) -> None:
    document = json.loads(JSON.read_text())
    attributes = document["structure"]["attributes"]
    attributes["series"], attributes["observation"] = attributes["observation"], []
    for series in document["dataSets"][0]["series"].values():
        series["attributes"] = [0, 1]
        for key, (value, *_) in list(series["observations"].items()):
            series["observations"][key] = [value]
    series_level = tmp_path / "series.json"
    series_level.write_text(json.dumps(document))
    with pytest.raises(DataFileError) as caught:
        read_trade_file(series_level)
    assert "UNIT_MEASURE, UNIT_MULT" in str(caught.value) and "SDMX-ML" in str(caught.value)


def test_a_structure_message_holds_no_data(tmp_path: Path) -> None:
    structure = tmp_path / "structure.xml"
    structure.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<message:Structure xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/'
        'message" xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
        "<message:Header><message:ID>X</message:ID><message:Test>true</message:Test>"
        "<message:Prepared>2024-01-01T00:00:00</message:Prepared>"
        '<message:Sender id="SYNTHETIC"/></message:Header></message:Structure>'
    )
    with pytest.raises(DataFileError, match="no data set"):
        read_trade_file(structure)


def test_haiquan_load_reads_an_sdmx_message_end_to_end(tmp_path: Path) -> None:
    def haiquan(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from haiquan.cli import main; main()", *arguments],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=300,
        )

    refused = haiquan("load", str(IMF_PUBLIC))
    assert refused.returncode == 2 and "counterpart area" in refused.stderr, refused.stderr
    loaded = haiquan("load", str(GENERIC))
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 2 rows" in loaded.stdout and "(sdmx)" in loaded.stdout
    assert "set aside 1 rows: SDMX observations without a value" in loaded.stdout
    out = tmp_path / "flows.csv"
    assert haiquan("export", "trade_flows", str(out)).returncode == 0
    flows = pd.read_csv(out, dtype={"period": str})
    assert sorted(flows["period"]) == ["2020", "2020Q1"]
