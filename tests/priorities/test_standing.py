"""Strategic standing from the dated, sourced partnerships: the day each framework counts from."""

from __future__ import annotations

import datetime as dt

import pytest

from haiquan.priorities.standing import Partnership, partner_standing, partnerships


@pytest.mark.parametrize(("partner", "announced"), [
    # Jakarta talks of To Lam and Prabowo Subianto, Monday 10 March 2025 (Viet Nam News, SGGP).
    ("IDN", dt.date(2025, 3, 10)),
    # Joint press conference of To Lam and Anwar Ibrahim, 21 November 2024 (Viet Nam News).
    ("MYS", dt.date(2024, 11, 21)),
    # Seoul summit of Yoon Suk-yeol and Nguyen Xuan Phuc, 5 December 2022 (Yonhap).
    ("KOR", dt.date(2022, 12, 5)),
    # Hanoi talks of Narendra Modi and Nguyen Xuan Phuc, 3 September 2016 (IANS, VNA).
    ("IND", dt.date(2016, 9, 3)),
])
def test_a_partnership_counts_from_the_day_it_was_announced(
        partner: str, announced: dt.date) -> None:
    before = partner_standing("VNM", [partner], announced - dt.timedelta(days=1))
    on_the_day = partner_standing("VNM", [partner], announced)
    assert before["strategic_since"].isna().all()
    assert str(on_the_day["strategic_since"].iloc[0]) == announced.isoformat()


def test_every_partnership_cites_a_link_and_a_day_only_when_the_source_gives_one() -> None:
    for entry in partnerships():
        assert "http" in entry.source, entry.partner
        if entry.precision == "month":
            assert (entry.since + dt.timedelta(days=1)).day == 1, entry.partner
        if entry.precision == "year":
            assert (entry.since.month, entry.since.day) == (12, 31), entry.partner


def test_a_partnership_counts_for_both_of_its_parties() -> None:
    # Recorded from Vietnam's side; declared jointly, so Thailand's standing with Vietnam holds
    # it too when Thailand is the home country.
    before = partner_standing("THA", ["VNM", "USA"], dt.date(2025, 5, 15)).set_index("partner")
    after = partner_standing("THA", ["VNM", "USA"], dt.date(2025, 5, 16)).set_index("partner")
    assert before.loc["VNM", "strategic_since"] is None
    assert str(after.loc["VNM", "strategic_since"]) == "2025-05-16"
    assert after.loc["VNM", "standing"] == before.loc["VNM", "standing"] + 1
    assert after.loc["USA", "strategic_since"] is None


def test_the_aeo_evidence_names_the_arrangement_in_words() -> None:
    # The driver a department head reads: the arrangement's name, not only its id.
    row = partner_standing("VNM", ["CHN"], dt.date(2026, 1, 1)).iloc[0]
    assert row["aeo_programme"].startswith("runs an AEO programme: party to the ")
    assert "China-Thailand Mutual Recognition Arrangement" in row["aeo_programme"]


def test_a_partnership_is_shown_as_precisely_as_its_source_gives_it() -> None:
    # China: the source gives the month only; printing 2008-05-31 would state a day no source
    # gives. Indonesia: the day. A source giving the year alone: the year.
    rows = partner_standing("VNM", ["CHN", "IDN"], dt.date(2026, 1, 1)).set_index("partner")
    assert rows["strategic_since_text"].to_dict() == {"CHN": "May 2008", "IDN": "2025-03-10"}
    yearly = Partnership(home="VNM", partner="IND", level="comprehensive_strategic",
                         since=dt.date(2016, 12, 31), precision="year",
                         source="a source naming the year only")
    assert yearly.since_text == "2016"
