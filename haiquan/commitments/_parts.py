"""What a record covers: a whole item, one of its parts, or a range of its parts.

The TFA Database counts 238 notifiable items below the 36 measures (7.7.1-7.7.6, 10.9.2(a) ...)
and Members notify categories and dates for single paragraphs or ranges of them — Viet Nam's
G/TFA/N/VNM/1/Add.1 moved paragraphs 11.5-11.15 of Article 11 from C to B and left the rest. The
SAFE Framework's 79 contents sit below its 29 standards the same way. A record's ``item`` is
therefore one of:

* an item id (``"11"``): the whole item;
* a part id the catalogue lists (``"7.7.3"``), or a range of listed parts (``"7.7.1-7.7.3"``);
* a paragraph range of an item whose parts are *not* listed (``"11.5-11.10"``; one paragraph
  is ``"11.5-11.5"``): kept and shown, but the item is then still counted whole (its parts are
  unknown, so nothing says what share of it the paragraphs are).

An administration that holds the item list installs it (:func:`read_item_list`), and the item
is then counted part by part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from haiquan.errors import DataFileError

__all__ = ["Coverage", "backwards_range", "normalise_reference", "read_item_list", "resolve"]

_RANGE = re.compile(r"^\s*(?P<first>[^\s–-]+)\s*[-–]\s*(?P<last>[^\s–-]+)\s*$")
_PARAGRAPH = re.compile(r"^(?P<item>.+)\.(?P<number>\d+)$")
_DASH = re.compile(r"\s*[-–—]\s*")


def normalise_reference(ref: str) -> str:
    """One spelling of an item reference, so the same range is stored once.

    Notifications print ranges with an en dash and spaces ("11.5 – 11.15"); a spreadsheet has
    "11.5-11.15". Both mean the same paragraphs, and a record stored under each spelling would
    count the same state twice in the history.

    >>> normalise_reference(" 11.5 – 11.15 ")
    '11.5-11.15'
    """
    return _DASH.sub("-", ref.strip())


def backwards_range(ref: str, parts_of: dict[str, list[str]]) -> str | None:
    """The range written the right way round when ``ref`` is a backwards range, else None.

    >>> backwards_range("11.15-11.5", {"11": []})
    '11.5-11.15'
    """
    matched = _RANGE.match(ref)
    if not matched:
        return None
    turned = f"{matched.group('last')}-{matched.group('first')}"
    return turned if resolve(turned, parts_of) is not None else None


@dataclass(frozen=True)
class Coverage:
    """The part of a catalogue item a record is about.

    ``parts`` is ``None`` for the whole item; otherwise the listed parts covered, in catalogue
    order. ``paragraphs`` is set instead when the item's parts are not listed: the record is
    about those paragraphs only and does not count for the item.
    """

    item: str
    parts: tuple[str, ...] | None = None
    paragraphs: tuple[int, int] | None = None

    @property
    def whole(self) -> bool:
        """True when the record covers the whole item."""
        return self.parts is None and self.paragraphs is None


def resolve(ref: str, parts_of: dict[str, list[str]]) -> Coverage | None:
    """The coverage of ``ref`` in a catalogue (``parts_of``: item id -> its listed parts).

    >>> resolve("11.5-11.10", {"11": [], "7.7": ["7.7.1", "7.7.2"]})
    Coverage(item='11', parts=None, paragraphs=(5, 10))
    >>> resolve("7.7.2", {"11": [], "7.7": ["7.7.1", "7.7.2"]}).parts
    ('7.7.2',)
    """
    ref = ref.strip()
    if ref in parts_of:
        return Coverage(ref)
    for item, parts in parts_of.items():
        if ref in parts:
            return Coverage(item, (ref,))
    matched = _RANGE.match(ref)
    if matched:
        first, last = matched.group("first"), matched.group("last")
        for item, parts in parts_of.items():
            if first in parts and last in parts:
                start, end = parts.index(first), parts.index(last)
                return Coverage(item, tuple(parts[start : end + 1])) if start <= end else None
        low, high = _paragraph(first, parts_of), _paragraph(last, parts_of)
        if low and high and low[0] == high[0] and low[1] <= high[1]:
            return Coverage(low[0], paragraphs=(low[1], high[1]))
        return None
    # A single "9.9" is refused rather than read as paragraph 9 of Article 9: it is far more
    # often a mistyped measure, and a range says the intent ("11.5-11.5" for one paragraph).
    return None


def _paragraph(ref: str, parts_of: dict[str, list[str]]) -> tuple[str, int] | None:
    """``"11.5"`` -> ("11", 5) when 11 is an item that does not list its parts."""
    matched = _PARAGRAPH.match(ref)
    if matched and matched.group("item") in parts_of and not parts_of[matched.group("item")]:
        return matched.group("item"), int(matched.group("number"))
    return None


def read_item_list(path: Path | str, parts_of: dict[str, list[str]]) -> dict[str, list[str]]:
    """Read an item list (CSV with columns ``item`` and ``part``) checked against a catalogue.

    Returns item id -> its parts in file order. Every item must exist, every part be unique and
    differ from every item id.

    Raises:
        DataFileError: unreadable file, missing columns, unknown items or duplicate parts.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise DataFileError(
            "cannot read the item list",
            path=str(path),
            expected="a UTF-8 CSV with columns item, part",
            got=str(e).splitlines()[0],
            fix="export the list as CSV UTF-8 with a header row item,part",
        ) from e
    missing = [c for c in ("item", "part") if c not in frame.columns]
    if missing:
        raise DataFileError(
            "item list lacks columns",
            path=str(path),
            expected="columns item, part (one row per notifiable item or content)",
            got=", ".join(map(str, frame.columns)) or "no columns",
            fix=f"add the column(s) {', '.join(missing)}",
        )
    problems: list[dict[str, object]] = []
    result: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for number, row in enumerate(frame.to_dict(orient="records"), start=2):
        item, part = str(row["item"]).strip(), str(row["part"]).strip()
        if item not in parts_of:
            problems.append({"row": number, "column": "item", "value": item,
                             "problem": "no such item in the catalogue"})
        elif not part or part in parts_of or part in seen:
            why = "empty part" if not part else (
                f"same part as row {seen[part]}" if part in seen else "a part cannot be an item id")
            problems.append({"row": number, "column": "part", "value": part, "problem": why})
        else:
            seen[part] = number
            result.setdefault(item, []).append(part)
    if problems or not result:
        raise DataFileError(
            f"{len(problems)} row(s) of the item list rejected; nothing was installed"
            if problems else "item list holds no rows",
            path=str(path),
            problems=problems,
            expected="one row per part of an item the catalogue holds",
            fix="correct the rows listed (see `haiquan commitments show CATALOGUE` for item ids)",
        )
    return result
