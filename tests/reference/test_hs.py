"""The HS 2022 nomenclature, cross-checked against the datasets/harmonized-system CSV."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haiquan.errors import UnknownCodeError, ValidationError
from haiquan.reference.hs import (
    _table,
    clean_hs_code,
    hs_chapter,
    hs_children,
    hs_code,
    hs_section,
    hs_sections,
    is_valid_hs,
    search_hs,
)
from tests.conftest import require_shared

HS_DIR = "hs/hs2022-datasets-harmonized-system"


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    """The HS 2022 table as published, without Comtrade's TOTAL and 'not specified' rows."""
    frame = pd.read_csv(require_shared(f"{HS_DIR}/harmonized-system.csv"), dtype=str)
    return frame[frame["section"] != "TOTAL"].reset_index(drop=True)


def test_every_published_code_matches(published: pd.DataFrame) -> None:
    for row in published.itertuples(index=False):
        found = hs_code(row.hscode)
        assert found.level == int(row.level)
        assert found.description == row.description.strip()
        assert found.section == row.section
        assert found.parent == (None if row.level == "2" else row.parent)


def test_counts_match_the_published_table(published: pd.DataFrame) -> None:
    counts = published["level"].value_counts().to_dict()
    assert counts == {"2": 96, "4": 1228, "6": 5612}
    assert len(_table()) == len(published)


def test_sections_match_the_published_names() -> None:
    frame = pd.read_csv(require_shared(f"{HS_DIR}/sections.csv"), dtype=str, encoding="utf-8-sig")
    names = dict(zip(frame["section"], frame["name"].str.split().str.join(" "), strict=True))
    sections = hs_sections()
    assert [s.number for s in sections] == list(names)
    assert all(s.name == names[s.number] for s in sections)
    assert sum(len(s.chapters) for s in sections) == 96
    assert hs_section(16).chapters == ("84", "85") == hs_section("xvi").chapters


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        ("8471.30", "write 847130 without the dot, as text"),
        ("8471 30", "write 847130 without the separators"),
        (847130, "write '847130' as text"),
        (10121, "write '010121' as text"),
        ("84713", "write '084713'"),
        ("TOTAL", "all-commodities"),
        ("abc", "digits of the code only"),
        ("", "digits of the code only"),
        (None, "pass the code as text"),
    ],
)
def test_malformed_codes_say_how_to_write_them(value: object, fix: str) -> None:
    with pytest.raises(ValidationError) as caught:
        hs_code(value)
    assert caught.value.expected and caught.value.got
    assert fix in (caught.value.fix or "")


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ("8499", "haiquan show hs 84"),
        ("847199", "haiquan show hs 8471"),
        ("84999901", "haiquan show hs 84"),
        ("77", "77 is reserved"),
        ("99", "not specified"),
        ("999999", "not specified"),
    ],
)
def test_unknown_codes_point_to_what_exists(code: str, fix: str) -> None:
    with pytest.raises(UnknownCodeError) as caught:
        hs_code(code)
    assert caught.value.got == repr(code)
    assert fix in (caught.value.fix or "")


def test_national_line_extends_its_subheading() -> None:
    line = hs_code("84713010")
    base = hs_code("847130")
    assert (line.level, line.parent, line.description) == (8, "847130", base.description)
    assert line.is_national and not base.is_national
    assert "not in the HS nomenclature" in (line.note or "")
    assert hs_code("8471301000").level == 10
    assert hs_children("84713010") == []


def test_children_and_chapter() -> None:
    headings = hs_children("09")
    assert headings and all(h.level == 4 and h.parent == "09" for h in headings)
    assert hs_chapter("090121").code == "09"
    assert hs_chapter("84713010").description == hs_code("84").description


def test_search_by_words_and_by_digits() -> None:
    rice = search_hs("rice", limit=None)
    assert rice[0].code == "1006"
    assert all("rice" in h.description.lower().replace("price", "") for h in rice)
    assert all(h.level == 6 for h in search_hs("coffee", level=6))
    assert [h.code for h in search_hs("0901", limit=None)] == ["0901"] + [
        h.code for h in hs_children("0901")
    ]
    assert search_hs("zzzz no such thing") == []
    with pytest.raises(ValidationError, match="nothing to search for"):
        search_hs("   ")


# --- properties --------------------------------------------------------------------------------

known_codes = st.sampled_from(sorted(_table()))
subheadings = st.sampled_from(sorted(code for code in _table() if len(code) == 6))


@settings(max_examples=200, deadline=None)
@given(code=known_codes)
def test_parent_child_round_trip(code: str) -> None:
    found = hs_code(code)
    assert found.code == code == clean_hs_code(f" {code} ")
    if found.parent is not None:
        assert code in [child.code for child in hs_children(found.parent)]
        assert hs_code(found.parent).section == found.section
    assert hs_chapter(code).code == code[:2]


@settings(max_examples=100, deadline=None)
@given(
    base=subheadings,
    suffix=st.text("0123456789", min_size=2, max_size=4).filter(lambda s: len(s) in (2, 4)),
)
def test_any_national_line_of_a_subheading_is_valid(base: str, suffix: str) -> None:
    line = hs_code(base + suffix)
    assert line.parent == base and line.description == hs_code(base).description


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=12), st.text("0123456789.", max_size=11), st.integers()))
def test_is_valid_hs_never_raises_and_agrees_with_hs_code(value: object) -> None:
    valid = is_valid_hs(value)
    try:
        hs_code(value)
    except (ValidationError, UnknownCodeError):
        assert not valid
    else:
        assert valid
