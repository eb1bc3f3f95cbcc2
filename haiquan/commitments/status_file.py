"""Status files: a CSV (with a header) or YAML list of status records, read and validated all
at once — every problem of every bad row is reported together and nothing is stored until the
whole file is valid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError as PydanticValidationError

from haiquan import yaml_text
from haiquan.commitments.catalogue import Catalogue, load_catalogue
from haiquan.commitments.record_rules import raw_item_problem, rule_problems
from haiquan.commitments.records import (
    RECORD_COLUMNS,
    REQUIRED_COLUMNS,
    StatusRecord,
)
from haiquan.errors import (
    DataFileError,
    HaiquanError,
    NotValidYamlError,
    UnknownCodeError,
)

__all__ = ["read_status_file"]


def _problems_of(error: Exception) -> list[tuple[str | None, str]]:
    """Every (column, problem) an exception reports about one row."""
    if isinstance(error, PydanticValidationError):
        found = []
        for item in error.errors():
            column = str(item["loc"][0]) if item["loc"] else None
            message = item["msg"].removeprefix("Value error, ")
            if column == "category":
                message = "category must be A, B or C"
            elif column == "status":
                message = "status must be implemented, partially or not_yet"
            elif item["type"] == "extra_forbidden":
                message = f"unknown column {column!r}; allowed: {', '.join(RECORD_COLUMNS)}"
            found.append((column, message))
        return found
    if isinstance(error, UnknownCodeError):
        return [("country", str(error.summary))]
    return [(None, str(error))]


def _row_problem(
    number: int, row: Mapping[str, Any], found: Sequence[tuple[str | None, str]]
) -> dict[str, Any]:
    """One entry per bad row holding all of its problems, so none is hidden behind the first."""
    if len(found) == 1:
        column, message = found[0]
        problem: dict[str, Any] = {"row": number, "column": column, "problem": message}
        value = row.get(column) if column else None
        if value is not None:
            problem["value"] = str(value)
        return problem
    parts = []
    for column, message in found:
        value = row.get(column) if column else None
        shown = value not in (None, "") and str(value) not in message
        parts.append(message + (f" (value {str(value)!r})" if shown else ""))
    columns = [c for c, _ in found if c]
    return {
        "row": number,
        "column": ", ".join(dict.fromkeys(columns)) or None,
        "problem": f"{len(found)} problems: " + "; ".join(parts),
    }


def _validated(
    rows: Sequence[Mapping[str, Any]], path: str | None, first_row: int
) -> list[StatusRecord]:
    """Validate every row; raise one :class:`DataFileError` with every problem of each bad row."""
    problems: list[dict[str, Any]] = []
    records: list[StatusRecord] = []
    seen: dict[tuple[str, str, str, dt.date], int] = {}
    catalogues: dict[str, Catalogue] = {}
    for offset, row in enumerate(rows):
        number = first_row + offset
        try:
            record = StatusRecord.model_validate(dict(row))
            if record.catalogue not in catalogues:
                catalogues[record.catalogue] = load_catalogue(record.catalogue)
        except (PydanticValidationError, HaiquanError) as error:
            found = _problems_of(error)
            extra = raw_item_problem(row, catalogues)
            if extra is not None and not any(column == "item" for column, _ in found):
                found.append((extra[0], str(extra[1])))
            problems.append(_row_problem(number, row, found))
            continue
        broken = rule_problems(record, catalogues[record.catalogue])
        if broken:
            problems.append(_row_problem(number, row, [(c, str(e)) for c, e in broken]))
            continue
        key = (record.catalogue, record.item, record.country, record.effective_date)
        if key in seen:
            problems.append(
                {
                    "row": number,
                    "column": "effective_date",
                    "problem": f"same catalogue, item, country and date as row {seen[key]}",
                    "value": str(record.effective_date),
                }
            )
            continue
        seen[key] = number
        records.append(record)
    if problems:
        raise DataFileError(
            f"{len(problems)} status record(s) rejected; nothing was stored",
            path=path,
            problems=problems,
            expected="one valid record per row (see docs/commitments.md, status files)",
            fix="correct the rows listed and load the file again",
        )
    return records


def read_status_file(path: Path | str) -> list[StatusRecord]:
    """Read and validate a status file (CSV with a header, or YAML).

    A YAML file is a list of records or a mapping with a ``records:`` list. CSV row numbers in
    errors count the header as row 1, as a spreadsheet shows them.

    Raises:
        DataFileError: the file cannot be read, lacks required columns, is empty, or has bad rows;
            nothing is returned and nothing is stored.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".yaml", ".yml"}:
        raise DataFileError(
            "unknown status file type",
            path=str(path),
            expected="a .csv, .yaml or .yml file",
            got=suffix or "no extension",
            fix="save the records as CSV (UTF-8) or YAML",
        )
    if not path.is_file():
        raise DataFileError(
            "status file not found", path=str(path), expected="an existing file", got=str(path)
        )
    rows: list[Mapping[str, Any]]
    if suffix == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        except (pd.errors.EmptyDataError, UnicodeDecodeError, pd.errors.ParserError) as error:
            raise DataFileError(
                "cannot read the status CSV",
                path=str(path),
                expected="a UTF-8 CSV with a header row",
                got=str(error).splitlines()[0],
                fix="export the sheet as CSV UTF-8 with the columns in docs/commitments.md",
            ) from error
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            raise DataFileError(
                "status CSV lacks required columns",
                path=str(path),
                expected=f"columns {', '.join(REQUIRED_COLUMNS)} (and optionally the others)",
                got=", ".join(map(str, frame.columns)) or "no columns",
                fix=f"add the column(s) {', '.join(missing)}",
            )
        rows = frame.to_dict(orient="records")
        first_row = 2
    else:
        try:
            data = yaml_text.read(path, expected="a YAML list of records")
        except NotValidYamlError as error:  # a data file: refused as one, storing nothing
            raise DataFileError(f"status YAML is not valid YAML{error.place}", path=str(path),
                                expected=error.expected, got=error.got, fix=error.fix) from error
        if isinstance(data, dict) and "records" in data:
            data = data["records"]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise DataFileError(
                "status YAML has the wrong shape",
                path=str(path),
                expected="a list of mappings (or `records:` holding one)",
                got=type(data).__name__,
                fix="write one `- catalogue: ... item: ...` mapping per record",
            )
        rows = data
        first_row = 1
    if not rows:
        raise DataFileError(
            "status file holds no records",
            path=str(path),
            expected="at least one record",
            got="an empty file",
            fix="add records, or do not load the file",
        )
    return _validated(rows, str(path), first_row)
