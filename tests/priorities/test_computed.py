"""Catalogue figures computed from BACI at load time: right numbers, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from haiquan.errors import CatalogueError
from haiquan.priorities import parse_catalogue
from haiquan.priorities.computed import baci_export_share
from tests.conftest import require_shared
from tests.priorities.conftest import BACI, catalogue_dict, initiative


def _with_share(share: Any) -> dict[str, Any]:
    entry = initiative("pilot")
    entry["benefit"] = {**entry["benefit"], "share_affected": share}
    return catalogue_dict(entry)


@pytest.fixture
def small_baci(tmp_path: Path) -> Path:
    """A SYNTHETIC file in BACI's layout: VNM exports 30 + 10 in 2020, THA 5 in 2019."""
    path = tmp_path / "baci.csv"
    pd.DataFrame({
        "t": [2020, 2020, 2020, 2019], "i_iso3c": ["VNM", "VNM", "VNM", "THA"],
        "k": ["85", "64", "94", "85"], "v": [30.0, 6.0, 4.0, 5.0],
    }).to_csv(path, index=False)
    return path


def test_share_is_computed_from_the_file_with_its_numbers_in_the_source(
    small_baci: Path,
) -> None:
    spec = {"from_baci": {"exporter": "vnm", "year": 2020, "chapters": ["64", "94"],
                          "file": str(small_baci)},
            "note": "proxy for exports to the U.S."}
    catalogue = parse_catalogue(_with_share(spec))
    share = catalogue.initiatives[0].benefit.share_affected
    assert share.value == pytest.approx(0.25)
    assert share.source is not None and not share.is_assumption
    assert "HS 64 + HS 94 is 10 of VNM's 40 M USD" in share.source
    assert share.source.endswith("proxy for exports to the U.S.")


def test_real_baci_share_matches_a_direct_reading_of_the_file() -> None:
    path = require_shared(BACI)
    raw = pd.read_csv(path, dtype={"k": str})
    vnm = raw[(raw["i_iso3c"] == "VNM") & (raw["t"] == 2020)]
    expected = vnm.loc[vnm["k"] == "85", "v"].sum() / vnm["v"].sum()
    share, part, total, _ = baci_export_share("VNM", 2020, ["85"], path)
    assert share == pytest.approx(expected)
    assert total == pytest.approx(vnm["v"].sum() * 1e6)
    assert 0.3 < share < 0.5  # electrical machinery is Vietnam's largest export chapter


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"from_baci": {"exporter": "VNM", "year": 2020}}, "must name exporter, year and chapters"),
        ({"from_baci": {"exporter": "VNM", "year": 2020, "chapters": [1]}}, "two-digit"),
        ({"from_baci": {"exporter": "VNM", "year": "twenty", "chapters": ["85"]}}, "year"),
        ({"from_baci": {"exporter": "VNM", "year": 2018, "chapters": ["85"]}}, "no exports"),
        ({"from_baci": {"exporter": "VNM", "year": 2020, "chapters": ["85"]}, "value": 0.3},
         "`from_baci` and an optional `note` only"),
    ],
)
def test_malformed_computed_figures_are_refused_naming_the_initiative(
    small_baci: Path, spec: dict[str, Any], words: str
) -> None:
    spec["from_baci"].setdefault("file", str(small_baci))
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(_with_share(spec))
    message = str(caught.value)
    assert words in message
    assert "pilot" in message or "BACI has no exports" in message


def test_a_missing_baci_file_says_where_it_looked_and_how_to_fix(tmp_path: Path) -> None:
    missing = tmp_path / "absent.csv.gz"
    spec = {"from_baci": {"exporter": "VNM", "year": 2020, "chapters": ["85"],
                          "file": str(missing)}}
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(_with_share(spec))
    assert str(missing) in str(caught.value)
    assert "HAIQUAN_SHARED_DATA" in (caught.value.fix or "")


def test_a_bad_baci_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("t,i_iso3c,k,v\n2020,VNM,85,-3\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="cannot be read"):
        baci_export_share("VNM", 2020, ["85"], path)


def _thai(flow: str, exporter: str, partners: list[str], small_baci: Path) -> dict[str, Any]:
    data = _with_share({"from_baci": {"exporter": exporter, "year": 2020, "chapters": ["85"],
                                      "file": str(small_baci)}})
    data["home"] = "THA"
    data["initiatives"][0]["partners"] = partners
    data["initiatives"][0]["benefit"]["flow"] = flow
    return data


@pytest.mark.parametrize(("flow", "partners"), [("export", ["ASEAN"]), ("total", ["KOR"])])
def test_a_copied_vietnamese_exporter_is_refused_in_another_home_s_catalogue(
    small_baci: Path, flow: str, partners: list[str]
) -> None:
    # A Thai catalogue copied from the Vietnam example kept `exporter: VNM`: Vietnam's export mix
    # silently sized Thailand's benefits (VNM is even an ASEAN partner, but these are Thai exports).
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(_thai(flow, "VNM", partners, small_baci))
    message = str(caught.value)
    assert "pilot" in message and "VNM's exports" in message and "home is THA" in message
    assert "exporter: THA" in (caught.value.fix or "")


def test_a_partner_s_exports_may_stand_for_imports_from_it(small_baci: Path) -> None:
    catalogue = parse_catalogue(_thai("import", "VNM", ["VNM"], small_baci))
    assert catalogue.initiatives[0].benefit.share_affected.value == pytest.approx(0.75)
