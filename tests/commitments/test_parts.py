"""Records on parts and paragraph ranges of an item, and an administration's item list."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from haiquan.commitments import (
    Catalogue,
    StatusRecord,
    implementation_rate,
    install_item_list,
    load_catalogue,
    state_on,
)
from haiquan.commitments._parts import Coverage, resolve
from haiquan.commitments.record_rules import check_record
from haiquan.errors import CatalogueError, DataFileError, ValidationError
from tests.commitments.conftest import HAND_TFA

D = dt.date
LAYOUT = {"1.1": ["1.1.1", "1.1.2"], "3": [], "7.7": ["7.7.1", "7.7.2", "7.7.3"]}


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("1.1", Coverage("1.1")),
        ("7.7.2", Coverage("7.7", ("7.7.2",))),
        ("7.7.1-7.7.2", Coverage("7.7", ("7.7.1", "7.7.2"))),
        ("7.7.1–7.7.3", Coverage("7.7", ("7.7.1", "7.7.2", "7.7.3"))),  # an en dash, as printed
        ("3.5-3.10", Coverage("3", paragraphs=(5, 10))),
        ("3.5-3.5", Coverage("3", paragraphs=(5, 5))),
        ("3.9", None),  # a single paragraph of an un-itemised item reads as a typo: refused
        ("7.7.3-7.7.1", None),  # backwards
        ("1.1.1-7.7.2", None),  # across items
        ("3.10-3.5", None),
        ("9.9", None),
    ],
)
def test_a_reference_resolves_to_what_it_covers(ref: str, expected: Coverage | None) -> None:
    assert resolve(ref, LAYOUT) == expected


def _with_parts() -> dict[str, Any]:
    """HAND_TFA with 1.2 (3 units) itemised as 1.2.1-1.2.3 and 3.1 left whole."""
    data = copy.deepcopy(HAND_TFA)
    data["groups"][0]["items"][1]["parts"] = ["1.2.1", "1.2.2", "1.2.3"]
    return data


@pytest.fixture
def parts_tfa(install_yaml: Callable[[dict[str, Any]], Catalogue]) -> Catalogue:
    return install_yaml(_with_parts())


def test_part_records_split_an_item_and_count_part_by_part(
    parts_tfa: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    records = [
        make_record("1.2", category="C", definitive_date=D(2030, 1, 1)),
        # A later notification moves 1.2.1-1.2.2 to B with an earlier date; 1.2.3 stays C.
        make_record("1.2.1-1.2.2", effective_date=D(2022, 5, 6), category="B",
                    definitive_date=D(2022, 3, 31)),
    ]
    state = state_on(parts_tfa, "VNM", D(2023, 1, 1), records=records)
    rows = state[state["item"] == "1.2"][["part", "share", "units", "category"]]
    assert rows.values.tolist() == [["1.2.1-1.2.2", 2 / 3, 2, "B"], ["1.2.3", 1 / 3, 1, "C"]]
    rate = implementation_rate(parts_tfa, "VNM", D(2023, 1, 1), records=records)
    # Every item has units (12 in all): 2 of 1.2's 3 units count from 2022-03-31.
    assert (rate.basis, rate.implemented, rate.total) == ("units", 2, 12)
    assert rate.counts["scheduled"] == 1
    # Before the addendum took effect the whole item is C, due 2030.
    early = implementation_rate(parts_tfa, "VNM", D(2022, 1, 1), records=records)
    assert early.implemented == 0 and early.counts["scheduled"] == 3


def test_a_later_whole_item_record_covers_every_part_again(
    parts_tfa: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    records = [
        make_record("1.2.3", effective_date=D(2020, 1, 1), category="C",
                    definitive_date=D(2030, 1, 1)),
        make_record("1.2", effective_date=D(2021, 1, 1), category="A"),
    ]
    state = state_on(parts_tfa, "VNM", D(2021, 6, 1), records=records)
    assert state[state["item"] == "1.2"]["part"].tolist() == [None]
    assert implementation_rate(parts_tfa, "VNM", D(2021, 6, 1), records=records).implemented == 3


@pytest.mark.parametrize(
    ("ref", "turned"), [("3.1.15-3.1.5", "3.1.5-3.1.15"), ("1.2.3-1.2.1", "1.2.1-1.2.3")]
)
def test_a_backwards_range_is_refused_with_the_range_turned_round(
    parts_tfa: Catalogue, make_record: Callable[..., StatusRecord], ref: str, turned: str
) -> None:
    with pytest.raises(ValidationError, match="runs backwards") as caught:
        check_record(make_record(ref, category="B", definitive_date=D(2030, 1, 1)), parts_tfa)
    assert f"write '{turned}'" in str(caught.value)


def test_a_part_the_item_does_not_list_is_refused(
    parts_tfa: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    with pytest.raises(ValidationError, match="no item '1.2.4'"):
        check_record(make_record("1.2.4", category="A"), parts_tfa)


def test_an_item_list_is_installed_and_counted(
    hand_tfa: Catalogue, make_record: Callable[..., StatusRecord], tmp_path: Path
) -> None:
    listing = tmp_path / "items.csv"
    listing.write_text("item,part\n2.2,2.2.1\n2.2,2.2.2\n2.2,2.2.3\n2.2,2.2.4\n")
    install_item_list("hand_tfa", listing)
    cat = load_catalogue("hand_tfa")
    assert cat.item("2.2").parts == ["2.2.1", "2.2.2", "2.2.3", "2.2.4"]
    assert cat.itemised() == ["2.2"]
    records = [make_record("2.2.4", category="A")]
    assert implementation_rate(cat, "VNM", D(2020, 1, 1), records=records).implemented == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("item,part\n9.9,9.9.1\n", "no such item"),
        ("item,part\n2.2,2.2.1\n2.2,2.2.1\n", "same part as row 2"),
        ("item,part\n2.2,1.1\n", "a part cannot be an item id"),
        ("measure,part\n2.2,x\n", "lacks columns"),
        ("item,part\n", "holds no rows"),
    ],
)
def test_a_bad_item_list_installs_nothing(
    hand_tfa: Catalogue, tmp_path: Path, text: str, message: str
) -> None:
    listing = tmp_path / "items.csv"
    listing.write_text(text)
    with pytest.raises(DataFileError, match=message):
        install_item_list("hand_tfa", listing)
    assert load_catalogue("hand_tfa").itemised() == []


def test_an_item_list_that_breaks_the_unit_total_is_refused(
    hand_tfa: Catalogue, tmp_path: Path
) -> None:
    # 2.2 holds 4 units; a list of 5 parts contradicts it.
    listing = tmp_path / "items.csv"
    listing.write_text("item,part\n" + "".join(f"2.2,2.2.{n}\n" for n in range(1, 6)))
    with pytest.raises(CatalogueError, match="does not fit"):
        install_item_list("hand_tfa", listing)
    assert load_catalogue("hand_tfa").itemised() == []
