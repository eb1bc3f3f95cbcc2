"""Reading a day written as text: ``YYYY-MM-DD`` and a day that exists, nothing else.

The CLI's ``--on``/``--from`` options, the dates of the documents partner administrations send
and the dates in the commitments examples are all read here, so ``2024-2-3``, ``03/02/2024``,
``2023-02-29`` or digits of another script are refused the same way everywhere. Only the standard
library is imported: the gateway reads its documents' dates here without the numerical stack.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["parse_day"]

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> dt.date | None:
    """``text`` as a date when it is exactly ``YYYY-MM-DD`` and that day exists, else ``None``
    (the caller says what was expected, in its own terms).

    >>> parse_day("2024-02-29"), parse_day("2023-02-29"), parse_day("2024-2-3")
    (datetime.date(2024, 2, 29), None, None)
    """
    if not _DAY.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
