"""The canonical trade-flow table every source is turned into.

One row is one value of trade between a reporter and a partner, in one flow, frequency, period and
commodity (DESIGN.md, Data). Periods are text so that monthly, quarterly and annual rows sit in one
column and sort correctly within a frequency: ``2023-06`` (M), ``2023Q2`` (Q), ``2023`` (A).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from haiquan.errors import DataFileError

__all__ = [
    "FLOWS",
    "FREQUENCIES",
    "TRADE_FLOW_COLUMNS",
    "check_trade_flows",
    "empty_trade_flows",
    "is_known_partner",
    "is_synthetic",
    "known_partner_codes",
]

#: Column -> pandas dtype of the canonical table, in order.
TRADE_FLOW_COLUMNS: dict[str, str] = {
    "reporter": "string",
    "partner": "string",
    "flow": "string",
    "frequency": "string",
    "period": "string",
    "commodity": "string",
    "value_usd": "float64",
    "quantity": "float64",
    "unit": "string",
    "source": "string",
    "is_mirror": "bool",
    "partner_name": "string",
}

FLOWS = ("import", "export", "re-export", "re-import")
FREQUENCIES = ("M", "Q", "A")

_PERIOD_PATTERNS = {
    "M": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
    "Q": re.compile(r"^\d{4}Q[1-4]$"),
    "A": re.compile(r"^\d{4}$"),
}
_COMMODITY = re.compile(r"^(TOTAL|\d{2}|\d{4}|\d{6}|\d{8}|\d{10})$")
_PARTNER = re.compile(r"^([A-Z]{3}|[A-Z0-9_]{4,})$")


#: A partner the U.S. Census file reports under a second code (see ``sources/census.py``).
_CENSUS_PARTNER = re.compile(r"^CENSUS_\d{4}$")


def known_partner_codes() -> frozenset[str]:
    """Every reporter or partner code a trade row may carry (the reference data's list).

    >>> "VNZ" in known_partner_codes()
    False
    """
    from haiquan.reference.countries import partner_codes

    return partner_codes()


def is_known_partner(code: str) -> bool:
    """Whether ``code`` (already upper-case) is a known reporter or partner code."""
    return code in known_partner_codes() or bool(_CENSUS_PARTNER.match(code))


def is_synthetic(rows: pd.DataFrame) -> bool:
    """Whether any row is generated demo data: its ``source`` names a ``synthetic`` source.

    The label lives in the rows themselves (every canonical row says where it came from, and a
    warehouse look-up keeps a ``source`` column, comma-joined where it adds sources up), so it
    survives filtering, merging and concatenation; a frame without ``source`` says nothing.

    >>> is_synthetic(pd.DataFrame({"source": ["imf-dots", "imf-dots,synthetic-demo"]}))
    True
    >>> is_synthetic(pd.DataFrame({"source": ["imf-dots"]})), is_synthetic(pd.DataFrame())
    (False, False)
    """
    if "source" not in rows.columns or rows.empty:
        return False
    sources = rows["source"].astype("string").fillna("").str.split(",").explode()
    return bool(sources.str.strip().str.startswith("synthetic").fillna(False).any())


def empty_trade_flows() -> pd.DataFrame:
    """An empty canonical table with the right dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in TRADE_FLOW_COLUMNS.items()})


def _problem_rows(mask: pd.Series, frame: pd.DataFrame, column: str, problem: str) -> list[dict]:
    bad = frame.loc[mask.fillna(True).astype(bool)]
    return [
        {"row": int(index) + 2, "column": column, "value": _plain(bad.at[index, column]),
         "problem": problem}
        for index in bad.index[:20]
    ]


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return value if isinstance(value, (int, float, str, bool)) else str(value)


def check_trade_flows(frame: pd.DataFrame, *, path: str | None = None) -> pd.DataFrame:
    """Validate and normalise a canonical trade-flow table; raise on any bad row.

    Row numbers in the error count a header line, so row 2 is the first data row — the number a
    spreadsheet shows — provided ``frame`` still has the file's own 0-based index.

    Raises:
        DataFileError: missing columns, bad codes, periods, flows, or negative values, with
            the first bad rows and how to fix them. Nothing is returned in that case.
    """
    required = [c for c in TRADE_FLOW_COLUMNS if c not in ("quantity", "unit", "partner_name")]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(
            "the trade file lacks required columns",
            path=path,
            expected="columns " + ", ".join(required),
            got="columns " + ", ".join(map(str, frame.columns)),
            fix="add the missing columns: " + ", ".join(missing),
        )
    out = frame.copy()
    for column in ("quantity", "unit", "partner_name"):
        if column not in out.columns:
            out[column] = None
    out = out[list(TRADE_FLOW_COLUMNS)]

    problems: list[dict] = []
    total = 0

    def flag(mask: pd.Series, column: str, problem: str) -> None:
        nonlocal total
        mask = mask.fillna(True).astype(bool)
        count = int(mask.sum())
        if count:
            total += count
            problems.extend(_problem_rows(mask, out, column, problem))

    # Code-like columns repeat a few hundred values over millions of rows: normalise and check
    # each distinct value once, then map back.
    def tidy(column: str, case: str | None, pattern: re.Pattern[str] | None,
             allowed: tuple[str, ...] | Callable[[str], bool] | None, problem: str) -> None:
        codes, uniques = pd.factorize(out[column], use_na_sentinel=True)
        cleaned = [str(u).strip() for u in uniques]
        if case == "upper":
            cleaned = [c.upper() for c in cleaned]
        elif case == "lower":
            cleaned = [c.lower() for c in cleaned]
        ok = [
            (pattern is None or bool(pattern.match(c)))
            and (allowed is None or (allowed(c) if callable(allowed) else c in allowed))
            for c in cleaned
        ]
        lookup = pd.Series(cleaned + [None], dtype="object")
        out[column] = pd.Series(lookup.to_numpy()[codes], index=out.index, dtype="object")
        good = pd.Series(ok + [False]).to_numpy()[codes]
        flag(pd.Series(~good, index=out.index), column, problem)

    # Codes are read case-insensitively (kor is stored as KOR), then looked up: a code that is
    # neither an ISO 3166 country nor a named group fails the file.
    unknown_code = ("unknown code: expected an ISO 3166 alpha-3 code (VNM) or a named group "
                    "(WORLD, EUROPEAN_UNION, ASEAN); look a country up with "
                    "`haiquan show country NAME`")
    tidy("reporter", "upper", _PARTNER, is_known_partner, unknown_code)
    tidy("partner", "upper", _PARTNER, is_known_partner, unknown_code)
    tidy("flow", "lower", None, FLOWS, "expected one of " + ", ".join(FLOWS))
    tidy("frequency", "upper", None, FREQUENCIES, "expected M, Q or A")
    tidy("commodity", None, _COMMODITY,  None,
         "expected an HS code of 2, 4, 6, 8 or 10 digits as text (leading zeros kept) or TOTAL; "
         "quote the column so 0101 is not read as 101")
    tidy("source", None, None, None, "expected a source name")
    tidy("period", None, None, None, "expected a period")
    pairs = out[["frequency", "period"]].drop_duplicates()
    bad_pairs = {
        (f, p) for f, p in pairs.itertuples(index=False)
        # a row with a bad frequency is already reported; do not report its period twice
        if f in _PERIOD_PATTERNS and (p is None or not _PERIOD_PATTERNS[f].match(p))
    }
    if bad_pairs:
        keys = pd.MultiIndex.from_frame(out[["frequency", "period"]])
        flag(pd.Series(keys.isin(list(bad_pairs)), index=out.index), "period",
             "expected YYYY-MM for M, YYYYQn for Q, YYYY for A")
    values = pd.to_numeric(out["value_usd"], errors="coerce")
    flag(values.isna(), "value_usd", "expected a number of US dollars")
    flag(values < 0, "value_usd", "expected a value of zero or more")
    out["value_usd"] = values.astype("float64")
    quantity = pd.to_numeric(out["quantity"], errors="coerce")
    flag(out["quantity"].notna() & quantity.isna(), "quantity", "expected a number or nothing")
    flag(quantity < 0, "quantity", "expected a quantity of zero or more")
    out["quantity"] = quantity.astype("float64")
    for column in ("unit", "partner_name"):
        text = out[column].astype(object)
        out[column] = text.where(text.notna(), None)
    mirror = out["is_mirror"]
    if mirror.dtype != bool:
        text = mirror.astype("string").str.strip().str.lower()
        as_bool = text.map({"true": True, "false": False, "1": True, "0": False, "yes": True,
                            "no": False})
        flag(as_bool.isna(), "is_mirror", "expected true or false")
        out["is_mirror"] = as_bool.fillna(False).astype(bool)
    if problems:
        problems.sort(key=lambda p: p["row"])
        raise DataFileError(
            f"{total} bad value(s) in the trade file; nothing was loaded",
            path=path,
            problems=problems,
            total_bad_rows=total,
            fix="correct the rows listed (row numbers count the header as row 1) and load again",
        )
    return out.reset_index(drop=True)
