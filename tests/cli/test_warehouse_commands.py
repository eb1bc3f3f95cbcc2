"""The load/show/export/demo commands, run as a user runs them (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import require_shared

DOTS_VIETNAM = "trade/imf-dots-annual-1960-2020/vietnam_dots_annual_reported_and_mirror.csv"


def haiquan(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from haiquan.cli import main; main()", *arguments],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )


def test_load_twice_then_show_and_export(tmp_path: Path) -> None:
    path = require_shared(DOTS_VIETNAM)
    first = haiquan("load", str(path))
    assert first.returncode == 0, first.stderr
    assert "loaded 19,356 rows" in first.stdout  # 19,451 in the file; 95 exact repeats kept once
    second = haiquan("load", str(path))
    assert "already loaded" in second.stdout and second.returncode == 0
    top = haiquan("show", "top-partners", "--year", "2020", "-n", "3")
    assert top.returncode == 0, top.stderr
    assert "CHN" in top.stdout and "SYNTHETIC" not in top.stdout
    missing = haiquan("show", "top-partners", "--year", "2024")
    assert missing.returncode == 2 and "1960 to 2020" in missing.stderr, missing.stderr
    series = haiquan("show", "partner", "KOR", "--since", "2019")
    assert "2020" in series.stdout and "mirror" in series.stdout
    out = tmp_path / "flows.csv"
    exported = haiquan("export", "trade_flows", str(out))
    assert exported.returncode == 0, exported.stderr
    assert len(out.read_text().splitlines()) == 19_357


def test_bad_file_exits_non_zero_with_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("reporter,partner,flow,frequency,period,commodity,value_usd,source,is_mirror\n"
                   "VNM,KOR,export,A,2020,8471.3,5,test,false\n")
    result = haiquan("load", str(bad))
    assert result.returncode == 2
    assert "row 2" in result.stderr and "leading zeros" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_without_server_labels_synthetic_declarations() -> None:
    result = haiquan("demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    assert "Top 10 partners" in result.stdout
    assert "SYNTHETIC" in result.stdout


def test_real_declarations_load_after_the_demo_declarations() -> None:
    # `haiquan demo` stores synthetic declarations first; they have no courier, and the table
    # used to take its column types from them, so the real file then failed to load.
    from haiquan.declarations import generate_synthetic_declarations
    from haiquan.warehouse.loading import store_declarations_frame

    store_declarations_frame(generate_synthetic_declarations(20, seed=1),
                             label="synthetic demo declarations", sha256="demo", synthetic=True)
    path = require_shared("customs-declarations/df_syn_valid_eng.csv")
    loaded = haiquan("load", "--declarations", str(path))
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 8,134 rows" in loaded.stdout
