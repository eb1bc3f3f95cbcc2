"""Deadlines: due soon, overdue, implementation periods, month arithmetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.commitments import Catalogue, StatusRecord, deadlines, load_records
from haiquan.commitments.deadlines import add_months
from haiquan.errors import InputError

D = dt.date


def test_due_and_overdue_relative_to_a_date(
    hand_tfa: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    load_records(
        [
            make_record("1.1", category="A"),
            make_record("1.2", category="B", definitive_date=D(2019, 6, 30), responsible_unit="IT"),
            make_record("2.1", category="C", indicative_date=D(2023, 3, 31), status="partially"),
            make_record("2.2", category="B", definitive_date=D(2024, 1, 1)),
            make_record("3.1", category="B", definitive_date=D(2020, 1, 1), status="implemented"),
        ],
        origin="test",
    )
    result = deadlines("hand_tfa", "VNM", D(2023, 1, 1), months=6)
    assert list(result["item"]) == ["1.2", "2.1"]
    overdue, due = result.iloc[0], result.iloc[1]
    assert (overdue["state"], overdue["status"], overdue["responsible_unit"]) == (
        "overdue",
        "unreported",
        "IT",
    )
    assert overdue["days_left"] == (D(2019, 6, 30) - D(2023, 1, 1)).days
    assert (due["state"], due["due_kind"], due["days_left"]) == ("due", "indicative date", 89)
    wider = deadlines("hand_tfa", "VNM", D(2023, 1, 1), months=12, include_overdue=False)
    assert list(wider["item"]) == ["2.1", "2.2"]


def test_rkc_implementation_periods_from_entry_into_force() -> None:
    result = deadlines("rkc_general_annex", "VNM", D(2014, 6, 1), months=12, in_force=D(2010, 1, 1))
    assert result["state"].value_counts().to_dict() == {"overdue": 108, "due": 13}
    assert set(result.loc[result["state"] == "overdue", "due"]) == {D(2013, 1, 1)}
    assert set(result.loc[result["state"] == "due", "due"]) == {D(2015, 1, 1)}
    load_records(
        [
            StatusRecord(
                catalogue="rkc_general_annex",
                item="3.1",
                country="VNM",
                effective_date="2012-05-01",
                status="implemented",
            )
        ],
        origin="test",
    )
    again = deadlines("rkc_general_annex", "VNM", D(2014, 6, 1), months=12, in_force=D(2010, 1, 1))
    assert (again["state"] == "overdue").sum() == 107


def test_without_an_entry_into_force_rkc_has_no_invented_deadline() -> None:
    assert len(deadlines("rkc_general_annex", "VNM", D(2014, 6, 1), months=12)) == 0


def test_asean_milestones_are_due_on_their_dates() -> None:
    result = deadlines("asean", "VNM", D(2023, 6, 1), months=7)
    due = result[result["state"] == "due"]
    assert list(due["item"]) == ["AAMRA.2", "AAMRA.3"]
    assert set(due["due_kind"]) == {"event"}  # a signing and a pilot ahead: listed as due


def test_past_region_wide_events_are_history_not_overdue() -> None:
    # The 1998 AFAFGIT signing and the ASW signings happened: no "overdue -10,206 days".
    result = deadlines("asean", "VNM", D(2026, 11, 25), months=6)
    assert not {"ACTS.1", "ASW.1", "ASW.2", "ASW.3", "ASW.5", "ACTS.4"} & set(result["item"])
    assert (result["due_kind"] != "event").all()
    # A target date that has passed without a report is still overdue.
    assert list(result["item"]) == ["AAMRA.4"]
    assert result.iloc[0]["state"] == "overdue" and result.iloc[0]["due_kind"] == "milestone"


def test_all_catalogues_by_default_for_the_home_country(
    make_record: Callable[..., StatusRecord],
) -> None:
    load_records(
        [
            StatusRecord(
                catalogue="wto_tfa",
                item="7.7",
                country="VNM",
                effective_date="2018-11-16",
                category="B",
                definitive_date="2023-12-31",
            )
        ],
        origin="test",
    )
    result = deadlines(on=D(2023, 9, 1), months=6)
    assert {"wto_tfa", "asean"} <= set(result["catalogue"])
    assert set(result["country"]) == {"VNM"}
    assert list(result["due"]) == sorted(result["due"])


def test_negative_months_are_refused() -> None:
    with pytest.raises(InputError, match="months must not be negative"):
        deadlines("wto_tfa", "VNM", D(2023, 1, 1), months=-1)


def test_months_far_beyond_the_calendar_are_refused_not_a_traceback() -> None:
    # `commitments deadlines --months 100000` used to end in "year 10360 is out of range".
    with pytest.raises(InputError, match="0 to 1200"):
        deadlines("wto_tfa", "VNM", D(2023, 1, 1), months=100_000)


@given(day=st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31)), months=st.integers(0, 240))
def test_add_months_moves_whole_months_and_clamps_to_month_end(day: dt.date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year - day.year) * 12 + moved.month - day.month == months
    assert moved.day == day.day or (moved.day < day.day and (moved + dt.timedelta(days=1)).day == 1)


def test_an_empty_rkc_list_says_why_and_a_sourced_party_gets_its_due_dates() -> None:
    from haiquan.commitments import load_catalogue
    from haiquan.commitments.deadlines import undated_reasons

    reasons = undated_reasons("rkc_general_annex", "VNM")
    assert len(reasons) == 1 and "no due dates for VNM" in reasons[0]
    assert "--in-force" in reasons[0]
    assert undated_reasons("rkc_general_annex", "VNM", in_force=D(2008, 4, 8)) == []
    # Lao PDR: in force 16 October 2016 (WCO), so Standards are due 36 months later.
    lao = load_catalogue("rkc_general_annex").parties["LAO"]
    assert (lao.in_force, lao.source) == (D(2016, 10, 16), "wco_lao_2016")
    assert undated_reasons("rkc_general_annex", "LAO") == []
    due = deadlines("rkc_general_annex", "LAO", D(2019, 10, 1), months=1)
    assert set(due["due"]) == {D(2019, 10, 16)} and len(due) == 108
    assert undated_reasons("wto_tfa", "VNM") == []
