"""Official figures beside computed rates, and the SAFE catalogue's 29 standards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from haiquan.commitments import (
    Catalogue,
    StatusRecord,
    implementation_rate,
    load_catalogue,
    official_figures,
    progress_by_group,
)
from haiquan.commitments.official import user_figures_file
from haiquan.errors import CatalogueError

D = dt.date


def test_the_safe_catalogue_has_29_standards_in_three_pillars_none_with_an_invented_title() -> None:
    safe = load_catalogue("wco_safe")
    assert [len(g.items) for g in safe.groups] == [11, 6, 12]
    assert safe.total_units == 79 and safe.unit_label == "content"
    assert all("title not in our sources" in i.title and not i.verified for i in safe.items())
    assert all(i.source == "vcn_safe_2023" for i in safe.items())


def test_vietnams_published_safe_figures_sit_beside_the_computed_rate() -> None:
    records = [
        StatusRecord(catalogue="wco_safe", item=f"I.{n}", country="VNM",
                     effective_date=D(2023, 6, 1), status="implemented")
        for n in range(1, 5)
    ]
    rate = implementation_rate("wco_safe", "VNM", D(2023, 12, 31), records=records)
    assert rate.percent == round(100 * 4 / 29, 1)
    by_id = {c.figure.id: c for c in rate.official}
    standards = by_id["vnm_safe_standards_2023"]
    assert (standards.official_percent, standards.computed_percent) == (44.8, 13.8)
    assert standards.difference_points == -31.0
    assert "25 of 29 standards have no record here" in " ".join(standards.reasons)
    assert "the published counts add up to 28 of 29 standards" in standards.reasons
    contents = by_id["vnm_safe_contents_2023"]
    assert contents.official_percent == 29.1
    assert contents.reasons[0] == (
        "the official figure counts contents, the computed rate counts standards"
    )
    # Newest first: the 2024 figure (2 of 29) before the 2023 ones.
    assert rate.official[0].figure.id == "vnm_safe_standards_2024"
    assert implementation_rate("wco_safe", "THA", D(2023, 12, 31), records=records).official == []


def test_safe_progress_rolls_up_to_pillars() -> None:
    records = [
        StatusRecord(catalogue="wco_safe", item="II.1", country="VNM",
                     effective_date=D(2023, 6, 1), status="implemented"),
        StatusRecord(catalogue="wco_safe", item="II.2", country="VNM",
                     effective_date=D(2023, 6, 1), status="partially"),
    ]
    pillars = progress_by_group("wco_safe", "VNM", D(2024, 1, 1), records=records)
    two = pillars.set_index("group").loc["II"]
    assert two[["implemented", "partially", "no_record", "total"]].tolist() == [1, 1, 4, 6]


def test_an_administration_adds_its_own_official_figure() -> None:
    path = user_figures_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "schema_version: 1\n"
        "sources: [{id: gdvc, title: 'GDVC annual report (test)'}]\n"
        "figures:\n"
        "  - {id: vnm_tfa, catalogue: wto_tfa, country: VN, level: measure, as_of: 2024-12-31,"
        " percent: 94.5, source: gdvc}\n"
    )
    figures = official_figures("wto_tfa", "VNM")
    assert [(f.id, f.official_percent) for f, _ in figures] == [("vnm_tfa", 94.5)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema_version: 1\nfigures: [{id: x, catalogue: wco_safe, country: VNM, level: standard,"
         " as_of: 2024-01-01, source: nowhere, percent: 5}]\n", "unknown source"),
        ("schema_version: 1\nsources: [{id: s, title: t}]\nfigures: [{id: x, catalogue: wco_safe,"
         " country: VNM, level: standard, as_of: 2024-01-01, source: s}]\n",
         "implemented and total"),
        ("schema_version: 1\nsources: [{id: s, title: t}]\nfigures: [{id: x, catalogue: wco_safe,"
         " country: VNM, level: standard, as_of: 2024-01-01, source: s, implemented: 20,"
         " partially: 20, total: 29}]\n", "over 29"),
    ],
)
def test_a_bad_figures_file_is_refused(text: str, message: str) -> None:
    path = user_figures_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    with pytest.raises(CatalogueError, match=message):
        official_figures()


def test_a_catalogue_without_published_figures_has_none(hand_safe: Catalogue) -> None:
    # A catalogue without published figures has none beside its rate.
    rate = implementation_rate(hand_safe, "VNM", D(2024, 1, 1), records=[])
    assert rate.official == []


def test_safe_contents_roll_up_to_standards_and_pillars(tmp_path: Path) -> None:
    from haiquan.commitments import install_item_list, progress_by_item

    # An administration installs the contents it holds for two standards (ids are its own).
    listing = tmp_path / "contents.csv"
    listing.write_text("item,part\nI.6,I.6.1\nI.6,I.6.2\nI.6,I.6.3\nII.1,II.1.1\nII.1,II.1.2\n")
    install_item_list("wco_safe", listing)
    records = [
        StatusRecord(catalogue="wco_safe", item=ref, country="VNM",
                     effective_date=D(2023, 6, 1), status=status)
        for ref, status in [("I.6.1-I.6.2", "implemented"), ("I.6.3", "partially"),
                            ("II.1", "implemented"), ("I.7", "not_yet")]
    ]
    by_item = progress_by_item("wco_safe", "VNM", D(2024, 1, 1), records=records)
    status = dict(zip(by_item["item"], by_item["status"], strict=True))
    assert (status["I.6"], status["II.1"], status["I.7"], status["I.1"]) == (
        "partially", "implemented", "not_yet", "no_record"
    )
    six = by_item.set_index("item").loc["I.6"]
    assert (six["parts"], six["implemented"], six["partially"]) == (3, 2 / 3, 1 / 3)
    # Pillars weight contents as shares of their standard: Pillar I holds 2/3 of a standard
    # implemented (I.6), Pillar II one whole standard (II.1, both contents).
    pillars = progress_by_group("wco_safe", "VNM", D(2024, 1, 1), records=records)
    implemented = dict(zip(pillars["group"], pillars["implemented"], strict=True))
    assert implemented["I"] == pytest.approx(2 / 3) and implemented["II"] == 1
