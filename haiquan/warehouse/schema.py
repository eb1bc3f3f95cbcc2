"""The canonical trade-flow table every source is turned into.

One row is one value of trade between a reporter and a partner, in one flow, frequency, period and
commodity (DESIGN.md, Data). Periods are text so that monthly, quarterly and annual rows sit in one
column and sort correctly within a frequency: ``2023-06`` (M), ``2023Q2`` (Q), ``2023`` (A).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from haiquan.errors import DataFileError

__all__ = [
    "FLOWS",
    "FREQUENCIES",
    "TRADE_FLOW_COLUMNS",
    "TRADE_FLOW_SCHEMA",
    "FlowColumn",
    "check_trade_flows",
    "empty_trade_flows",
    "is_known_partner",
    "is_synthetic",
    "known_partner_codes",
]

@dataclass(frozen=True)
class FlowColumn:
    """One column of the canonical table, declared once: the DuckDB table, the canonical file
    reader and :func:`check_trade_flows` are all derived from :data:`TRADE_FLOW_SCHEMA`."""

    name: str
    #: pandas dtype of the stored column
    dtype: str
    #: a file may leave the column out (it is then empty)
    required: bool
    #: what a row must hold, in the words of the error message
    problem: str


#: The canonical trade-flow table, in order (docs/data-formats.md).
TRADE_FLOW_SCHEMA: tuple[FlowColumn, ...] = (
    FlowColumn("reporter", "string", True, "unknown code: expected an ISO 3166 alpha-3 code (VNM) "
               "or a named group (WORLD, EUROPEAN_UNION, ASEAN); look a country up with "
               "`haiquan show country NAME`"),
    FlowColumn("partner", "string", True, "unknown code: expected an ISO 3166 alpha-3 code (VNM) "
               "or a named group (WORLD, EUROPEAN_UNION, ASEAN); look a country up with "
               "`haiquan show country NAME`"),
    FlowColumn("flow", "string", True, "expected one of import, export, re-export, re-import"),
    FlowColumn("frequency", "string", True, "expected M, Q or A"),
    FlowColumn("period", "string", True, "expected a period"),
    FlowColumn("commodity", "string", True, "expected an HS code of 2, 4, 6, 8 or 10 digits as "
               "text (leading zeros kept) or TOTAL; quote the column so 0101 is not read as 101"),
    FlowColumn("value_usd", "float64", True, "expected a number of US dollars"),
    FlowColumn("quantity", "float64", False, "expected a number or nothing"),
    FlowColumn("unit", "string", False, "expected text or nothing"),
    FlowColumn("source", "string", True, "expected a source name"),
    FlowColumn("is_mirror", "bool", True, "expected true or false"),
    FlowColumn("partner_name", "string", False, "expected text or nothing"),
)

#: Column -> pandas dtype of the canonical table, in order.
TRADE_FLOW_COLUMNS: dict[str, str] = {c.name: c.dtype for c in TRADE_FLOW_SCHEMA}

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


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return value if isinstance(value, (int, float, str, bool)) else str(value)


_TRUTH = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_PERIOD_PROBLEM = "expected YYYY-MM for M, YYYYQn for Q, YYYY for A"


def _clean(uniques: pd.Index | np.ndarray, case: str | None) -> list[str]:
    cleaned = [str(u).strip() for u in uniques]
    if case == "upper":
        return [c.upper() for c in cleaned]
    return [c.lower() for c in cleaned] if case == "lower" else cleaned


def _codes_check(
    case: str | None,
    pattern: re.Pattern[str] | None,
    allowed: tuple[str, ...] | Callable[[str], bool] | None,
) -> Callable[..., pd.Series]:
    """A check of a code-like column: each distinct value is read once (codes repeat a few hundred
    values over millions of rows), case-insensitively where ``case`` says; a missing value fails."""

    def check(series: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        ok = [
            (pattern is None or bool(pattern.match(c)))
            and (allowed is None or (allowed(c) if callable(allowed) else c in allowed))
            for c in _clean(uniques, case)
        ]
        return pd.Series(np.append(np.array(ok, dtype=bool), False)[codes], index=series.index)

    return check


def _number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def _truth_check(series: pd.Series) -> pd.Series:
    if series.dtype == bool:
        return pd.Series(True, index=series.index)
    return series.astype("string").str.strip().str.lower().map(_TRUTH).notna()


def _period_matches_frequency(frame: pd.DataFrame) -> pd.Series:
    """A period written as its row's frequency says; a row whose frequency is itself wrong is
    reported once, under frequency."""
    pairs = frame[["frequency", "period"]].astype("string")
    keys = pairs.drop_duplicates()
    bad = {
        (f, p) for f, p in keys.itertuples(index=False)
        if isinstance(f, str) and f.strip().upper() in _PERIOD_PATTERNS
        and (not isinstance(p, str) or not _PERIOD_PATTERNS[f.strip().upper()].match(p.strip()))
    }
    if not bad:
        return pd.Series(True, index=frame.index)
    return pd.Series(~pd.MultiIndex.from_frame(pairs).isin(list(bad)), index=frame.index)


@cache
def trade_flow_checks() -> Any:
    """The rules each row of :data:`TRADE_FLOW_SCHEMA` must meet, as a pandera schema.

    Every check sees the values as written (a missing value included), so a failure names the
    value a spreadsheet shows; :func:`check_trade_flows` normalises the rows once they pass.
    pandera is imported here, not with this module: the warehouse's table list is read by
    commands that never check a file.
    """
    import pandera.pandas as pa

    problem = {c.name: c.problem for c in TRADE_FLOW_SCHEMA}

    def column(name: str, *checks: tuple[Callable[..., pd.Series], str | None]) -> Any:
        return pa.Column(
            checks=[
                pa.Check(f, error=text or problem[name], ignore_na=False) for f, text in checks
            ],
            nullable=True, required=False, name=name,
        )

    codes = _codes_check("upper", _PARTNER, is_known_partner)
    numbers = (lambda s: _number(s).notna(), None)
    return pa.DataFrameSchema(
        {
            "reporter": column("reporter", (codes, None)),
            "partner": column("partner", (codes, None)),
            "flow": column("flow", (_codes_check("lower", None, FLOWS), None)),
            "frequency": column("frequency", (_codes_check("upper", None, FREQUENCIES), None)),
            "period": column("period", (_codes_check(None, None, None), None)),
            "commodity": column("commodity", (_codes_check(None, _COMMODITY, None), None)),
            "value_usd": column(
                "value_usd",
                numbers,
                (lambda s: ~(_number(s) < 0), "expected a value of zero or more"),
            ),
            "quantity": column(
                "quantity",
                (lambda s: s.isna() | _number(s).notna(), None),
                (lambda s: ~(_number(s) < 0), "expected a quantity of zero or more"),
            ),
            "source": column("source", (_codes_check(None, None, None), None)),
            "is_mirror": column("is_mirror", (_truth_check, None)),
        },
        checks=[pa.Check(_period_matches_frequency, error=_PERIOD_PROBLEM)],
    )


def _problems(failures: pd.DataFrame) -> tuple[list[dict], int]:
    """pandera's failure cases as the rows a spreadsheet user finds: the header is row 1."""
    # The period check reads two columns; pandera lists each column of a failing row for it.
    wide = failures["schema_context"] == "DataFrameSchema"
    failures = failures[~wide | (failures["column"] == "period")].dropna(subset=["index"])
    problems: list[dict] = []
    for (column, check), cases in failures.groupby(["column", "check"], sort=False):
        first = cases.sort_values("index").head(20)
        problems += [
            {"row": int(index) + 2, "column": column, "value": _plain(value), "problem": check}
            for index, value in zip(first["index"], first["failure_case"], strict=True)
        ]
    return sorted(problems, key=lambda p: p["row"]), len(failures)


def check_trade_flows(frame: pd.DataFrame, *, path: str | None = None) -> pd.DataFrame:
    """Validate and normalise a canonical trade-flow table; raise on any bad row.

    The rules are :func:`trade_flow_checks` (one declared schema). Row numbers in the error count
    a header line, so row 2 is the first data row — the number a spreadsheet shows — provided
    ``frame`` still has the file's own 0-based index.

    Raises:
        DataFileError: missing columns, bad codes, periods, flows, or negative values, with
            the first bad rows and how to fix them. Nothing is returned in that case.
    """
    import pandera.errors

    required = [c.name for c in TRADE_FLOW_SCHEMA if c.required]
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
    for column in TRADE_FLOW_COLUMNS:
        if column not in out.columns:
            out[column] = None
    out = out[list(TRADE_FLOW_COLUMNS)]
    try:
        trade_flow_checks().validate(out, lazy=True)
    except pandera.errors.SchemaErrors as error:
        problems, total = _problems(error.failure_cases)
        raise DataFileError(
            f"{total} bad value(s) in the trade file; nothing was loaded",
            path=path,
            problems=problems,
            total_bad_rows=total,
            fix="correct the rows listed (row numbers count the header as row 1) and load again",
        ) from None
    return _normalised(out).reset_index(drop=True)


def _normalised(out: pd.DataFrame) -> pd.DataFrame:
    """Rows that passed the checks, written one way: codes trimmed and in their case, numbers as
    floats, empty text as None, is_mirror as a boolean."""
    for column, case in (("reporter", "upper"), ("partner", "upper"), ("flow", "lower"),
                         ("frequency", "upper"), ("commodity", None), ("source", None),
                         ("period", None)):
        codes, uniques = pd.factorize(out[column], use_na_sentinel=True)
        lookup = np.array([*_clean(uniques, case), None], dtype=object)
        out[column] = pd.Series(lookup[codes], index=out.index, dtype="object")
    out["value_usd"] = _number(out["value_usd"]).astype("float64")
    out["quantity"] = _number(out["quantity"]).astype("float64")
    for column in ("unit", "partner_name"):
        text = out[column].astype(object)
        out[column] = text.where(text.notna(), None)
    if out["is_mirror"].dtype != bool:
        truth = out["is_mirror"].astype("string").str.strip().str.lower().map(_TRUTH)
        out["is_mirror"] = truth.fillna(False).astype(bool)
    return out
