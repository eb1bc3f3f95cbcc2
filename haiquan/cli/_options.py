"""Parsing the options every command group shares: dates, country codes and output paths.

One parser per idea, so ``--on 2024-13-01`` is refused with the same words by ``show``, ``aeo``
and ``commitments``, and ``--home vn`` means Viet Nam wherever a country is asked for.
"""

from __future__ import annotations

import datetime as dt
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from haiquan.dates import parse_day
from haiquan.errors import InputError

__all__ = [
    "TRADE_FORMAT_NAMES",
    "Frequency",
    "InputFormatOption",
    "TradeDirection",
    "country_code",
    "day",
    "listed",
    "output_path",
]

#: The formats a trade file may be in, as :data:`haiquan.warehouse.sources.TRADE_FORMATS` names
#: them; repeated here so that ``--help`` needs not import the readers (a test checks they match).
TRADE_FORMAT_NAMES = (
    "census",
    "dots",
    "baci",
    "eu15",
    "comtrade",
    "comtrade-legacy",
    "sdmx",
    "canonical",
)


class Frequency(StrEnum):
    """Periods of a trade series: monthly, quarterly, annual."""

    M = "M"
    Q = "Q"
    A = "A"


class TradeDirection(StrEnum):
    """The home country's side of a trade flow."""

    export = "export"
    import_ = "import"


def listed(*values: str) -> dict[str, Any]:
    """Settings of a text option whose values are a known list: ``--help`` shows the list and
    the shell completes it, as for an Enum option, while the library still reads and checks the
    value (leniently, and refusing a wrong one with its own message naming the valid values).

    Used as ``typer.Option("--flow", **listed("import", "export"), help=...)``.

    >>> settings = listed("M", "Q", "A")
    >>> settings["metavar"], settings["autocompletion"]("")
    ('<M|Q|A>', ['M', 'Q', 'A'])
    """

    def complete(incomplete: str) -> list[str]:
        return [value for value in values if value.lower().startswith(incomplete.lower())]

    return {"metavar": "<" + "|".join(values) + ">", "autocompletion": complete}


#: ``--input-format/-f`` of every command that reads a trade file (``--input FILE``). Not
#: ``--format``: on a listing command that names what it writes (table, json, csv). Left out, the
#: format is detected from the file as ``haiquan load`` detects it.
InputFormatOption = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        "-f",
        **listed(*TRADE_FORMAT_NAMES),
        help="The trade file's format; detected from its columns when left out.",
    ),
]


def day(value: str | None, option: str) -> dt.date | None:
    """``value`` as a date, written YYYY-MM-DD, else an ``InputError`` naming ``option``.

    >>> day("2024-02-29", "--on"), day(None, "--on")
    (datetime.date(2024, 2, 29), None)
    """
    if value is None:
        return None
    found = parse_day(value.strip())
    if found is None:
        raise InputError(
            f"bad date for {option}",
            expected="a date as YYYY-MM-DD",
            got=repr(value),
            fix=f"write e.g. {option} 2024-02-22",
        )
    return found


def country_code(value: str | None) -> str | None:
    """The alpha-3 code of a country given as ISO alpha-2, alpha-3 or numeric code (any case)
    or by name, or the code of a named group (WORLD, ASEAN ...).

    A value that names nothing known is passed on as written (upper-cased), so the command's
    own check refuses it with the codes it accepts.

    >>> country_code("vn"), country_code("704"), country_code("asean"), country_code("XYZ1")
    ('VNM', 'VNM', 'ASEAN', 'XYZ1')
    """
    from haiquan.errors import UnknownCodeError
    from haiquan.reference.countries import country_groups, partner_code

    if value is None:
        return None
    text = value.strip().upper()
    if text in country_groups():
        return text
    try:
        return partner_code(value)
    except UnknownCodeError:
        return text


def output_path(path: Path, option: str, *, folder: bool = False) -> Path:
    """Refuse, before any work, a file (or, with ``folder``, a folder) that cannot be written.

    Missing folders above it are fine (the commands create them) as long as the nearest existing
    one is a folder this user may write in.
    """
    problem = None
    if path.is_dir() and not folder:
        problem = "an existing folder"
    elif path.exists() and not path.is_dir() and folder:
        problem = "an existing file, not a folder"
    elif path.exists() and not os.access(path, os.W_OK):
        problem = "a file this user may not write"
    else:
        parent = path.absolute().parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            problem = f"a path under {parent}, which is a file, not a folder"
        elif not os.access(parent, os.W_OK | os.X_OK):
            problem = f"a path in {parent}, a folder this user may not write in"
    if problem is not None:
        raise InputError(
            f"cannot write {option} {path}",
            expected=f"a {'folder' if folder else 'file'} path that can be written",
            got=problem,
            fix=f"give {option} a path in a folder you can write to",
        )
    return path
