"""A day is read one way: YYYY-MM-DD of a day that exists, in ASCII digits."""

from __future__ import annotations

import datetime as dt

import pytest

from haiquan.dates import parse_day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("1999-12-31", dt.date(1999, 12, 31)),
        ("2023-02-29", None),  # not a leap year
        ("2024-13-01", None),
        ("2024-2-3", None),
        ("03/02/2024", None),
        ("20240229", None),
        (" 2024-02-29", None),  # the caller strips what it reads
        ("2024-02-29T10:00", None),
        ("٢٠٢٤-٠٢-٢٩", None),  # digits of another script
        ("", None),
    ],
)
def test_only_a_real_day_written_yyyy_mm_dd_is_a_day(text: str, day: dt.date | None) -> None:
    assert parse_day(text) == day
