"""Catalogue items read in place from the public data set (nothing of it is committed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from haiquan.commitments.catalogue import list_catalogues, read_catalogue_file
from haiquan.errors import CatalogueError
from haiquan.settings import reset_settings

PACKAGED = Path(__file__).resolve().parents[2] / "haiquan" / "commitments" / "catalogues"


def test_tfa_and_rkc_items_come_from_the_shared_files() -> None:
    tfa = read_catalogue_file(PACKAGED / "wto_tfa.yaml")
    assert len(tfa.groups) == 12 and sum(len(g.items) for g in tfa.groups) == 36
    measure = next(i for g in tfa.groups for i in g.items if i.id == "7.7")
    assert measure.units == 6 and measure.units_verified
    rkc = read_catalogue_file(PACKAGED / "rkc_general_annex.yaml")
    types = [i.type for g in rkc.groups for i in g.items]
    assert types.count("Standard") == 108 and types.count("Transitional Standard") == 13
    assert [g.id for g in rkc.groups][:3] == ["1", "2", "3"]


def test_without_the_data_set_the_error_says_where_to_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIQUAN_SHARED_DATA", str(tmp_path))
    reset_settings()
    with pytest.raises(CatalogueError, match="HAIQUAN_SHARED_DATA"):
        read_catalogue_file(PACKAGED / "wto_tfa.yaml")
    # the catalogues that need nothing from the data set stay available
    assert {c.id for c in list_catalogues()} == {"asean", "wco_safe"}


def test_overrides_must_name_real_items(tmp_path: Path) -> None:
    text = (PACKAGED / "wto_tfa.yaml").read_text().replace('"10.9":', '"99.9":')
    bad = tmp_path / "wto_tfa.yaml"
    bad.write_text(text)
    with pytest.raises(CatalogueError, match="99.9"):
        read_catalogue_file(bad)


def test_rkc_section_titles_read_information_not_lnformation() -> None:
    # The shared CSV has "lnformation" (lower-case L) in sections 9.1-9.7; it is fixed on read.
    rkc = read_catalogue_file(PACKAGED / "rkc_general_annex.yaml")
    titles = {i.id: i.title for g in rkc.groups for i in g.items}
    assert titles["9.1"] == "Information of general application"
    assert not any("lnformation" in t for t in titles.values())
