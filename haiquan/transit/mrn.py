"""Movement Reference Numbers as NCTS (and ACTS, modelled on it) write them.

An MRN has 18 characters::

    26 VN DAD001000042 J 7
    |  |  |            | +-- check digit (ISO 6346 algorithm)
    |  |  |            +---- procedure: J, a transit declaration without security data (NCTS R0410)
    |  |  +----------------- 12 characters unique at the office of departure
    |  +-------------------- ISO 3166 alpha-2 of the state of departure
    +----------------------- last two digits of the year of acceptance

The check digit follows the EU's "Check character algorithm for the MRN and GRN"
(DG XXI/0879/99 Rev.1): each of the first 17 characters takes its ISO 6346 value (digits as
themselves, A = 10 upwards skipping multiples of 11), is multiplied by 2**position (0..16), and
the sum modulo 11 is the check digit, a remainder of 10 giving 0. A mistyped character at the
border changes the sum, so the MRN is refused before it is looked up.

>>> check_digit("06DE586600006143E")
'1'
>>> check_mrn("06DE586600006143E1")
'06DE586600006143E1'
"""

from __future__ import annotations

import re

from haiquan.errors import ValidationError
from haiquan.exchange.documents.transit import mrn_check_digit

__all__ = ["MRN_PATTERN", "allocate_mrn", "check_digit", "check_mrn"]

MRN_PATTERN = re.compile(r"^[0-9]{2}[A-Z]{2}[A-Z0-9]{13}[0-9]$", re.ASCII)

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_digit(first17: str) -> str:
    """The check digit of an MRN's first 17 characters (the gateway's rule, one implementation)."""
    return mrn_check_digit(first17)


def check_mrn(text: str) -> str:
    """The MRN, upper-cased, when well formed with the right check digit.

    Raises:
        ValidationError: wrong length or characters, or a check digit that does not match.
    """
    mrn = text.strip().upper()
    if not MRN_PATTERN.fullmatch(mrn):
        raise ValidationError(
            "not a Movement Reference Number",
            expected="18 characters: 2 digits (year), 2 letters (country), 13 letters or "
            "digits, 1 check digit, e.g. 26VNDAD001000016J6",
            got=repr(text),
            fix="copy the MRN from the Transit Accompanying Document or its barcode",
        )
    want = check_digit(mrn[:17])
    if mrn[17] != want:
        raise ValidationError(
            f"the MRN {mrn} has a wrong check digit",
            expected=f"check digit {want} for {mrn[:17]}",
            got=mrn[17],
            fix="a character was mistyped: read the MRN again from the document or scan its "
            "barcode",
        )
    return mrn


def _base36(number: int, width: int) -> str:
    text = ""
    while number:
        number, digit = divmod(number, 36)
        text = _DIGITS[digit] + text
    return text.rjust(width, "0")


def allocate_mrn(year: int, office: str, serial: int, procedure: str = "J") -> str:
    """The MRN of the ``serial``-th declaration accepted at ``office`` (its reference number).

    The unique part is the office's six characters and the serial in base 36 (six characters,
    2 billion declarations per office), so offices allocate without asking each other.

    >>> allocate_mrn(2026, "VNDAD001", 42)
    '26VNDAD001000016J6'
    """
    if not 0 < serial < 36**6:
        raise ValueError(f"serial {serial} out of range")
    first17 = f"{year % 100:02d}{office[:2]}{office[2:8]}{_base36(serial, 6)}{procedure}"
    return first17 + check_digit(first17)
