"""CEPII BACI exports by exporter x HS 2-digit chapter x year (CSV(.gz)).

Columns used: ``t`` (year), ``i_iso3c`` (exporter, ISO alpha-3), ``k`` (HS chapter, two digits
as text), ``v`` (export value, **million** USD) and ``q`` (quantity, metric tons). BACI reports
exports to the whole world, so every row becomes ``partner = WORLD``, ``flow = export``,
``frequency = A``; the chapter is the commodity (its leading zero kept: ``"09"``, not ``9``).

BACI still carries the Netherlands Antilles (``ANT``), dissolved in 2010 and therefore only in
ISO 3166-3 (former countries). Exporter codes are accepted when ISO 3166-1 *or* 3166-3 knows them,
so a file that reports a former country loads, while an invented code fails the whole file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import cast

import pandas as pd
import pycountry

from haiquan.errors import DataFileError, UnknownCodeError
from haiquan.reference.countries import country
from haiquan.warehouse.schema import check_trade_flows
from haiquan.warehouse.sources._common import read_table, require_columns

__all__ = ["BACI_COLUMNS", "known_exporter_code", "read"]

BACI_COLUMNS = ("t", "i_iso3c", "k", "v", "q")


@cache
def known_exporter_code(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-3 code or a former one (ISO 3166-3).

    >>> known_exporter_code("VNM"), known_exporter_code("ANT"), known_exporter_code("XYZ")
    (True, True, False)
    """
    text = str(code).strip().upper()
    if len(text) != 3 or not text.isalpha():
        return False
    try:
        return country(text).alpha_3 == text
    except UnknownCodeError:
        return pycountry.historic_countries.get(alpha_3=text) is not None


def _problems(bad: pd.Series, column: str, problem: str) -> list[dict]:
    return [
        {"row": int(cast(int, i)) + 2, "column": column,
         "value": None if pd.isna(v) else str(v), "problem": problem}
        for i, v in bad.head(20).items()
    ]


def _check_exporters(codes: pd.Series, file: Path) -> None:
    unknown = {c for c in codes.dropna().unique() if not known_exporter_code(str(c))}
    mask = codes.isna() | codes.isin(list(unknown))
    if mask.any():
        bad = codes[mask]
        raise DataFileError(
            f"{int(mask.sum())} row(s) name an exporter that is not an ISO 3166 country; "
            "nothing was loaded",
            path=str(file),
            problems=_problems(bad, "i_iso3c",
                               "expected an ISO 3166-1 (or former, 3166-3) alpha-3 code"),
            total_bad_rows=int(mask.sum()),
            fix="correct the exporter codes; BACI's own country_codes.csv lists the valid ones",
        )


def read(path: str | Path) -> pd.DataFrame:
    """Canonical trade-flow rows of a BACI exporter x HS2 x year file.

    Raises:
        DataFileError: missing columns, unknown exporters, chapters that are not two digits,
            negative or missing values. Nothing is returned in that case.
    """
    file = Path(path)
    raw = read_table(file, dtype={"k": "string", "i_iso3c": "string", "t": "string"})
    require_columns(raw, BACI_COLUMNS, file, "CEPII BACI exporter x HS2")
    exporters = raw["i_iso3c"].str.strip().str.upper()
    _check_exporters(exporters, file)
    chapters = raw["k"].str.strip()
    bad_chapter = ~chapters.str.fullmatch(r"\d{2}").fillna(False).astype(bool)
    if bad_chapter.any():
        raise DataFileError(
            "BACI chapters must be two-digit HS chapters written as text; nothing was loaded",
            path=str(file),
            problems=_problems(chapters[bad_chapter], "k", "not a two-digit HS chapter"),
            total_bad_rows=int(bad_chapter.sum()),
            expected="chapters such as 01, 09, 85 (leading zero kept)",
            fix="write the chapter with its leading zero (quote the column in the CSV)",
        )
    frame = pd.DataFrame(
        {
            "reporter": exporters,
            "partner": "WORLD",
            "flow": "export",
            "frequency": "A",
            "period": raw["t"].str.strip(),
            "commodity": chapters,
            "value_usd": pd.to_numeric(raw["v"], errors="coerce") * 1e6,
            # Left as read: check_trade_flows reports text that is not a number.
            "quantity": raw["q"],
            "unit": "t",
            "source": "cepii-baci",
            "is_mirror": False,
            "partner_name": "World",
        },
        index=raw.index,
    )
    return check_trade_flows(frame, path=str(file))
