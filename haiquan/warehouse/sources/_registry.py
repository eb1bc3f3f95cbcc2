"""The table of trade-file formats and the dispatch to their readers."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from haiquan.errors import DataFileError, InputError
from haiquan.warehouse.sources._common import PARSE_ERRORS, TradeFileRows, not_utf8_text

__all__ = [
    "TRADE_FORMATS",
    "TradeFileRows",
    "TradeFormat",
    "detect_format",
    "read_trade_file",
    "read_trade_rows",
]


@dataclass(frozen=True)
class TradeFormat:
    """One supported trade-file format."""

    name: str
    module: str
    description: str
    #: Columns whose presence identifies the format when detecting it (empty for formats that
    #: are not tables, detected from their content: SDMX).
    signature: frozenset[str]
    #: The module's function that reads the format.
    function: str = "read"

    @property
    def reader(self) -> Callable[[Path], pd.DataFrame | TradeFileRows]:
        """The format's ``read(path)``: canonical rows, or those and the rows set aside."""
        module = importlib.import_module(f"haiquan.warehouse.sources.{self.module}")
        return getattr(module, self.function)  # type: ignore[no-any-return]


TRADE_FORMATS: dict[str, TradeFormat] = {
    f.name: f
    for f in (
        TradeFormat(
            "census",
            "census",
            "U.S. Census Bureau goods trade by partner country, monthly long CSV(.gz)",
            frozenset({"period", "cty_code", "cty_name", "flow", "value_musd"}),
        ),
        TradeFormat(
            "dots",
            "dots",
            "IMF Direction of Trade Statistics, bilateral annual long table (parquet or CSV)",
            frozenset(
                {"reporter", "partner", "partner_is_aggregate", "flow", "year", "value_musd"}
            ),
        ),
        TradeFormat(
            "baci",
            "baci",
            "CEPII BACI exports by exporter x HS2 chapter x year (CSV(.gz))",
            frozenset({"t", "i", "i_iso3c", "k", "v"}),
        ),
        TradeFormat(
            "eu15",
            "eu15",
            "Eurostat EU15 bilateral trade by product group (fixest `trade` CSV)",
            frozenset({"Destination", "Origin", "Product", "Year", "dist_km", "Euros"}),
        ),
        TradeFormat(
            "comtrade",
            "comtrade",
            "UN Comtrade CSV from the current site or its API (freqCode, reporterISO, "
            "primaryValue ...)",
            frozenset(
                {
                    "freqCode",
                    "period",
                    "reporterISO",
                    "flowCode",
                    "partnerISO",
                    "cmdCode",
                    "primaryValue",
                }
            ),
        ),
        TradeFormat(
            "comtrade-legacy",
            "comtrade",
            "UN Comtrade CSV from the legacy site (Reporter ISO, Trade Value (US$) ...)",
            frozenset(
                {
                    "Period",
                    "Trade Flow Code",
                    "Reporter ISO",
                    "Partner ISO",
                    "Commodity Code",
                    "Trade Value (US$)",
                }
            ),
            function="read_legacy",
        ),
        TradeFormat(
            "sdmx",
            "sdmx",
            "SDMX data message (IMF, OECD, UN): SDMX-ML 2.1 generic or structure-specific, "
            "SDMX-JSON",
            frozenset(),
        ),
        TradeFormat(
            "canonical",
            "canonical",
            "haiquan's canonical trade-flow CSV or Parquet (docs/data-formats.md)",
            frozenset(
                {"reporter", "partner", "flow", "frequency", "period", "commodity", "value_usd"}
            ),
        ),
    )
}


def _columns(path: Path) -> set[str]:
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return set(pq.read_schema(path).names)
        return set(pd.read_csv(path, nrows=0).columns)
    except PARSE_ERRORS as error:
        raise not_utf8_text(path, error) or DataFileError(
            "the file's columns cannot be read",
            path=str(path),
            expected="a CSV (optionally gzip-compressed) or Parquet file with a header row",
            got=f"{type(error).__name__}: {error}",
            fix="check the file is complete; save a spreadsheet (.xlsx) as CSV first",
        ) from error


def detect_format(path: str | Path) -> str:
    """Guess a file's format from its columns.

    Raises:
        DataFileError: when no known format matches.
    """
    file = Path(path)
    _require_file(file)
    from haiquan.warehouse.sources.sdmx import is_sdmx_message

    if is_sdmx_message(file):
        return "sdmx"
    columns = _columns(file)
    for name, trade_format in TRADE_FORMATS.items():
        if trade_format.signature and trade_format.signature <= columns:
            return name
    raise DataFileError(
        "the file's columns match no known trade format",
        path=str(file),
        expected="an SDMX message or one of: "
        + "; ".join(
            f"{n} ({', '.join(sorted(f.signature))})"
            for n, f in TRADE_FORMATS.items()
            if f.signature
        ),
        got="columns " + ", ".join(sorted(columns)),
        fix="name the format (--format of haiquan load, --input-format of the commands that "
        "read --input FILE), or convert the file to the canonical format "
        "(docs/data-formats.md)",
    )


def _require_file(file: Path) -> None:
    if not file.is_file():
        raise InputError(
            "no such file",
            expected="the path of an existing trade data file",
            got=str(file),
            fix="check the path (relative paths start from the current folder)",
        )


def read_trade_file(path: str | Path, format: str | None = None) -> pd.DataFrame:
    """Read a trade file of a named format (or a detected one) into canonical rows."""
    return read_trade_rows(path, format).rows


def read_trade_rows(path: str | Path, format: str | None = None) -> TradeFileRows:
    """:func:`read_trade_file`, with the rows the reader set aside (what a load records)."""
    file = Path(path)
    _require_file(file)
    name = format or detect_format(file)
    if name not in TRADE_FORMATS:
        raise InputError(
            f"unknown trade format {name!r}",
            expected="one of " + ", ".join(TRADE_FORMATS),
            got=repr(name),
            fix="choose a format from `haiquan load --help`",
        )
    read = TRADE_FORMATS[name].reader(file)
    return read if isinstance(read, TradeFileRows) else TradeFileRows(rows=read)
