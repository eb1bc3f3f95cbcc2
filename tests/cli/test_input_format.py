"""Commands that read a trade file: ``--input-format`` names the file's format (detected when left
out), and on the listing ones ``--format table|json|csv`` names what they write."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.conftest import Haiquan, refused
from tests.conftest import require_shared

VIETNAM_DOTS = "trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv"
BACI = "trade/baci-hs2-exporter-2011-2020/baci_hs92_hs2_exporter_year_2011_2020.csv.gz"
EU15 = "trade/fixest-eu15-trade-2007-2016/fixest_trade_eu15_2007_2016.csv"
FAST = ("--members", "DOTM,SeasonalNaive", "--engine", "local")

#: Each listing command on a small slice of real data, with the format left to detection.
LISTINGS = {
    "indicators": ("indicators", "--home", "VNM", "--year", "2020", "--top", "5"),
    "mirror-gaps": ("mirror-gaps", "--year", "2020", "--top", "5"),
    "rca": ("rca", "--year", "2020", "--top", "3"),
    "gravity": ("gravity", "--home", "VNM", "--year", "2020", "--top", "5"),
    "backtest": (
        "backtest", "--horizon", "2", "--reporter", "VNM", "--partner", "CHN", "--flow",
        "import", "--no-store", *FAST,
    ),
    "priorities": ("priorities", "--forecast", "trend", "--top", "5", "--sensitivity", "0"),
}  # fmt: skip
DOTS_ALL = "trade/imf-dots-annual-1960-2020/dots_bilateral_annual_1960_2020.parquet"
FILES = {"rca": BACI, "gravity": DOTS_ALL}  # gravity needs many reporters


def _run(haiquan: Haiquan, name: str, *extra: str) -> tuple[str, str]:
    path = require_shared(FILES.get(name, VIETNAM_DOTS))
    result = haiquan(*LISTINGS[name], "--input", str(path), *extra)
    assert result.code == 0, result.err
    return result.out, result.err


@pytest.mark.parametrize("name", list(LISTINGS))
def test_json_and_csv_are_documents_a_program_reads(haiquan: Haiquan, name: str) -> None:
    out, err = _run(haiquan, name, "--format", "json")
    as_json = json.loads(out)
    as_csv = list(csv.DictReader(io.StringIO(_run(haiquan, name, "--format", "csv")[0])))
    if name == "gravity":  # the model beside the rows, not in them
        assert "PPML" in err and "PPML" not in out
    assert as_csv, name
    rows = as_json["overall"] if name == "priorities" else as_json
    assert rows and isinstance(rows, list)
    assert list(as_csv[0]) == list(rows[0])  # the same columns, in the same order
    first = next(iter(rows[0]))
    assert [r[first] for r in as_csv] == [str(r[first]) for r in rows]


def test_json_holds_raw_dollars_and_fractions(haiquan: Haiquan) -> None:
    rows = json.loads(_run(haiquan, "indicators", "--format", "json")[0])
    usa = next(r for r in rows if r["partner"] == "USA")
    assert usa["exports"] == pytest.approx(77_151.2e6, rel=1e-6)  # 77,151.2 in the table
    assert all(0 <= r["trade_share"] <= 1 for r in rows)


def test_notes_and_model_lines_go_to_stderr_beside_json(haiquan: Haiquan) -> None:
    out, err = _run(haiquan, "indicators", "--format", "json")
    json.loads(out)
    assert "concentration (HHI), export" in err
    assert "trade intensity not available for 2020" in err


def test_the_gravity_reference_as_json(haiquan: Haiquan) -> None:
    path = require_shared(EU15)
    result = haiquan("gravity", "--reference-eu15", "--input", str(path), "--format", "json")
    assert result.code == 0, result.err
    (row,) = json.loads(result.out)
    assert row["estimate"] == pytest.approx(-1.527874, abs=1e-6)
    assert row["std_error"] == pytest.approx(0.115678, abs=1e-6)


def test_a_named_input_format_gives_what_detection_gives(haiquan: Haiquan) -> None:
    detected = _run(haiquan, "mirror-gaps", "--format", "csv")[0]
    named = _run(haiquan, "mirror-gaps", "--input-format", "dots", "--format", "csv")[0]
    short = _run(haiquan, "mirror-gaps", "-f", "dots", "--format", "csv")[0]
    assert detected == named == short


def test_an_input_format_given_as_the_output_format_is_refused(haiquan: Haiquan) -> None:
    path = require_shared(VIETNAM_DOTS)
    result = haiquan("mirror-gaps", "--input", str(path), "--format", "dots")
    assert result.code == 2 and "table" in result.err and "json" in result.err, result.err


def test_a_wrong_input_format_says_which_option(haiquan: Haiquan) -> None:
    refused(haiquan("rca", "--input", str(require_shared(VIETNAM_DOTS))), "--input-format baci")


def test_priorities_json_flag_is_format_json(haiquan: Haiquan) -> None:
    old = json.loads(_run(haiquan, "priorities", "--json")[0])
    new = json.loads(_run(haiquan, "priorities", "--format", "json")[0])
    assert old["overall"] == new["overall"] and old["home"] == new["home"] == "VNM"


def test_plan_writes_json_with_format_json(haiquan: Haiquan) -> None:
    path = require_shared(VIETNAM_DOTS)
    arguments = ("plan", "--input", str(path), "--forecast", "trend", "--years", "3")
    plan = json.loads(haiquan(*arguments, "--format", "json").out)
    assert plan["years"] == 3 and plan["status"] == "optimal" and plan["home"] == "VNM"
    assert json.loads(haiquan(*arguments, "--json").out)["chosen"] == plan["chosen"]
    assert haiquan(*arguments, "--format", "csv").code == 2  # a report, not a listing


def test_forecast_keeps_format_as_the_input_format(haiquan: Haiquan, tmp_path: Path) -> None:
    # The command issue 16 quotes: --format on forecast is the input's (deprecated name).
    path = str(require_shared(VIETNAM_DOTS))
    common = ("forecast", "--input", path, "--horizon", "2", "--reporter", "VNM", "--partner",
              "CHN", "--flow", "import", *FAST)  # fmt: skip
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    assert haiquan(*common, "--format", "dots", "--output", str(old)).code == 0
    assert haiquan(*common, "--input-format", "dots", "--output", str(new)).code == 0
    assert old.read_text() == new.read_text() and len(old.read_text().splitlines()) == 3
    refused(
        haiquan(*common, "--input-format", "dots", "--format", "census"),
        "two input formats given",
    )
