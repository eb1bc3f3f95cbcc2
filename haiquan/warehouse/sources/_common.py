"""Helpers shared by the trade-file readers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from haiquan.errors import DataFileError, UnknownCodeError
from haiquan.reference.countries import partner_code

__all__ = ["map_partner_names", "read_table", "require_columns"]


def read_table(path: Path, *, dtype: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a CSV(.gz) or Parquet file, turning parser failures into a DataFileError."""
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=dtype, keep_default_na=True, float_precision="round_trip")
    except (ValueError, OSError, pd.errors.ParserError) as error:
        raise DataFileError(
            "the file cannot be parsed",
            path=str(path),
            expected="a readable CSV (optionally gzip-compressed) or Parquet file",
            got=f"{type(error).__name__}: {error}",
            fix="check the file is complete and in the format named",
        ) from error


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
            fix="add the missing columns (" + ", ".join(missing) + ") or choose another --format",
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
                {"row": int(i) + 2, "column": column, "value": None if pd.isna(v) else v,
                 "problem": "unknown country or group name"}
                for i, v in bad.head(20).items()
            ],
            total_bad_rows=int(mask.sum()),
            fix="add the spelling to haiquan/reference/data/country_aliases.yaml "
            "(under countries: for a country, groups: for an aggregate)",
        )
    return names.map(mapping)
