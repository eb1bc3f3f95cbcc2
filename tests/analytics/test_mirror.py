"""Mirror-data gaps and their thresholds file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.analytics import load_thresholds, mirror_gaps
from haiquan.errors import CatalogueError

M = 1e6


def test_packaged_thresholds_are_sourced() -> None:
    rules = load_thresholds()
    assert rules.cif_fob_factor == 1.06
    assert "IMF" in rules.sources["cif_fob_factor"]
    low, high = rules.band
    assert low < 1.0 < rules.cif_fob_factor < high


def test_gaps_by_hand(flows_factory: Callable[..., pd.DataFrame]) -> None:
    rows = [
        ("VNM", "KOR", "export", "2020", 100 * M), ("KOR", "VNM", "import", "2020", 106 * M),
        ("VNM", "CHN", "export", "2020", 100 * M), ("CHN", "VNM", "import", "2020", 200 * M),
        ("VNM", "CHN", "import", "2020", 50 * M), ("CHN", "VNM", "export", "2020", 100 * M),
        ("VNM", "LAO", "export", "2020", 1 * M), ("LAO", "VNM", "import", "2020", 5 * M),
        ("VNM", "AUS", "export", "2020", 70 * M),
    ]
    gaps = mirror_gaps(flows_factory(rows), "VNM", 2020).table
    by = gaps.set_index(["partner", "direction"])
    assert by.loc[("KOR", "export"), "cif_fob_ratio"] == pytest.approx(1.06)
    assert by.loc[("KOR", "export"), "excess"] == pytest.approx(0.0)
    assert not by.loc[("KOR", "export"), "flag"]
    china_exports = by.loc[("CHN", "export")]
    assert china_exports["gap_usd"] == 100 * M and china_exports["flag"]
    assert china_exports["reading"] == "importer records more than the exporter declared"
    # Home imports: CIF is the home's figure, FOB the partner's exports.
    china_imports = by.loc[("CHN", "import")]
    assert china_imports["cif_fob_ratio"] == pytest.approx(0.5) and china_imports["flag"]
    assert china_imports["reading"] == "importer records less than the exporter declared"
    # Too small to flag, and one-sided, are never flagged.
    assert not by.loc[("LAO", "export"), "flag"]
    assert not by.loc[("AUS", "export"), "flag"]
    assert by.loc[("AUS", "export"), "reading"] == "reported by one side only"
    assert list(gaps["flag"]) == sorted(gaps["flag"], reverse=True)  # flagged first


@settings(max_examples=20, deadline=None)
@given(st.floats(0.01, 10))
def test_flag_is_exactly_outside_the_band(ratio: float) -> None:
    from tests.analytics.conftest import make_flows

    rules = load_thresholds()
    rows = [("VNM", "KOR", "export", "2020", 100 * M),
            ("KOR", "VNM", "import", "2020", 100 * M * ratio)]
    gap = mirror_gaps(make_flows(rows), "VNM", 2020, thresholds=rules).table.iloc[0]
    low, high = rules.band
    assert gap["flag"] == (not low <= gap["cif_fob_ratio"] <= high)


def test_real_vietnam_2020(vietnam_dots: pd.DataFrame) -> None:
    gaps = mirror_gaps(vietnam_dots, "VNM", 2020).table.set_index(["partner", "direction"])
    usa = gaps.loc[("USA", "export")]
    # VNM reports 77,151 M USD of exports to the US; the US reports 79,645 M USD of imports.
    assert usa["home_reported"] / M == pytest.approx(77_151, abs=1)
    assert usa["partner_reported"] / M == pytest.approx(79_645, abs=1)
    assert not usa["flag"]
    # China records far more imports from Vietnam than Vietnam declares exporting to China.
    assert gaps.loc[("CHN", "export"), "flag"]
    assert gaps.loc[("CHN", "export"), "cif_fob_ratio"] > 1.5


GOOD = """
cif_fob_factor: {value: 1.06, source: IMF}
tolerance: {value: 0.25, source: Assumption}
min_value_usd: {value: 1000, source: Assumption}
"""


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("- just a list", "must be a mapping"),
        ("cif_fob_factor: [unclosed", "not valid YAML"),
        (GOOD.replace("1.06", "0.5"), "cif_fob_factor has no valid value"),
        (GOOD.replace("0.25", "0"), "tolerance has no valid value"),
        (GOOD.replace("1000", "-1"), "min_value_usd has no valid value"),
        (GOOD.replace("source: IMF", "source: ''"), "cif_fob_factor has no source"),
        (GOOD.replace("tolerance: {value: 0.25, source: Assumption}\n", ""), "tolerance"),
    ],
)
def test_bad_thresholds_files(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "thresholds.yaml"
    path.write_text(text)
    with pytest.raises(CatalogueError, match=match):
        load_thresholds(path)


def test_good_thresholds_file(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.yaml"
    path.write_text(GOOD)
    assert load_thresholds(path).min_value_usd == 1000
