"""Rates: the TFA Database arithmetic on hand-made cases, status shares, Viet Nam's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.commitments import (
    Catalogue,
    StatusRecord,
    implementation_rate,
    load_records,
    progress_by_group,
    rate_timeline,
    rates_by_country,
)
from tests.commitments.conftest import HAND_TFA

D = dt.date


@pytest.fixture
def hand_records(make_record: Callable[..., StatusRecord]) -> list[StatusRecord]:
    """Units: 1.1=2 (A), 1.2=3 (B, 30 Jun 2019), 2.1=1 (C, indicative 2021 then definitive
    31 Mar 2023 from 22 Aug 2019), 2.2=4 (B, no date), 3.1=2 (nothing recorded)."""
    return [
        make_record("1.1", category="A"),
        make_record(
            "1.2", category="B", indicative_date=D(2018, 12, 31), definitive_date=D(2019, 6, 30)
        ),
        make_record("2.1", category="C", indicative_date=D(2021, 1, 1)),
        make_record(
            "2.1",
            effective_date=D(2019, 8, 22),
            category="C",
            indicative_date=D(2021, 1, 1),
            definitive_date=D(2023, 3, 31),
        ),
        make_record("2.2", category="B"),
    ]


@pytest.mark.parametrize(
    ("on", "implemented"),
    [
        (D(2017, 2, 21), 0),  # before entry into force nothing counts, not even category A
        (D(2017, 2, 22), 2),  # category A from entry into force
        (D(2019, 6, 29), 2),
        (D(2019, 6, 30), 5),  # B counts from its definitive date, not the earlier indicative
        (D(2019, 8, 21), 5),
        (D(2021, 6, 1), 5),  # 2.1's indicative date passed, but its definitive date rules
        (D(2023, 3, 31), 6),
        (D(2040, 1, 1), 6),  # 2.2 (B, no date) and 3.1 (not designated) never count
    ],
)
def test_tfa_rate_counts_units_as_the_tfad_does(
    hand_tfa: Catalogue, hand_records: list[StatusRecord], on: dt.date, implemented: int
) -> None:
    rate = implementation_rate(hand_tfa, "VNM", on, records=hand_records)
    assert rate.basis == "units"
    assert (rate.implemented, rate.total) == (implemented, 12)
    assert rate.rate == pytest.approx(implemented / 12)


def test_tfa_classes_and_shares_on_a_date(
    hand_tfa: Catalogue, hand_records: list[StatusRecord]
) -> None:
    rate = implementation_rate(hand_tfa, "VNM", D(2021, 6, 1), records=hand_records)
    assert rate.counts == {"implemented": 5, "scheduled": 1, "date_unknown": 4, "not_designated": 2}
    assert sum(rate.shares.values()) == pytest.approx(1.0)
    assert rate.percent == 41.7
    assert "developing assumed" in (rate.note or "")


def test_indicative_date_counts_when_no_definitive_date_yet(
    hand_tfa: Catalogue, hand_records: list[StatusRecord]
) -> None:
    # On 1 Jul 2021, state as of 1 Jan 2019 would have counted 2.1 from its indicative date; the
    # later record (22 Aug 2019) gave a definitive date. Using only records known before then:
    only_first = [r for r in hand_records if r.effective_date < D(2019, 8, 22)]
    rate = implementation_rate(hand_tfa, "VNM", D(2021, 7, 1), records=only_first)
    assert rate.implemented == 6


@pytest.mark.parametrize(
    ("member_type", "on", "implemented"),
    [
        ("ldc", D(2018, 2, 21), 0),  # LDCs: category A from 22 Feb 2018
        ("ldc", D(2018, 2, 22), 2),
        ("developed", D(2017, 2, 22), 12),  # developed Members: everything from entry into force
        ("developed", D(2017, 2, 21), 0),
    ],
)
def test_member_types_follow_the_tfad_rules(
    hand_tfa: Catalogue,
    hand_records: list[StatusRecord],
    member_type: str,
    on: dt.date,
    implemented: int,
) -> None:
    rate = implementation_rate(hand_tfa, "VNM", on, member_type=member_type, records=hand_records)  # type: ignore[arg-type]
    assert rate.implemented == implemented


def test_progress_by_article(hand_tfa: Catalogue, hand_records: list[StatusRecord]) -> None:
    groups = progress_by_group(hand_tfa, "VNM", D(2021, 6, 1), records=hand_records).set_index(
        "group"
    )
    assert list(groups["total"]) == [5, 5, 2]
    assert list(groups["implemented"]) == [5, 0, 0]
    assert list(groups["scheduled"]) == [0, 1, 0]
    assert list(groups["rate"]) == [1.0, 0.0, 0.0]
    assert groups["total"].sum() == 12


def test_stored_history_gives_the_same_rate_as_records_in_memory(
    hand_tfa: Catalogue, hand_records: list[StatusRecord]
) -> None:
    load_records(hand_records, origin="test")
    for on in (D(2017, 2, 22), D(2019, 6, 30), D(2023, 3, 31)):
        stored = implementation_rate(hand_tfa, "VNM", on)
        memory = implementation_rate(hand_tfa, "VNM", on, records=hand_records)
        assert stored == memory


def test_timeline_steps_where_commitments_fall_and_projects_ahead(
    hand_tfa: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    future = dt.date.today() + dt.timedelta(days=400)
    records = [
        make_record("1.1", category="A"),
        make_record("1.2", category="B", definitive_date=future),
    ]
    timeline = rate_timeline(hand_tfa, "VNM", records=records).set_index("date")
    assert timeline.at[D(2017, 2, 22), "implemented"] == 2
    assert timeline.at[future, "implemented"] == 5
    assert bool(timeline.at[future, "projected"])
    assert not bool(timeline.at[D(2018, 2, 22), "projected"])
    assert list(timeline["implemented"]) == sorted(timeline["implemented"])


def test_status_share_counts_and_history(
    hand_safe: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    def rec(item: str, status: str, year: int = 2021) -> StatusRecord:
        return make_record(item, catalogue="hand_safe", effective_date=D(year, 7, 1), status=status)

    records = [
        rec("1.1", "implemented"),
        rec("1.2", "implemented"),
        rec("2.1", "implemented"),
        rec("1.3", "not_yet", 2020),
        rec("1.3", "partially", 2022),
        rec("2.2", "not_yet"),
    ]
    now = implementation_rate(hand_safe, "VNM", D(2023, 1, 1), records=records)
    assert now.counts == {"implemented": 3, "partially": 1, "not_yet": 1, "no_record": 1}
    assert now.rate == 0.5
    assert now.basis == "items" and now.member_type is None
    before = implementation_rate(hand_safe, "VNM", D(2021, 12, 31), records=records)
    assert before.counts == {"implemented": 3, "partially": 0, "not_yet": 2, "no_record": 1}
    groups = progress_by_group(hand_safe, "VNM", D(2023, 1, 1), records=records).set_index("group")
    assert groups.loc["P1", ["implemented", "partially", "not_yet"]].tolist() == [2, 1, 0]
    assert groups.at["P3", "no_record"] == 1


def test_rkc_counts_each_standard_as_one_unit() -> None:
    records = [
        StatusRecord(
            catalogue="rkc_general_annex",
            item=i,
            country="VNM",
            effective_date="2014-01-01",
            status="implemented",
        )
        for i in ("1.1", "1.2", "3.1")
    ]
    rate = implementation_rate("rkc_general_annex", "VNM", D(2020, 1, 1), records=records)
    assert (rate.basis, rate.implemented, rate.total, rate.unit_label) == (
        "units",
        3,
        121,
        "standard",
    )


def test_shipped_tfa_catalogue_says_its_rate_is_per_measure() -> None:
    rate = implementation_rate("wto_tfa", "VNM", D(2020, 1, 1), records=[])
    assert rate.basis == "items" and rate.total == 36
    assert "not the owner's 238" in (rate.note or "")


@settings(max_examples=40, deadline=None)
@given(
    starts=st.lists(
        st.one_of(st.none(), st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31))),
        min_size=5,
        max_size=5,
    ),
    on=st.dates(min_value=D(2015, 1, 1), max_value=D(2031, 12, 31)),
)
def test_rate_equals_units_whose_date_has_come(starts: list[dt.date | None], on: dt.date) -> None:
    # An independent restatement of the TFAD rule for B items: a unit counts once its date and
    # the entry into force have both come; B items without a date are "date unknown".
    entry_into_force = D(2017, 2, 22)
    units = {"1.1": 2, "1.2": 3, "2.1": 1, "2.2": 4, "3.1": 2}
    records = [
        StatusRecord(
            catalogue="hand_tfa",
            item=item,
            country="VNM",
            effective_date=D(2015, 1, 1),
            category="B",
            definitive_date=start,
        )
        for item, start in zip(units, starts, strict=True)
    ]
    catalogue = Catalogue.model_validate(HAND_TFA)
    pairs = list(zip(units.values(), starts, strict=True))
    rate = implementation_rate(catalogue, "VNM", on, records=records)
    assert rate.implemented == sum(
        u for u, start in pairs if start is not None and max(start, entry_into_force) <= on
    )
    assert rate.counts["date_unknown"] == sum(u for u, start in pairs if start is None)
    assert rate.total == 12


def test_rates_by_country_compares_members_from_one_read(
    make_record: Callable[..., StatusRecord],
) -> None:
    def tfa(item: str, country: str, **kw: object) -> StatusRecord:
        return make_record(item, catalogue="wto_tfa", country=country, **kw)

    load_records(
        [
            tfa("1.1", "VNM", category="A"),
            tfa("1.2", "VNM", category="B", definitive_date=D(2019, 1, 1)),
            tfa("1.1", "KHM", category="A"),
        ],
        origin="test",
    )
    before_ldc_date = rates_by_country("wto_tfa", ["VNM", "KH"], D(2018, 1, 1)).set_index("country")
    assert before_ldc_date.loc["VNM", "implemented"] == 1
    # Cambodia is an LDC (the catalogue's parties hold the UN list): A counts from 22 Feb 2018.
    assert before_ldc_date.loc["KHM", "implemented"] == 0
    assert before_ldc_date.loc["KHM", "member_type"] == "ldc"
    ldc = rates_by_country("wto_tfa", ["VNM", "KHM"], D(2019, 6, 1)).set_index("country")
    assert ldc.loc["VNM", "implemented"] == 2 and ldc.loc["VNM", "total"] == 36
    members = rates_by_country("wto_tfa", on=D(2020, 1, 1))
    assert len(members) == 10 and "SGP" in set(members["country"])
    # a 0 % of a country with nothing recorded must be told from a measured one
    counted = members.set_index("country")["records"]
    assert counted["VNM"] == 2 and counted["KHM"] == 1 and counted["SGP"] == 0
    assert before_ldc_date.loc["VNM", "records"] == 2
    # records count from their effective date (22 Feb 2017 here)
    early = rates_by_country("wto_tfa", ["VNM"], D(2017, 2, 21)).set_index("country")
    assert early.loc["VNM", "records"] == 0


@pytest.mark.parametrize("on", [D(1900, 1, 1), D(2017, 2, 21)])
def test_a_tfa_rate_before_entry_into_force_says_it_is_nil_by_definition(on: dt.date) -> None:
    # A category A item notified before entry into force (as early notifications were): on a
    # date before 22 Feb 2017 nothing counts, and the rate must say why rather than print 0 %.
    early = StatusRecord(
        catalogue="hand_tfa", item="1.1", country="VNM", effective_date=D(2014, 7, 1),
        category="A",
    )
    rate = implementation_rate(Catalogue.model_validate(HAND_TFA), "VNM", on, records=[early])
    assert rate.implemented == 0
    assert f"{on} is before the agreement entered into force (2017-02-22" in (rate.note or "")
    assert "nil by definition" in (rate.note or "")
    after = implementation_rate(Catalogue.model_validate(HAND_TFA), "VNM", D(2017, 2, 22),
                                records=[early])
    assert after.implemented == 2 and "entered into force" not in (after.note or "")


def test_a_tfa_rate_before_the_partys_own_entry_into_force_says_so() -> None:
    data = {
        **HAND_TFA,
        "parties": {"KHM": {"member_type": "ldc", "in_force": "2019-01-10", "source": "src"}},
    }
    rate = implementation_rate(Catalogue.model_validate(data), "KHM", D(2018, 6, 1), records=[])
    assert "before the agreement entered into force for KHM (2019-01-10)" in (rate.note or "")


def test_a_status_share_rate_outside_the_editions_life_says_so() -> None:
    from tests.commitments.conftest import HAND_SAFE

    cat = Catalogue.model_validate({**HAND_SAFE, "valid_to": "2024-12-31"})
    before = implementation_rate(cat, "VNM", D(2020, 1, 1), records=[])
    assert "before the catalogue's edition took effect (2021-06-01" in (before.note or "")
    after = implementation_rate(cat, "VNM", D(2025, 6, 1), records=[])
    assert "after the catalogue's edition ended (2024-12-31" in (after.note or "")
    assert implementation_rate(cat, "VNM", D(2023, 1, 1), records=[]).note is None


def test_a_rate_of_a_catalogue_without_items_says_there_is_nothing_to_count(
    empty_catalogue: Catalogue,
) -> None:
    # A catalogue listing its pillars only: "0 % of 0" must not read as measured.
    rate = implementation_rate(empty_catalogue, "VNM", D(2024, 1, 1), records=[])
    assert rate.total == 0
    assert "lists no standards yet, so there is nothing to count" in (rate.note or "")


@pytest.mark.parametrize(("countries", "on"), [([], D(2020, 1, 1)), (None, D(1900, 1, 1))])
def test_comparing_no_countries_is_refused_rather_than_an_empty_table(
    countries: list[str] | None, on: dt.date
) -> None:
    from haiquan.errors import InputError

    with pytest.raises(InputError, match="no countries to compare") as caught:
        rates_by_country("wto_tfa", countries, on, records=[])
    assert caught.value.fix and "--countries VNM,THA" in caught.value.fix


def test_the_default_comparison_holds_a_home_outside_asean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Japanese administration comparing rates saw the ASEAN members only, never Japan.
    from haiquan.settings import reset_settings

    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "JPN")
    reset_settings()
    countries = rates_by_country("wto_tfa", on=D(2020, 1, 1))["country"].tolist()
    assert countries[-1] == "JPN" and len(countries) == 11 and "SGP" in countries
    monkeypatch.setenv("HAIQUAN_HOME_COUNTRY", "THA")
    reset_settings()
    countries = rates_by_country("wto_tfa", on=D(2020, 1, 1))["country"].tolist()
    assert countries.count("THA") == 1 and len(countries) == 10


def test_compare_counts_the_un_ldcs_as_ldcs_and_takes_a_member_type_per_country() -> None:
    on = D(2017, 6, 1)
    records = [
        StatusRecord(catalogue="wto_tfa", item="1.1", country=code, effective_date=D(2017, 2, 22),
                     category="A")
        for code in ("KHM", "LAO", "MMR", "TLS", "VNM")
    ]
    frame = rates_by_country("wto_tfa", ["KHM", "LAO", "MMR", "TLS", "VNM"], on,
                             records=records).set_index("country")
    assert frame["member_type"].to_dict() == {
        "KHM": "ldc", "LAO": "ldc", "MMR": "ldc", "TLS": "ldc", "VNM": "developing",
    }
    # An LDC's category A counts from 22 Feb 2018; a developing Member's from 22 Feb 2017.
    assert frame.loc["KHM", "implemented"] == 0 and frame.loc["VNM", "implemented"] == 1
    given = rates_by_country("wto_tfa", ["VNM"], on, records=records,
                             member_types={"vn": "ldc"}).set_index("country")
    assert given.loc["VNM", "member_type"] == "ldc" and given.loc["VNM", "implemented"] == 0
    note = implementation_rate("wto_tfa", "TLS", on, records=records).note or ""
    assert "Timor-Leste's WTO accession and TFA acceptance dates are not in our sources" in note
