"""``haiquan forecast`` as a user runs it: the table on screen and the errors of a bad slice."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import require_shared

CENSUS = "trade/us-census-country-monthly/us_census_goods_by_country_monthly_long.csv.gz"
FAST = ("--members", "DOTM,SeasonalNaive", "--engine", "local", "--horizon", "3")


def haiquan(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HAIQUAN_FORECAST_N_JOBS": "1"}
    return subprocess.run(
        [sys.executable, "-c", "from haiquan.cli import main; main()", *arguments],
        capture_output=True, text=True, env=env, timeout=300,
    )


def forecast(*arguments: str) -> subprocess.CompletedProcess[str]:
    return haiquan("forecast", "-i", str(require_shared(CENSUS)), "-f", "census", *FAST,
                   *arguments)


def test_table_shows_million_usd_in_full() -> None:
    done = forecast("--partner", "VNM", "--flow", "import")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "million USD" in text and "…" not in text
    # US imports from Vietnam ran near 10 billion USD a month in 2023: about 10,000 M USD.
    cells = re.findall(r"│ VNM\s+│ import │ 2023-0\d │\s+([\d,]+\.\d) │", text)
    assert len(cells) == 3
    assert all(5_000 < float(c.replace(",", "")) < 20_000 for c in cells)
    assert re.search(r"VNM import: Ensemble\(.+:\d\.\d\d\)", text)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (("--partner", "XYZ"), "unknown partner 'XYZ'"),
        (("--flow", "imports"), "expected one of import, export, re-export, re-import"),
        (("--frequency", "W"), "expected one of M, Q, A"),
        (("--partner", "VNM", "--reconcile", "magic"),
         "expected one of bottom_up, mint_ols, mint_wls"),
    ],
)
def test_bad_slice_exits_non_zero_naming_the_value(arguments: tuple[str, ...],
                                                   words: str) -> None:
    done = forecast(*arguments)
    assert done.returncode == 2, done.stdout
    assert words in done.stderr
    assert "Traceback" not in done.stderr


def test_reconciled_census_forecast_adds_a_world_total() -> None:
    done = forecast("--partner", "VNM", "--partner", "CHN", "--flow", "import",
                    "--reconcile", "bottom_up")
    assert done.returncode == 0, done.stderr
    assert "WORLD import: Ensemble(" in done.stdout and "+bottom_up" in done.stdout
