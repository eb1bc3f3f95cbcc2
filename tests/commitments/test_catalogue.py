"""Catalogues: the packaged ones match their sources, every kind of bad file is refused."""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.commitments import (
    Catalogue,
    catalogue_items,
    install_catalogue,
    list_catalogues,
    load_catalogue,
    read_catalogue_file,
)
from haiquan.commitments.catalogue import user_catalogue_dir
from haiquan.errors import CatalogueError, NotFoundError
from tests.conftest import require_shared

HERE = Path(__file__).resolve().parent
BAD = sorted((HERE / "bad_catalogues").glob("*.yaml"))


def test_packaged_catalogues_all_load() -> None:
    ids = {c.id for c in list_catalogues()}
    assert {"wto_tfa", "rkc_general_annex", "wco_safe", "asean"} <= ids


def test_tfa_catalogue_matches_the_shared_measure_list() -> None:
    path = require_shared("commitments/wto-tfa/tfa_section1_measures.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    tfa = load_catalogue("wto_tfa")
    items = catalogue_items(tfa)
    assert len(tfa.groups) == 12
    assert list(items["item"]) == [r["measure"] for r in rows]
    assert list(items["title"]) == [r["measure_title"] for r in rows]
    assert list(items["group"]) == [r["article"] for r in rows]
    assert [g.title for g in tfa.groups] == list(dict.fromkeys(r["article_title"] for r in rows))
    assert tfa.total_units == 238


def test_tfa_item_counts_are_only_those_a_source_gives() -> None:
    tfa = load_catalogue("wto_tfa")
    counted = {i.id: i.units for i in tfa.items() if i.units is not None}
    assert counted == {"7.7": 6, "10.9": 4}
    assert all(tfa.item(i).units_verified and tfa.item(i).units_source for i in counted)
    assert not tfa.units_complete


def test_rkc_catalogue_matches_the_shared_provisions() -> None:
    path = require_shared("commitments/rkc-general-annex/rkc_general_annex_provisions.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rkc = load_catalogue("rkc_general_annex")
    items = catalogue_items(rkc)
    assert len(rkc.groups) == 10
    assert Counter(items["type"]) == {"Standard": 108, "Transitional Standard": 13}
    assert [(r["provision"], r["type"]) for r in rows] == list(
        zip(items["item"], items["type"], strict=True)
    )
    assert rkc.implementation_periods is not None
    assert rkc.implementation_periods.months_by_type == {
        "Standard": 36,
        "Transitional Standard": 60,
    }
    assert rkc.units_complete  # 121 items, one unit each, equal to total_units


def test_safe_catalogue_holds_29_numbered_standards_but_invents_no_title() -> None:
    # More in test_official.py: 11 / 6 / 12 standards, 79 contents, every title unsourced.
    safe = load_catalogue("wco_safe")
    assert [g.id for g in safe.groups] == ["I", "II", "III"]
    assert safe.items()[5].id == "I.6" and "title not in our sources" in safe.items()[5].title


def test_asean_milestones_each_have_a_known_source() -> None:
    asean = load_catalogue("asean")
    assert [g.id for g in asean.groups] == ["ASW", "ACTS", "AHTN", "AAMRA"]
    ids = {s.id for s in asean.sources}
    assert all(item.source in ids for item in asean.items())


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_each_bad_catalogue_is_refused_with_its_reason(path: Path) -> None:
    expected = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(CatalogueError) as caught:
        read_catalogue_file(path)
    message = str(caught.value)
    assert expected in message
    assert "to fix:" in message
    assert caught.value.status == 422


def test_the_reference_file_of_the_bad_catalogues_is_itself_valid() -> None:
    assert read_catalogue_file(HERE / "tiny_catalogue.yaml").id == "tiny"


def test_install_replaces_a_packaged_catalogue_and_bad_files_install_nothing(
    tmp_path: Path,
) -> None:
    text = (
        (HERE / "tiny_catalogue.yaml")
        .read_text(encoding="utf-8")
        .replace("id: tiny", "id: wco_safe")
    )
    mine = tmp_path / "my_safe.yaml"
    mine.write_text(text, encoding="utf-8")
    installed = install_catalogue(mine)
    assert installed.id == "wco_safe"
    assert len(load_catalogue("wco_safe").items()) == 2
    before = sorted(user_catalogue_dir().iterdir())
    with pytest.raises(CatalogueError):
        install_catalogue(HERE / "bad_catalogues" / "duplicate_item.yaml")
    assert sorted(user_catalogue_dir().iterdir()) == before


def test_a_file_whose_id_differs_from_its_name_is_refused(tmp_path: Path) -> None:
    folder = user_catalogue_dir()
    folder.mkdir(parents=True)
    (folder / "other.yaml").write_text(
        (HERE / "tiny_catalogue.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="declares id 'tiny'"):
        load_catalogue("other")


def test_unknown_catalogue_names_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match="wto_tfa"):
        load_catalogue("wto_tfx")


def test_unknown_item_names_how_to_list_items() -> None:
    with pytest.raises(NotFoundError, match="haiquan commitments show wto_tfa"):
        load_catalogue("wto_tfa").item("13.1")


_ids = st.text(alphabet="0123456789.", min_size=1, max_size=6)
_titles = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s != "")


@st.composite
def catalogues(draw: st.DrawFn) -> Catalogue:
    item_ids = draw(st.lists(_ids, min_size=1, max_size=8, unique=True))
    units = draw(
        st.lists(
            st.one_of(st.none(), st.integers(1, 9)), min_size=len(item_ids), max_size=len(item_ids)
        )
    )
    cut = draw(st.integers(0, len(item_ids)))
    groups = [item_ids[:cut], item_ids[cut:]]
    return Catalogue.model_validate(
        {
            "schema_version": 1,
            "id": "generated",
            "title": draw(_titles),
            "owner": draw(_titles),
            "method": "status_share",
            "valid_from": draw(st.dates()),
            "sources": [{"id": "s", "title": draw(_titles)}],
            "groups": [
                {
                    "id": f"G{n}",
                    "title": draw(_titles),
                    "items": [
                        {
                            "id": i,
                            "title": draw(_titles),
                            "type": "standard",
                            "source": "s",
                            "units": units[item_ids.index(i)],
                        }
                        for i in ids
                    ],
                }
                for n, ids in enumerate(groups)
            ],
        }
    )


@settings(max_examples=40, deadline=None)
@given(catalogue=catalogues())
def test_catalogue_written_as_yaml_reads_back_the_same(catalogue: Catalogue) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.yaml"
        data = catalogue.model_dump(mode="json", exclude_defaults=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        assert read_catalogue_file(path) == catalogue
