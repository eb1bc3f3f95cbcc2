"""Viet Nam's known TFA notifications, read in place from ../shared/data, as example records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from haiquan.commitments import (
    implementation_rate,
    load_example,
    progress_by_group,
    state_on,
    status_history,
    tfa_notification_records,
)
from haiquan.errors import DataFileError, NotFoundError
from tests.conftest import require_shared

D = dt.date
CSV = "commitments/wto-tfa/vietnam_tfa_notifications.csv"


def _by_item(on: dt.date):  # noqa: ANN202 - a small local helper
    return state_on("wto_tfa", "VNM", on).set_index("item")


@pytest.fixture
def vietnam_loaded() -> None:
    require_shared(CSV)
    result = load_example("vietnam-tfa")
    assert result.rows > 0


def test_notifications_become_before_and_after_records() -> None:
    records = tfa_notification_records(require_shared(CSV))
    by_key = {(r.item, r.effective_date): r for r in records}
    before, after = by_key[("7.1", D(2018, 11, 16))], by_key[("7.1", D(2022, 5, 6))]
    assert (before.category, before.definitive_date) == ("C", D(2024, 12, 31))
    assert (after.category, after.definitive_date) == ("B", D(2022, 3, 31))
    ten_nine = by_key[("10.9", D(2022, 5, 6))]
    assert (ten_nine.category, ten_nine.indicative_date, ten_nine.definitive_date) == (
        "B",
        D(2023, 12, 31),
        D(2022, 3, 31),
    )
    seven_seven = by_key[("7.7", D(2018, 11, 16))]
    assert (seven_seven.category, seven_seven.definitive_date) == ("B", D(2023, 12, 31))
    # 10.8's new date was cut off in the source: the later record has no date rather than a guess.
    assert by_key[("10.8", D(2022, 5, 6))].definitive_date is None
    # Article 11's shifts cover paragraph ranges: each range has its own category, before and
    # after Add.1, and no record speaks for the whole measure.
    assert (by_key[("11.5-11.10", D(2018, 11, 16))].category,
            by_key[("11.5-11.10", D(2022, 5, 6))].category) == ("C", "B")
    assert by_key[("11.11-11.15", D(2022, 5, 6))].category == "B"
    assert not any(r.item == "11" for r in records)
    assert all(r.source for r in records)


def test_vietnam_state_is_reconstructed_before_and_after_the_addendum(vietnam_loaded: None) -> None:
    early, late = _by_item(D(2021, 12, 31)), _by_item(D(2022, 6, 1))
    assert (early.at["7.1", "category"], early.at["7.1", "definitive_date"]) == (
        "C",
        D(2024, 12, 31),
    )
    assert (late.at["7.1", "category"], late.at["7.1", "definitive_date"]) == ("B", D(2022, 3, 31))
    assert early.at["1.1", "effective_date"] is None
    assert late.at["11", "paragraph_records"] == (
        "11.11-11.15: B (from 2022-05-06); 11.5-11.10: B (from 2022-05-06)"
    )
    assert early.at["11", "paragraph_records"].startswith("11.11-11.15: C (from 2018-11-16)")


def test_vietnam_rates_on_known_dates(vietnam_loaded: None) -> None:
    # By hand from the CSV: before Add.1 no recorded item is due yet (dates 2022-12-31, 2023-12-31,
    # 2024-12-31); after it, 3, 7.1, 7.3, 7.9 and 10.9 count from 31 Mar 2022, 7.7 from 31 Dec 2023.
    on_2020 = implementation_rate("wto_tfa", "VNM", D(2020, 1, 1))
    assert on_2020.counts == {
        "implemented": 0,
        "scheduled": 7,
        "date_unknown": 0,
        "not_designated": 29,
    }
    on_2022 = implementation_rate("wto_tfa", "VNM", D(2022, 6, 1))
    assert on_2022.counts == {
        "implemented": 5,
        "scheduled": 1,
        "date_unknown": 1,
        "not_designated": 29,
    }
    # Article 11 is not itemised: its paragraph records are shown, the measure counted whole.
    assert on_2022.counted_whole == ["11"]
    assert "11: paragraph records are shown" in (on_2022.note or "")
    on_2024 = implementation_rate("wto_tfa", "VNM", D(2024, 1, 1))
    assert (on_2024.implemented, on_2024.total, on_2024.member_type) == (6, 36, "developing")
    article_7 = progress_by_group("wto_tfa", "VNM", D(2024, 1, 1)).set_index("group").loc["7"]
    assert (article_7["implemented"], article_7["total"]) == (4, 9)


def test_loading_the_example_twice_stores_it_once(vietnam_loaded: None) -> None:
    count = len(status_history())
    again = load_example("vietnam-tfa")
    assert again.already_loaded and len(status_history()) == count


def test_asean_example_counts_viet_nams_own_tasks_not_the_regions_events() -> None:
    result = load_example("vietnam-asean")
    assert result.rows == 18
    rate = implementation_rate("asean", "VNM", D(2024, 6, 1))
    # 10 tasks (12 events are context): e-Form D with all nine partners (1), ACDD with 5 of 9
    # partners (5/9), ACTS live (1), AHTN 2022 (1); e-Phyto and the AAMRA validation not yet.
    assert rate.total == 10
    assert rate.counts["implemented"] == pytest.approx(3 + 5 / 9)
    assert rate.counts["not_yet"] == 2
    assert "12 region-wide event(s) are shown as context" in (rate.note or "")
    # Before the November 2023 record, e-Form D counted the four partners live since 2018.
    early = state_on("asean", "VNM", D(2023, 1, 1)).set_index(["item", "part"], drop=False)
    formd = early[early["item"] == "ASW.FORMD"]
    assert formd[formd["status"] == "implemented"]["part"].tolist() == [
        "ASW.FORMD.IDN", "ASW.FORMD.MYS", "ASW.FORMD.SGP", "ASW.FORMD.THA",
    ]


def test_unknown_example_is_refused() -> None:
    with pytest.raises(NotFoundError, match="vietnam-tfa"):
        load_example("vietnam-safe")


def test_a_notification_file_without_its_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("date,detail\n2018-11-16,x\n")
    with pytest.raises(DataFileError, match="lacks columns"):
        tfa_notification_records(path)


def test_a_notification_file_without_the_base_notification_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        "date,document,event,provision,detail,source\n"
        "2022-05-06,G/TFA/N/VNM/1/Add.1,category_shift,7.1,C -> B,somewhere\n"
    )
    with pytest.raises(DataFileError, match="G/TFA/N/VNM/1"):
        tfa_notification_records(path)
