"""The append-only history: reconstruction on any date, corrections, loads, round trips."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticValidationError

from haiquan.commitments import (
    Catalogue,
    StatusRecord,
    load_records,
    load_status_file,
    read_status_file,
    record_status,
    state_on,
    status_history,
)
from haiquan.commitments.records import EARLIEST_DATE, LATEST_DATE, RECORD_COLUMNS
from haiquan.settings import get_settings

T0 = dt.datetime(2024, 1, 10, 9, 0)


def _status(catalogue: Catalogue | str, item: str, on: dt.date, **kw: object) -> object:
    state = state_on(catalogue, "VNM", on, **kw)  # type: ignore[arg-type]
    return state.set_index("item").at[item, "status"]


def test_state_on_any_past_date_is_the_latest_effective_record(
    hand_safe: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    history = [
        make_record(
            "1.1", catalogue="hand_safe", effective_date=dt.date(2018, 3, 1), status="not_yet"
        ),
        make_record(
            "1.1", catalogue="hand_safe", effective_date=dt.date(2020, 1, 1), status="partially"
        ),
        make_record(
            "1.1", catalogue="hand_safe", effective_date=dt.date(2022, 7, 1), status="implemented"
        ),
    ]
    # Recorded out of order on purpose: the effective date decides, not the order of entry.
    for record, minutes in zip(reversed(history), (0, 1, 2), strict=True):
        record_status(record, recorded_at=T0 + dt.timedelta(minutes=minutes))
    assert _status(hand_safe, "1.1", dt.date(2018, 2, 28)) is None
    assert _status(hand_safe, "1.1", dt.date(2018, 3, 1)) == "not_yet"
    assert _status(hand_safe, "1.1", dt.date(2019, 12, 31)) == "not_yet"
    assert _status(hand_safe, "1.1", dt.date(2020, 1, 1)) == "partially"
    assert _status(hand_safe, "1.1", dt.date(2030, 1, 1)) == "implemented"
    assert _status(hand_safe, "1.2", dt.date(2030, 1, 1)) is None


def test_a_correction_wins_but_the_earlier_belief_stays_reproducible(
    hand_safe: Catalogue, make_record: Callable[..., StatusRecord]
) -> None:
    day = dt.date(2020, 1, 1)
    record_status(
        make_record(
            "2.1",
            catalogue="hand_safe",
            effective_date=day,
            status="implemented",
            evidence="first report",
        ),
        recorded_at=T0,
    )
    record_status(
        make_record(
            "2.1",
            catalogue="hand_safe",
            effective_date=day,
            status="partially",
            evidence="audit found gaps",
        ),
        recorded_at=T0 + dt.timedelta(days=30),
    )
    assert _status(hand_safe, "2.1", dt.date(2021, 1, 1)) == "partially"
    assert (
        _status(hand_safe, "2.1", dt.date(2021, 1, 1), known_on=dt.date(2024, 1, 20))
        == "implemented"
    )
    assert _status(hand_safe, "2.1", dt.date(2021, 1, 1), known_on=dt.date(2024, 1, 9)) is None
    assert list(status_history(item="2.1")["evidence"]) == ["first report", "audit found gaps"]


def test_the_same_file_loaded_twice_is_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "status.csv"
    path.write_text(
        "catalogue,item,country,effective_date,category,definitive_date\n"
        "wto_tfa,7.1,VNM,2022-05-06,B,2022-03-31\nwto_tfa,1.1,VNM,2017-02-22,A,\n"
    )
    first = load_status_file(path)
    second = load_status_file(path)
    assert (first.rows, first.already_loaded) == (2, False)
    assert (second.rows, second.already_loaded, second.load_id) == (0, True, first.load_id)
    assert len(status_history()) == 2


def test_the_same_file_with_one_byte_changed_stores_only_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "status.csv"
    text = (
        "catalogue,item,country,effective_date,category,definitive_date\n"
        "wto_tfa,7.1,VNM,2022-05-06,B,2022-03-31\nwto_tfa,1.1,VNM,2017-02-22,A,\n"
    )
    path.write_text(text)
    load_status_file(path)
    path.write_text(text + "\n")  # one byte more: another hash, the same records
    again = load_status_file(path)
    assert (again.rows, again.unchanged, again.already_loaded) == (0, 2, False)
    path.write_text(text.replace("2022-03-31", "2022-03-30"))  # one row really changed
    changed = load_status_file(path)
    assert (changed.rows, changed.unchanged) == (1, 1)
    assert len(status_history()) == 3


def test_a_range_respelt_with_an_en_dash_and_spaces_is_the_same_record(tmp_path: Path) -> None:
    # Notifications print "11.5 – 11.15"; the sheet said "11.5-11.15": the same paragraphs, so
    # the second file must not add the same state to the history again.
    head = "catalogue,item,country,effective_date,category,definitive_date\n"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(head + "wto_tfa,11.5-11.15,VNM,2022-05-06,B,2024-12-31\n")
    second.write_text(head + "wto_tfa,11.5 – 11.15,VNM,2022-05-06,B,2024-12-31\n")
    load_status_file(first)
    again = load_status_file(second)
    assert (again.rows, again.unchanged) == (0, 1)
    assert status_history()["item"].tolist() == ["11.5-11.15"]


def test_history_lives_in_commitment_tables_of_the_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "status.csv"
    path.write_text("catalogue,item,country,effective_date,category\nwto_tfa,7.1,VNM,2022-05-06,B\n")
    load_status_file(path)
    connection = duckdb.connect(str(get_settings().warehouse_file), read_only=True)
    try:
        tables = {r[0] for r in connection.execute("SHOW TABLES").fetchall()}
        stored = connection.execute("SELECT count(*) FROM commitment_status").fetchall()[0][0]
    finally:
        connection.close()
    assert {"commitment_status", "commitment_loads"} <= tables
    assert stored == 1


def test_reading_before_anything_is_recorded_creates_no_file() -> None:
    assert len(status_history()) == 0
    assert not get_settings().warehouse_file.exists()


def test_history_exported_as_a_status_file_loads_back_the_same(
    tmp_path: Path, make_record: Callable[..., StatusRecord]
) -> None:
    records = [
        StatusRecord(
            catalogue="wto_tfa",
            item="7.7",
            country="VNM",
            effective_date="2018-11-16",
            category="B",
            indicative_date="2023-12-31",
            definitive_date="2023-12-31",
            evidence='G/TFA/N/VNM/1, "quoted"',
            responsible_unit="Cục Hải quan",
        ),
        StatusRecord(
            catalogue="rkc_general_annex",
            item="3.21",
            country="VNM",
            effective_date="2015-01-01",
            status="implemented",
            note="line one\nline two",
        ),
    ]
    load_records(records, origin="test")
    path = tmp_path / "history.csv"
    status_history()[list(RECORD_COLUMNS)].to_csv(path, index=False)
    assert sorted(read_status_file(path), key=lambda r: r.item) == sorted(
        records, key=lambda r: r.item
    )


_text = st.one_of(
    st.none(),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
    ).filter(lambda s: s.strip() == s and s != ""),
)
_day = st.dates(min_value=EARLIEST_DATE, max_value=LATEST_DATE)
#: A record takes effect on a date that has come (a planned date is a definitive date).
_past_day = st.dates(min_value=EARLIEST_DATE, max_value=dt.date.today())


@st.composite
def tfa_records(draw: st.DrawFn) -> StatusRecord:
    category = draw(st.sampled_from([None, "A", "B", "C"]))
    dated = category != "A"
    indicative = draw(st.one_of(st.none(), _day)) if dated else None
    definitive = draw(st.one_of(st.none(), _day)) if dated else None
    note = draw(_text)
    statuses: list[str | None] = ["implemented", "partially", "not_yet"]
    if (category, indicative, definitive, note) != (None, None, None, None):
        statuses.append(None)  # a record must record something; here it already does
    return StatusRecord(
        catalogue="wto_tfa",
        item=draw(st.sampled_from(["1.1", "3", "7.1", "7.7", "10.9", "12"])),
        country=draw(st.sampled_from(["VNM", "THA", "LAO"])),
        effective_date=draw(_past_day),
        category=category,
        indicative_date=indicative,
        definitive_date=definitive,
        status=draw(st.sampled_from(statuses)),
        evidence=draw(_text),
        responsible_unit=draw(_text),
        source=draw(_text),
        note=note,
    )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(record=tfa_records())
def test_store_then_read_back_gives_the_same_record(record: StatusRecord) -> None:
    result = load_records([record], origin="hypothesis")
    stored = status_history()
    row = stored[stored["load_id"] == result.load_id].iloc[0]
    assert StatusRecord(**{c: row[c] for c in RECORD_COLUMNS}) == record


def test_records_for_another_country_do_not_leak(make_record: Callable[..., StatusRecord]) -> None:
    load_records(
        [
            StatusRecord(
                catalogue="wto_tfa",
                item="3",
                country="THA",
                effective_date="2017-02-22",
                category="A",
            )
        ],
        origin="test",
    )
    state = state_on("wto_tfa", "VNM", dt.date(2020, 1, 1))
    assert state["effective_date"].isna().all()
    assert len(state) == 36


@settings(max_examples=30, deadline=None)
@given(
    day=st.one_of(
        st.dates(max_value=EARLIEST_DATE - dt.timedelta(days=1)),
        st.dates(min_value=LATEST_DATE + dt.timedelta(days=1)),
    ),
    field=st.sampled_from(["effective_date", "indicative_date", "definitive_date"]),
)
def test_dates_outside_the_range_are_refused_with_the_range(day: dt.date, field: str) -> None:
    values = {"catalogue": "wto_tfa", "item": "7.1", "country": "VNM", "category": "B"}
    values["effective_date"] = "2022-05-06"
    with pytest.raises(PydanticValidationError) as caught:
        StatusRecord(**{**values, field: day})
    assert f"outside {EARLIEST_DATE} to {LATEST_DATE}" in str(caught.value)


def test_a_record_that_records_nothing_is_refused() -> None:
    from haiquan.errors import ValidationError

    with pytest.raises(ValidationError, match="records nothing"):
        record_status(
            StatusRecord(
                catalogue="wto_tfa", item="7.1", country="VNM", effective_date="2022-05-06"
            )
        )
    assert len(status_history()) == 0
    # A note alone explains an empty state (the TFA example records a paragraph range so).
    record_status(
        StatusRecord(
            catalogue="wto_tfa",
            item="11",
            country="VNM",
            effective_date="2022-05-06",
            note="paragraphs 5-10 shifted C -> B",
        )
    )
    assert len(status_history()) == 1


@pytest.mark.parametrize("bad", ["9.9", "1.1.1"])
def test_records_given_in_code_are_checked_against_the_catalogue(bad: str) -> None:
    from haiquan.errors import ValidationError

    with pytest.raises(ValidationError, match=f"no item '{bad}'"):
        load_records(
            [
                StatusRecord(
                    catalogue="wto_tfa", item=bad, country="VNM", effective_date="2020-01-01"
                )
            ],
            origin="test",
        )
    assert len(status_history()) == 0


def test_a_record_effective_after_today_is_refused_and_stores_nothing() -> None:
    from haiquan.errors import ValidationError

    tomorrow = dt.date.today() + dt.timedelta(days=1)
    record = StatusRecord(
        catalogue="asean", item="AAMRA.4", country="VNM", effective_date=tomorrow,
        status="implemented",
    )
    with pytest.raises(ValidationError, match="after today") as caught:
        record_status(record)
    assert caught.value.fix and "definitive" in caught.value.fix
    assert len(status_history()) == 0


def test_the_same_state_recorded_twice_is_a_conflict_and_stored_once() -> None:
    from haiquan.errors import ConflictError

    record = StatusRecord(
        catalogue="wto_tfa", item="1.1", country="THA", effective_date="2017-02-22",
        category="A",
    )
    record_status(record)
    with pytest.raises(ConflictError, match="already recorded with this state"):
        record_status(record)
    assert len(status_history()) == 1
    # A correction of the same day (any field changes) is a new record, as before.
    record_status(record.model_copy(update={"evidence": "G/TFA/N/THA/1"}))
    assert len(status_history()) == 2


def test_history_is_oldest_first_not_sorted_by_item_text() -> None:
    for item, day in [("3", "2018-11-16"), ("10.8", "2022-05-06"), ("7.1", "2020-01-01")]:
        record_status(
            StatusRecord(catalogue="wto_tfa", item=item, country="VNM", effective_date=day,
                         category="B", definitive_date="2022-12-31")
        )
    assert list(status_history(catalogue="wto_tfa")["item"]) == ["3", "7.1", "10.8"]


def test_history_of_an_unknown_catalogue_is_an_error_not_an_empty_table() -> None:
    from haiquan.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no catalogue 'wto_tfaa'"):
        status_history(catalogue="wto_tfaa")
    assert status_history(catalogue="asean").empty  # a known catalogue with nothing stored


def test_an_item_of_a_catalogue_without_items_says_the_catalogue_is_empty(
    empty_catalogue: Catalogue,
) -> None:
    from haiquan.errors import ValidationError

    record = StatusRecord(
        catalogue="empty_safe", item="1.1", country="VNM", effective_date="2024-01-01",
        status="implemented",
    )
    with pytest.raises(ValidationError, match="lists no standards yet") as caught:
        record_status(record)
    assert "such as ," not in str(caught.value)
    assert caught.value.fix and "install-catalogue" in caught.value.fix
