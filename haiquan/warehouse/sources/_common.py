"""Helpers shared by the trade-file readers."""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from haiquan.errors import DataFileError, UnknownCodeError
from haiquan.reference.countries import partner_code

__all__ = [
    "PARSE_ERRORS",
    "TradeFileRows",
    "map_partner_names",
    "not_utf8_text",
    "read_table",
    "require_columns",
]


@dataclass(frozen=True, eq=False)
class TradeFileRows:
    """The canonical rows of a trade file, and the rows of it that were set aside.

    A reader that leaves rows out (a source's quirks, exact repeats) says so here rather than
    failing a file of millions of good rows; the load records ``set_aside`` with the load.
    Compared by identity (``eq=False``): a DataFrame has no single truth value.
    """

    #: Checked canonical rows (:data:`~haiquan.warehouse.schema.TRADE_FLOW_COLUMNS`).
    rows: pd.DataFrame
    #: One ``{"rows": count, "reason": why}`` per kind of row left out.
    set_aside: list[dict[str, object]] = field(default_factory=list)


#: What pandas and pyarrow raise on a file that is damaged or not CSV/Parquet at all: a binary
#: file (UnicodeDecodeError is a ValueError), an empty one, a bad Parquet footer (ArrowInvalid is
#: a ValueError) and a truncated gzip stream (EOFError, which the CLI would report as "Aborted.").
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    OSError,
    EOFError,
    zlib.error,
    pd.errors.ParserError,
)


def read_table(path: Path, *, dtype: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a CSV(.gz) or Parquet file, turning parser failures into a DataFileError."""
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        frame = pd.read_csv(path, dtype=dtype, keep_default_na=True, float_precision="round_trip")
        fields = _last_line_fields(path)
    except PARSE_ERRORS as error:
        raise not_utf8_text(path, error) or DataFileError(
            "the file cannot be parsed",
            path=str(path),
            expected="a readable CSV (optionally gzip-compressed) or Parquet file",
            got=f"{type(error).__name__}: {error}",
            fix="check the file is complete and in the format named",
        ) from error
    if len(frame) and fields < len(frame.columns):
        # pandas fills a short last line with NaN: a copy cut mid-row would load a cut value.
        raise DataFileError(
            "the file's last row is cut short: the file looks truncated",
            path=str(path),
            expected=f"{len(frame.columns)} fields in every row, as in the header",
            got=f"{fields} field(s) in the last row (row {len(frame) + 1})",
            fix="copy or download the file again in full; nothing was loaded",
        )
    return frame


#: The first bytes of files that are not text at all: a zip (an .xlsx workbook), an old Excel
#: (OLE) workbook, gzip, Parquet. A decoding error in any other file is text in another encoding.
_BINARY_STARTS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"PAR1")


def not_utf8_text(path: Path, error: BaseException) -> DataFileError | None:
    """The error for a text file that is not UTF-8 (a CSV saved in Latin-1 or Windows-1252, as
    older Excel versions write it), or None for any other parse failure.

    A workbook or other binary file fails to decode too; its own message (save it as CSV) is
    the right one, so a file that starts like one, or holds NUL bytes, is not told to be
    re-encoded. The line is found by reading the file again: pandas' error counts bytes from
    the start of the chunk it was decoding, not of the file.
    """
    if not isinstance(error, UnicodeDecodeError):
        return None
    packed = path.suffix == ".gz"
    try:
        with gzip.open(path, "rb") if packed else open(path, "rb") as file:
            start = file.read(1 << 13)
            if start.startswith(_BINARY_STARTS) or b"\x00" in start:
                return None
            file.seek(0)
            number, line, at = next(
                (number, line, at)
                for number, line in enumerate(file, 1)
                if (at := _bad_byte(line)) is not None
            )
    except (OSError, EOFError, zlib.error, StopIteration):
        return None
    plain = path.name[: -len(".gz")] if packed else path.name
    recode = "iconv -f WINDOWS-1252 -t UTF-8"
    convert = f"gunzip -c {path.name} | {recode}" if packed else f"{recode} {path.name}"
    return DataFileError(
        "the file is not UTF-8 text",
        path=str(path),
        expected="CSV text in UTF-8",
        got=f"line {number}: byte 0x{line[at : at + 1].hex()}, which is not UTF-8 (text saved "
        "as Latin-1 or Windows-1252)",
        fix=f"save it again as 'CSV UTF-8', or convert it: {convert} > utf8-{plain}; "
        "nothing was loaded",
    )


def _bad_byte(line: bytes) -> int | None:
    """Where ``line`` stops being UTF-8, or None."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as found:
        return found.start
    return None


def _last_line_fields(path: Path) -> int:
    """The number of fields of a CSV file's last non-empty line (a gzip file is read through;
    a plain one only from its last 64 KiB)."""
    tail = b""
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as packed:
            while chunk := packed.read(1 << 20):
                tail = (tail + chunk)[-(1 << 16) :]
    else:
        with open(path, "rb") as plain:
            plain.seek(max(0, path.stat().st_size - (1 << 16)))
            tail = plain.read()
    lines = [line for line in tail.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        return 0
    return len(next(csv.reader([lines[-1]])))


def require_columns(frame: pd.DataFrame, columns: Iterable[str], path: Path, what: str) -> None:
    """Refuse a file that lacks any of the named columns."""
    needed = list(columns)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataFileError(
            f"the file lacks columns of the {what} format",
            path=str(path),
            expected="columns " + ", ".join(needed),
            got="columns " + ", ".join(map(str, frame.columns)),
            fix="add the missing columns (" + ", ".join(missing) + ") or choose another "
            "format (--format of haiquan load, --input-format of the other commands)",
        )


def map_partner_names(names: pd.Series, path: Path, column: str) -> pd.Series:
    """Map source spellings of countries and aggregates to canonical partner codes.

    Each distinct name is looked up once. Unknown names fail the whole file, listing the rows.
    """
    uniques = names.dropna().unique()
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for name in uniques:
        try:
            mapping[name] = partner_code(str(name))
        except UnknownCodeError:
            unknown.append(str(name))
    if unknown or names.isna().any():
        mask = names.isin(unknown) | names.isna()
        bad = names[mask]
        raise DataFileError(
            f"{len(unknown)} partner name(s) are neither an ISO 3166 country nor a known group",
            path=str(path),
            problems=[
                {
                    "row": int(i) + 2,
                    "column": column,
                    "value": None if pd.isna(v) else v,
                    "problem": "unknown country or group name",
                }
                for i, v in bad.head(20).items()
            ],
            total_bad_rows=int(mask.sum()),
            fix="add the spelling to haiquan/reference/data/country_aliases.yaml "
            "(under countries: for a country, groups: for an aggregate)",
        )
    return names.map(mapping)
