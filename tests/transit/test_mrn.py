"""MRN allocation and its check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haiquan.errors import ValidationError
from haiquan.exchange.documents.transit import _VALUES
from haiquan.transit import allocate_mrn, check_digit, check_mrn


def test_check_digit_of_a_published_mrn() -> None:
    # 06DE586600006143E1: an ATLAS MRN with its digit, as published by riege.com.
    assert check_digit("06DE586600006143E") == "1"
    assert check_mrn("06de586600006143e1") == "06DE586600006143E1"


def test_allocated_mrn_has_year_country_procedure_and_digit() -> None:
    mrn = allocate_mrn(2026, "VNDAD001", 1)
    assert len(mrn) == 18 and mrn.startswith("26VNDAD001") and mrn[16] == "J"
    assert check_mrn(mrn) == mrn


@given(st.integers(min_value=1, max_value=36**6 - 1), st.integers(10, 15),
       st.sampled_from("0123456789"))
def test_a_mistyped_serial_digit_is_caught_unless_remainders_0_and_10_meet(
        serial: int, position: int, char: str) -> None:
    """ISO 6346's weights 2**i are never 0 modulo 11, so one wrong digit always changes the
    remainder; the algorithm writes both 10 and 0 as 0, its one blind spot."""
    mrn = allocate_mrn(2026, "THBKK001", serial)
    typo = mrn[:position] + char + mrn[position + 1:]
    if typo == mrn or not mrn[position].isdigit():
        return
    try:
        check_mrn(typo)
    except ValidationError:
        return
    # The typo passed: only possible when one remainder is 0 and the other 10.
    old = sum(_VALUES[c] * 2**i for i, c in enumerate(mrn[:17])) % 11
    new = sum(_VALUES[c] * 2**i for i, c in enumerate(typo[:17])) % 11
    assert {old, new} == {0, 10}


def test_wrong_check_digit_names_the_right_one() -> None:
    mrn = allocate_mrn(2026, "VNDAD001", 7)
    wrong = mrn[:17] + str((int(mrn[17]) + 1) % 10)
    with pytest.raises(ValidationError, match=f"expected check digit {mrn[17]}"):
        check_mrn(wrong)
    with pytest.raises(ValidationError, match="18 characters"):
        check_mrn("26VN-123")
